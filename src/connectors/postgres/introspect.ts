// Tables of the URL's schema from the system catalogs: columns, keys, indexes, foreign keys and
// catalog estimates (pg_class.reltuples, pg_total_relation_size; never COUNT(*)).

import type { ColumnSchema, ForeignKeySchema, IndexSchema, TableSchema } from '../types.ts';
import { decoderFor } from './canonical-cells.ts';
import { queryError, type PgSession, type Role } from './connection.ts';
import { classifyDefault, logicalTypeOf } from './source-types.ts';

const TABLES_SQL = `
SELECT c.oid::int8::text AS oid, c.relname AS name,
       greatest(c.reltuples, 0)::float8 AS est_rows,
       pg_total_relation_size(c.oid)::float8 AS est_bytes
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
 ORDER BY c.relname`;

const COLUMNS_SQL = `
SELECT a.attrelid::int8::text AS oid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS native,
       a.attnotnull AS not_null, a.attidentity AS identity, a.attgenerated AS generated,
       pg_get_expr(d.adbin, d.adrelid) AS default_sql,
       bt.typname, bt.typtype, bt.typcategory,
       CASE WHEN t.typtype = 'd' AND a.atttypmod = -1 THEN t.typtypmod ELSE a.atttypmod END AS typmod,
       CASE WHEN bt.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_enum e
                                             WHERE e.enumtypid = bt.oid ORDER BY e.enumsortorder) END AS enum_values
  FROM pg_attribute a
  JOIN pg_type t ON t.oid = a.atttypid
  JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attrelid, a.attnum`;

const CONSTRAINTS_SQL = `
SELECT con.conrelid::int8::text AS oid, con.conname AS name, con.contype AS type,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, o)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o) AS columns,
       fc.relname AS ref_table,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, o)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o) AS ref_columns,
       con.confdeltype AS on_delete, con.confupdtype AS on_update
  FROM pg_constraint con LEFT JOIN pg_class fc ON fc.oid = con.confrelid
 WHERE con.conrelid = ANY($1::oid[]) AND con.contype IN ('p', 'u', 'f')
 ORDER BY con.conrelid, con.conname`;

// Expression and partial indexes are left out: they cannot be described as a column list.
const INDEXES_SQL = `
SELECT i.indrelid::int8::text AS oid, ic.relname AS name, i.indisunique AS is_unique,
       ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n
              WHERE k.o <= i.indnkeyatts ORDER BY k.o) AS columns
  FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
 WHERE i.indrelid = ANY($1::oid[]) AND NOT i.indisprimary
   AND i.indexprs IS NULL AND i.indpred IS NULL
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
 ORDER BY i.indrelid, ic.relname`;

interface TableRow {
  oid: string;
  name: string;
  est_rows: number;
  est_bytes: number;
}
interface ColumnRow {
  oid: string;
  name: string;
  native: string;
  not_null: boolean;
  identity: string;
  generated: string;
  default_sql: string | null;
  typname: string;
  typtype: string;
  typcategory: string;
  typmod: number;
  enum_values: string[] | null;
}
interface ConstraintRow {
  oid: string;
  name: string;
  type: 'p' | 'u' | 'f';
  columns: string[];
  ref_table: string | null;
  ref_columns: string[];
  on_delete: string;
  on_update: string;
}
interface IndexRow {
  oid: string;
  name: string;
  is_unique: boolean;
  columns: string[];
}

const referentialActions: Record<string, string> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

function toColumn(row: ColumnRow): ColumnSchema {
  const type = logicalTypeOf({
    typname: row.typname,
    typtype: row.typtype,
    typcategory: row.typcategory,
    typmod: row.typmod,
    enumValues: row.enum_values ?? [],
  });
  const column: ColumnSchema = {
    name: row.name,
    nativeType: row.native,
    type,
    nullable: !row.not_null,
    default: null,
    autoIncrement: row.identity === 'a' || row.identity === 'd',
    generated: null,
  };
  if (row.generated === 's' && row.default_sql !== null) {
    column.generated = { expression: row.default_sql, stored: true };
  } else if (row.default_sql !== null && !column.autoIncrement) {
    if (/^nextval\(/i.test(row.default_sql)) {
      column.autoIncrement = true; // serial
    } else {
      const decode = decoderFor(column);
      column.default = classifyDefault(row.default_sql, (text) => {
        if (type.kind === 'unsupported' || type.kind === 'binary') return null;
        try {
          const cell = decode(text);
          return typeof cell === 'string' ? cell : null;
        } catch {
          return null;
        }
      });
    }
  }
  return column;
}

function byOid<T extends { oid: string }>(rows: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const list = map.get(row.oid);
    if (list === undefined) map.set(row.oid, [row]);
    else list.push(row);
  }
  return map;
}

export async function listTables(session: PgSession, role: Role): Promise<TableSchema[]> {
  try {
    const { client } = session;
    const tables = (await client.query<TableRow>(TABLES_SQL, [session.schema])).rows;
    const oids = tables.map((t) => t.oid);
    const columns = byOid((await client.query<ColumnRow>(COLUMNS_SQL, [oids])).rows);
    const constraints = byOid((await client.query<ConstraintRow>(CONSTRAINTS_SQL, [oids])).rows);
    const indexes = byOid((await client.query<IndexRow>(INDEXES_SQL, [oids])).rows);
    return tables.map((t) => {
      const cons = constraints.get(t.oid) ?? [];
      const pk = cons.find((c) => c.type === 'p');
      const uniques: IndexSchema[] = cons
        .filter((c) => c.type === 'u')
        .map((c) => ({ name: c.name, columns: c.columns, unique: true }));
      const fks: ForeignKeySchema[] = cons
        .filter((c) => c.type === 'f')
        .map((c) => ({
          name: c.name,
          columns: c.columns,
          referencedTable: c.ref_table ?? '',
          referencedColumns: c.ref_columns,
          onDelete: referentialActions[c.on_delete] ?? 'NO ACTION',
          onUpdate: referentialActions[c.on_update] ?? 'NO ACTION',
        }));
      return {
        name: t.name,
        columns: (columns.get(t.oid) ?? []).map(toColumn),
        primaryKey: pk === undefined ? null : pk.columns,
        uniqueConstraints: uniques,
        indexes: (indexes.get(t.oid) ?? [])
          .filter((i) => i.columns.length > 0)
          .map((i) => ({ name: i.name, columns: i.columns, unique: i.is_unique })),
        foreignKeys: fks,
        estimatedRows: Math.round(t.est_rows),
        estimatedBytes: Math.round(t.est_bytes),
      };
    });
  } catch (error) {
    throw queryError(error, session, role, `reading the catalog of schema "${session.schema}"`);
  }
}

/** Lowest and highest value of an integer column, as text; null when the table is empty. */
export async function integerKeyBounds(
  session: PgSession,
  role: Role,
  qualifiedTable: string,
  quotedColumn: string,
): Promise<{ min: string; max: string } | null> {
  try {
    const { rows } = await session.client.query<{ min: string | null; max: string | null }>(
      `SELECT min(${quotedColumn})::text AS min, max(${quotedColumn})::text AS max FROM ${qualifiedTable}`,
    );
    const row = rows[0];
    return row === undefined || row.min === null || row.max === null ? null : { min: row.min, max: row.max };
  } catch (error) {
    throw queryError(error, session, role, `reading the key bounds of ${qualifiedTable}`);
  }
}
