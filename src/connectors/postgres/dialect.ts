// PostgreSQL SQL knowledge without I/O: identifier quoting and the target DDL.
//
// The DDL names tables without a schema: every session a PostgreSQL connection opens has its
// `search_path` set to the URL's schema (see connection.ts), so `execute()` creates the tables there.
// (TargetDialect is pure and is not told the schema.)

import { createHash } from 'node:crypto';
import type { SourceDialect, TargetDialect, TargetTableDef } from '../types.ts';
import { IDENTITY_CLAUSE, mapColumn, quoteLiteral } from './target-types.ts';

export { mapColumn, targetTypeRules, IDENTITY_CLAUSE } from './target-types.ts';

/** PostgreSQL truncates identifiers longer than this many bytes. */
export const MAX_IDENTIFIER_BYTES = 63;

/** Every identifier is quoted, so `order`, `User Name`, `CRONUS$Customer` and `MixedCase` work. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."table"`. */
export function qualifiedName(schema: string, table: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
}

/** Cut `name` to 63 bytes; when it had to be cut, end it with a hash of the full name so it stays unique. */
export function fitIdentifier(name: string): string {
  if (Buffer.byteLength(name, 'utf8') <= MAX_IDENTIFIER_BYTES) return name;
  const hash = createHash('md5').update(name, 'utf8').digest('hex').slice(0, 8);
  let head = name;
  while (Buffer.byteLength(head, 'utf8') > MAX_IDENTIFIER_BYTES - 9) head = head.slice(0, -1);
  // Do not leave half a surrogate pair behind.
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  return `${head}_${hash}`;
}

/**
 * Index and constraint-index names are unique per schema in PostgreSQL but per table in MySQL and
 * SQLite (every table may have an `idx_name`), so a name not already starting with `<table>_` is
 * prefixed with it.
 */
export function indexName(table: string, name: string): string {
  return fitIdentifier(name.startsWith(`${table}_`) ? name : `${table}_${name}`);
}

function columnList(columns: string[]): string {
  return columns.map(quoteIdentifier).join(', ');
}

export function renderCreateTable(table: TargetTableDef): string[] {
  const lines = table.columns.map((c) => {
    let line = `${quoteIdentifier(c.name)} ${c.nativeType}`;
    if (c.generatedSql !== null) {
      line += ` GENERATED ALWAYS AS (${c.generatedSql}) STORED`;
    } else if (c.defaultSql === IDENTITY_CLAUSE) {
      line += ` ${IDENTITY_CLAUSE}`;
    } else if (c.defaultSql !== null) {
      line += ` DEFAULT ${c.defaultSql}`;
    }
    if (!c.nullable) line += ' NOT NULL';
    if (
      c.type.kind === 'enum' &&
      c.type.values.length > 0 &&
      /^(text|varchar|character varying)/.test(c.nativeType)
    ) {
      line += ` CHECK (${quoteIdentifier(c.name)} IN (${c.type.values.map(quoteLiteral).join(', ')}))`;
    }
    return line;
  });
  return [`CREATE TABLE ${quoteIdentifier(table.name)} (\n  ${lines.join(',\n  ')}\n)`];
}

/**
 * Wrap an ALTER TABLE … ADD CONSTRAINT so that running it again after a crash (the constraint was
 * created but the checkpoint was not recorded) is a no-op instead of an error.
 */
function idempotent(statement: string): string {
  let tag = '$ferry$';
  for (let i = 0; statement.includes(tag); i++) tag = `$ferry${i}$`;
  return (
    `DO ${tag} BEGIN ${statement}; ` +
    `EXCEPTION WHEN duplicate_object OR duplicate_table OR invalid_table_definition THEN NULL; END ${tag}`
  );
}

export function renderKeysAndIndexes(table: TargetTableDef): string[] {
  const t = quoteIdentifier(table.name);
  const out: string[] = [];
  if (table.primaryKey !== null && table.primaryKey.length > 0) {
    out.push(
      idempotent(
        `ALTER TABLE ${t} ADD CONSTRAINT ${quoteIdentifier(fitIdentifier(`${table.name}_pkey`))} PRIMARY KEY (${columnList(table.primaryKey)})`,
      ),
    );
  }
  for (const u of table.uniqueConstraints) {
    out.push(
      idempotent(
        `ALTER TABLE ${t} ADD CONSTRAINT ${quoteIdentifier(indexName(table.name, u.name))} UNIQUE (${columnList(u.columns)})`,
      ),
    );
  }
  for (const i of table.indexes) {
    out.push(
      `CREATE ${i.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${quoteIdentifier(indexName(table.name, i.name))} ON ${t} (${columnList(i.columns)})`,
    );
  }
  // Rows were copied with their own key values, so the identity must continue after the largest.
  for (const c of table.columns) {
    if (c.defaultSql !== IDENTITY_CLAUSE) continue;
    const col = quoteIdentifier(c.name);
    out.push(
      `SELECT setval(pg_get_serial_sequence(${quoteLiteral(t)}, ${quoteLiteral(c.name)}), coalesce(max(${col}), 0) + 1, false) FROM ${t}`,
    );
  }
  return out;
}

const REFERENTIAL_ACTIONS = new Set(['NO ACTION', 'RESTRICT', 'CASCADE', 'SET NULL', 'SET DEFAULT']);

/** A referential action from the schema, or NO ACTION when it is not one (it is spliced into DDL). */
function action(text: string): string {
  const upper = text.trim().toUpperCase();
  return REFERENTIAL_ACTIONS.has(upper) ? upper : 'NO ACTION';
}

export function renderForeignKeys(table: TargetTableDef): string[] {
  return table.foreignKeys.map((fk) =>
    idempotent(
      `ALTER TABLE ${quoteIdentifier(table.name)} ADD CONSTRAINT ${quoteIdentifier(fitIdentifier(fk.name))} ` +
        `FOREIGN KEY (${columnList(fk.columns)}) REFERENCES ${quoteIdentifier(fk.referencedTable)} (${columnList(fk.referencedColumns)}) ` +
        `ON DELETE ${action(fk.onDelete)} ON UPDATE ${action(fk.onUpdate)}`,
    ),
  );
}

export const postgresSourceDialect: SourceDialect = { dialect: 'postgres', quoteIdentifier };

export const postgresTargetDialect: TargetDialect = {
  dialect: 'postgres',
  quoteIdentifier,
  mapColumn,
  renderCreateTable,
  renderKeysAndIndexes,
  renderForeignKeys,
};
