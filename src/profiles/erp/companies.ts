// The small ERP's company layout, as in Business Central: a company's tables are named
// `<Company>$<Table>` (`CRONUS$Customer`, `Fabrikam$G_L Entry`); tables without a `$` after the
// first character (`Company`, `User`, `$ndo$dbproperty`) are shared by every company. Pure except
// for reading the `Company` table's display names.

import type { TableSchema } from '../../connectors/types.ts';
import { excludedRuleFor } from '../common-checks.ts';
import type { CompaniesHook, Company, ExcludedTable, ProfileContext } from '../profile.ts';
import { findTable, readRows, textOf } from '../source-rows.ts';

/** The company prefix of a table name, or null for a shared table. */
export function companyOf(tableName: string): string | null {
  const at = tableName.indexOf('$');
  return at > 0 ? tableName.slice(0, at) : null;
}

/** Company name → display name, from the shared `Company` table when there is one. */
async function displayNames(ctx: ProfileContext): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const table = findTable(ctx, 'Company');
  if (table === null) return names;
  for await (const row of readRows(ctx, table, ['Name', 'Display Name'] as const)) {
    const display = textOf(row['Display Name']);
    names.set(textOf(row.Name), display === '' ? textOf(row.Name) : display);
  }
  return names;
}

/**
 * Company names found as table-name prefixes, sorted by code point: the same order whatever the
 * database (MariaDB lists tables in its collation's case-insensitive order, SQLite and PostgreSQL
 * byte-wise).
 */
export function companyNames(tables: readonly TableSchema[]): string[] {
  const names: string[] = [];
  for (const table of tables) {
    const company = companyOf(table.name);
    if (company !== null && !names.includes(company)) names.push(company);
  }
  return names.sort();
}

export function erpCompanies(excluded: readonly ExcludedTable[]): CompaniesHook {
  const migrated = (tables: readonly TableSchema[]) =>
    tables.filter((t) => excludedRuleFor(excluded, t.name) === undefined);
  return {
    async list(ctx): Promise<Company[]> {
      const display = await displayNames(ctx);
      const tables = migrated(ctx.tables);
      return companyNames(ctx.tables).map((company) => {
        const own = tables.filter((t) => companyOf(t.name) === company);
        return {
          id: company,
          name: display.get(company) ?? company,
          tables: own.map((t) => t.name),
          estimatedRows: own.reduce((sum, t) => sum + t.estimatedRows, 0),
          estimatedBytes: own.reduce((sum, t) => sum + t.estimatedBytes, 0),
        };
      });
    },
    sharedTables(tables) {
      return migrated(tables)
        .filter((t) => companyOf(t.name) === null)
        .map((t) => t.name);
    },
  };
}
