// The reference CRM's application profile: what Ferry knows about the CRM that `ferry demo init`
// generates (src/profiles/crm/): its checks, users, license, version, freeze, company layout, the
// tables it does not migrate, its companion (extension) tables and the parallel-phase checklist. docs/profiles.md walks through it.

import { excludedRuleFor } from '../common-checks.ts';
import type { ApplicationProfile, CompaniesHook, CompanionTable, ExcludedTable } from '../profile.ts';
import { crmChecks } from './checks/index.ts';
import { crmDataUpgrade } from './data-upgrade.ts';
import { initializeCrmCompany } from './company-initialization.ts';
import { crmFreeze, crmLicense, crmVersion } from './hooks.ts';
import { readCrmReferencedDocuments } from '../../storage/crm-referenced-documents.ts';
import { crmUsers } from './users.ts';

const excludedTables: ExcludedTable[] = [
  {
    table: 'role_permissions',
    reason:
      "Permissions are defined by the cloud service's roles; on-premises role permissions do not apply there.",
    setup: 'Assign the cloud roles to users in the tenant administration.',
  },
];

/**
 * Every company has an extension row keyed by its id; the CRM's company card does not open without
 * one. `ferry repair-companions` inserts missing ones in the tenant with these values.
 */
const companionTables: CompanionTable[] = [
  {
    base: 'companies',
    companion: 'company_extensions',
    defaults: { segment: 'unassigned', newsletter: '0', account_manager_id: null, notes: null },
  },
];

/** The CRM has no company split: the whole database is one company, named as in the license. */
const companies: CompaniesHook = {
  async list(ctx) {
    const license = await crmLicense.read(ctx);
    const tables = ctx.tables.filter((t) => excludedRuleFor(excludedTables, t.name) === undefined);
    return [
      {
        id: 'default',
        name: license.companyName,
        tables: tables.map((t) => t.name),
        estimatedRows: tables.reduce((sum, t) => sum + t.estimatedRows, 0),
        estimatedBytes: tables.reduce((sum, t) => sum + t.estimatedBytes, 0),
      },
    ];
  },
  sharedTables() {
    return [];
  },
  initialize: initializeCrmCompany,
};

export const crmProfile: ApplicationProfile = {
  id: 'crm',
  title: 'Ferry CRM (reference application)',
  version: crmVersion,
  license: crmLicense,
  checks: crmChecks(excludedTables, companionTables),
  users: crmUsers,
  freeze: crmFreeze,
  companies,
  excludedTables,
  companionTables,
  checklist: [
    { id: 'users-log-in', title: 'Users log in with their email usernames and plans', owner: 'customer' },
    { id: 'data-complete', title: 'Companies, persons and appointments are complete', owner: 'customer' },
    { id: 'documents-open', title: 'Documents open from the archive', owner: 'customer' },
    { id: 'roles-assigned', title: 'Cloud roles replace the on-premises permissions', owner: 'vendor' },
    {
      id: 'integrations-reconnected',
      title: 'Integrations are authorized again and scheduled tasks recreated',
      owner: 'vendor',
    },
    { id: 'email-service', title: 'Email sending and receiving work from the tenant', owner: 'vendor' },
  ],
  // The `documents` table references files in the archive by path, size and sha256.
  documents: { referenced: (ctx) => readCrmReferencedDocuments(ctx.source, ctx.signal) },
  dataUpgrade: crmDataUpgrade,
};
