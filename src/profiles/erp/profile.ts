// A second, small application profile: an ERP whose database is split into companies by table-name
// prefix, as in Business Central (`CRONUS$Customer`, `Fabrikam$Vendor`; shared tables have no
// prefix). It exists to prove the profile interface is general; `fixture.ts` makes a tiny one.

import type { ApplicationProfile, ExcludedTable } from '../profile.ts';
import { erpChecks } from './checks.ts';
import { erpCompanies } from './companies.ts';
import { initializeErpCompany } from './company-initialization.ts';
import { erpFreeze, erpLicense, erpUsers, erpVersion } from './hooks.ts';

const excludedTables: ExcludedTable[] = [
  {
    table: 'Access Control',
    reason:
      'Permission sets are assigned anew in the cloud; on-premises access control does not apply there.',
    setup: 'Assign permission sets to users per company in the tenant.',
  },
  {
    table: /\$Change Log Entry$/,
    reason: 'The change log records on-premises edits and is kept with the on-premises archive.',
    setup: 'Switch the change log on again in the tenant if it is needed.',
  },
];

export const erpProfile: ApplicationProfile = {
  id: 'erp',
  title: 'Small ERP (company-prefixed tables, Business Central style)',
  version: erpVersion,
  license: erpLicense,
  checks: erpChecks(excludedTables),
  users: erpUsers,
  freeze: erpFreeze,
  companies: { ...erpCompanies(excludedTables), initialize: initializeErpCompany },
  excludedTables,
  companionTables: [],
  checklist: [
    { id: 'companies-open', title: 'Every company opens and its balances match', owner: 'customer' },
    { id: 'posting-works', title: 'Posting a sales invoice works in each company', owner: 'customer' },
    { id: 'permissions-assigned', title: 'Permission sets are assigned per company', owner: 'vendor' },
  ],
};
