// Initializing the CRM's one company in the tenant: the cloud CRM reads its company-wide settings
// from a `company_setup` table (key → value), which the on-premises CRM keeps in its license row
// and service config. Initialization makes sure the defaults exist: the company name and serial
// number from the license, and the source version the data came from. Idempotent: settings already
// in the tenant (perhaps changed there since) are left as they are.

import type { Company, CompanyInitContext, TenantSetupTable } from '../profile.ts';
import { crmLicense, crmVersion } from './hooks.ts';

export const companySetupTable: TenantSetupTable = {
  name: 'company_setup',
  key: 'setting',
  columns: [
    { name: 'setting', type: 'text' },
    { name: 'value', type: 'text' },
  ],
};

export async function initializeCrmCompany(
  ctx: CompanyInitContext,
  company: Company,
): Promise<{ summary: string }> {
  const license = await crmLicense.read(ctx);
  const defaults = {
    'company.id': company.id,
    'company.name': license.companyName,
    'license.serial_number': license.serialNumber,
    'source.version': await crmVersion.read(ctx),
  };
  const { created } = await ctx.setup.ensureTable(companySetupTable);
  const inserted = await ctx.setup.insertMissing(
    companySetupTable,
    Object.entries(defaults).map(([setting, value]) => ({ setting, value })),
  );
  return {
    summary: `${created ? 'created' : 'kept'} table ${companySetupTable.name}; ${inserted} of ${Object.keys(defaults).length} default settings added`,
  };
}
