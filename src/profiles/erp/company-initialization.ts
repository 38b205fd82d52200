// Initializing an ERP company in the tenant, as Business Central asks before a company is used:
// its number series. Each company gets a `<Company>$No_ Series` table with one series per kind of
// record the migration brings (customers, vendors), continuing after the highest number the source
// used, so the first customer created in the cloud does not collide with a migrated one.
// Idempotent: series already in the tenant are left as they are (the cloud may have moved them on).
// A company whose name the cloud rejects is refused here too (see the erp.company-names check).

import { FerryError } from '../../domain/errors.ts';
import type { Company, CompanyInitContext, TenantSetupTable } from '../profile.ts';
import { findTable, readRows, textOf } from '../source-rows.ts';
import { companyNameProblem } from './checks.ts';

/** The series a company starts with: code, description, and the source table numbered by it. */
const series = [
  { code: 'CUST', description: 'Customers', table: 'Customer', start: 'C00001' },
  { code: 'VEND', description: 'Vendors', table: 'Vendor', start: 'V00001' },
] as const;

export function numberSeriesTable(companyId: string): TenantSetupTable {
  return {
    name: `${companyId}$No_ Series`,
    key: 'Code',
    columns: [
      { name: 'Code', type: 'text' },
      { name: 'Description', type: 'text' },
      { name: 'Starting No_', type: 'text' },
      { name: 'Last No_ Used', type: 'text' },
    ],
  };
}

/** The highest `No_` of the company's source table (codes are fixed-width), or null when empty. */
async function lastNumberUsed(ctx: CompanyInitContext, tableName: string): Promise<string | null> {
  const table = findTable(ctx, tableName);
  if (table === null) return null;
  let last: string | null = null;
  for await (const row of readRows(ctx, table, ['No_'] as const)) {
    const no = textOf(row.No_);
    if (last === null || no > last) last = no;
  }
  return last;
}

export async function initializeErpCompany(
  ctx: CompanyInitContext,
  company: Company,
): Promise<{ summary: string }> {
  const problem = companyNameProblem(company.id);
  if (problem !== null)
    throw new FerryError(
      'FERRY_COMPANY_INITIALIZATION_FAILED',
      `company ${JSON.stringify(company.id)} cannot be set up in the cloud: its name ${problem}`,
      {
        hint: 'Rename the company in the source (see the erp.company-names check), then initialize it again.',
      },
    );
  const table = numberSeriesTable(company.id);
  const { created } = await ctx.setup.ensureTable(table);
  const rows = [];
  for (const s of series) {
    rows.push({
      Code: s.code,
      Description: s.description,
      'Starting No_': s.start,
      'Last No_ Used': await lastNumberUsed(ctx, `${company.id}$${s.table}`),
    });
  }
  const inserted = await ctx.setup.insertMissing(table, rows);
  const now = await ctx.setup.readAll(table);
  const described = series
    .map((s) => `${s.code} last ${now.get(s.code)?.['Last No_ Used'] ?? 'none'}`)
    .join(', ');
  return {
    summary:
      `${created ? 'created' : 'kept'} table ${table.name}; ${inserted} of ${series.length} number series added` +
      ` (${described})`,
  };
}
