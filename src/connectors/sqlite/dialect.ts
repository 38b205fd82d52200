// SQLite SQL knowledge without I/O: identifier quoting and the target DDL.
//
// SQLite cannot add a primary key, a unique constraint or a foreign key to an existing table
// (ALTER TABLE only renames and adds/drops columns). So:
//   - renderCreateTable creates the table with NOT NULL, DEFAULT and generated columns only;
//   - renderKeysAndIndexes enforces the primary key and unique constraints with CREATE UNIQUE INDEX
//     and recreates plain indexes with CREATE INDEX, after the load;
//   - renderForeignKeys returns nothing: foreign keys are not recreated in a SQLite tenant.

import type { SourceDialect, TargetDialect, TargetTableDef } from '../types.ts';
import { mapColumn } from './target-types.ts';

export { mapColumn, targetTypeRules, quoteLiteral } from './target-types.ts';
export { logicalTypeOf, sourceTypeRules, affinityOf, NO_DECLARED_TYPE } from './source-types.ts';

/** Every identifier is quoted, so `order`, `User Name`, `CRONUS$Customer` and `MixedCase` work. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Index names are unique per database file in SQLite but per table in MySQL (every table may have
 * an `idx_name`), so a name not already starting with `<table>_` is prefixed with it.
 */
export function indexName(table: string, name: string): string {
  return name.startsWith(`${table}_`) ? name : `${table}_${name}`;
}

function columnList(columns: string[]): string {
  return columns.map(quoteIdentifier).join(', ');
}

export function renderCreateTable(table: TargetTableDef): string[] {
  const lines = table.columns.map((c) => {
    let line = quoteIdentifier(c.name);
    if (c.nativeType !== '') line += ` ${c.nativeType}`;
    if (!c.nullable) line += ' NOT NULL';
    // TargetColumnDef does not say whether the source stored the column; STORED is always correct.
    if (c.generatedSql !== null) line += ` GENERATED ALWAYS AS (${c.generatedSql}) STORED`;
    else if (c.defaultSql !== null) line += ` DEFAULT ${c.defaultSql}`;
    return `  ${line}`;
  });
  return [`CREATE TABLE ${quoteIdentifier(table.name)} (\n${lines.join(',\n')}\n)`];
}

export function renderKeysAndIndexes(table: TargetTableDef): string[] {
  const t = quoteIdentifier(table.name);
  const out: string[] = [];
  if (table.primaryKey !== null && table.primaryKey.length > 0) {
    out.push(
      `CREATE UNIQUE INDEX IF NOT EXISTS ${quoteIdentifier(`${table.name}_pkey`)} ON ${t} (${columnList(table.primaryKey)})`,
    );
  }
  for (const u of table.uniqueConstraints) {
    out.push(
      `CREATE UNIQUE INDEX IF NOT EXISTS ${quoteIdentifier(indexName(table.name, u.name))} ON ${t} (${columnList(u.columns)})`,
    );
  }
  for (const i of table.indexes) {
    out.push(
      `CREATE ${i.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${quoteIdentifier(indexName(table.name, i.name))} ON ${t} (${columnList(i.columns)})`,
    );
  }
  return out;
}

/** SQLite cannot add a foreign key to an existing table; foreign keys are not recreated. */
export function renderForeignKeys(_table: TargetTableDef): string[] {
  return [];
}

export const sqliteTargetDialect: TargetDialect = {
  dialect: 'sqlite',
  quoteIdentifier,
  mapColumn,
  renderCreateTable,
  renderKeysAndIndexes,
  renderForeignKeys,
};

export const sqliteSourceDialect: SourceDialect = { dialect: 'sqlite', quoteIdentifier };
