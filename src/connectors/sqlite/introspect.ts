// Reading a SQLite file's tables from its PRAGMAs.
//
// - Tables: `pragma_table_list` (type 'table' only: views, virtual tables and their shadow tables
//   and `sqlite_*` internal tables are skipped).
// - Columns: `PRAGMA table_xinfo` (hidden 2 = virtual generated, 3 = stored generated); the
//   generation expression and AUTOINCREMENT come from the CREATE TABLE text (create-table-sql.ts).
//   An INTEGER PRIMARY KEY of a rowid table (an alias of the rowid) is auto-assigned: autoIncrement.
// - Primary key: the `pk` order of table_xinfo. Unique constraints: `PRAGMA index_list` origin
//   'u'; CREATE [UNIQUE] INDEX (origin 'c') are indexes; origin 'pk' is the primary key's own index.
//   Partial unique indexes and expression indexes are skipped (they cannot be described by
//   IndexSchema); a partial plain index is kept as a full index.
// - Foreign keys: `PRAGMA foreign_key_list`; a reference without columns means the parent's key.
// - Estimates (never COUNT(*) of a large table): rows from sqlite_stat1 when ANALYZE ran, else
//   max(rowid) of a rowid table (exact when no row was deleted, an upper bound otherwise), else
//   COUNT(*) when the whole file is at most SMALL_FILE_BYTES, else the table's equal share of the
//   file divided by the sampled row size. Bytes: rows × the average row size of the first
//   SAMPLE_ROWS rows.

import type {
  ColumnDefault,
  ColumnSchema,
  ForeignKeySchema,
  IndexSchema,
  LogicalType,
  TableSchema,
} from '../types.ts';
import type { SqliteDatabase } from './connection.ts';
import { columnExtras } from './create-table-sql.ts';
import { NO_DECLARED_TYPE, logicalTypeOf, quoteIdentifier } from './dialect.ts';

export const SMALL_FILE_BYTES = 256 * 1024 * 1024;
export const SAMPLE_ROWS = 100;

interface TableListRow {
  name: string;
  wr: number;
  sql: string | null;
}
interface XInfoRow {
  cid: number;
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
  hidden: number;
}
interface IndexListRow {
  name: string;
  unique: number;
  origin: 'c' | 'u' | 'pk';
  partial: number;
}
interface IndexInfoRow {
  seqno: number;
  cid: number;
  name: string | null;
}
interface ForeignKeyRow {
  id: number;
  seq: number;
  table: string;
  from: string;
  to: string | null;
  on_update: string;
  on_delete: string;
}

const NUMBER_LITERAL = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** PRAGMA table_info's `dflt_value` (the default as written) → ColumnDefault. */
export function parseDefault(text: string | null, type: LogicalType): ColumnDefault | null {
  if (text === null) return null;
  const t = text.trim();
  if (/^null$/i.test(t)) return null;
  const quoted = /^'((?:[^']|'')*)'$/s.exec(t);
  if (quoted !== null) return { kind: 'literal', value: (quoted[1] ?? '').replaceAll("''", "'") };
  if (NUMBER_LITERAL.test(t)) return { kind: 'literal', value: t.replace(/^\+/, '') };
  if (/^current_timestamp$/i.test(t)) return { kind: 'current-timestamp' };
  if (/^true$/i.test(t)) return { kind: 'literal', value: '1' };
  if (/^false$/i.test(t)) return { kind: 'literal', value: '0' };
  const blob = /^x'([0-9a-f]*)'$/i.exec(t);
  if (blob !== null && type.kind === 'binary')
    return { kind: 'literal', value: `\\x${(blob[1] ?? '').toLowerCase()}` };
  return { kind: 'expression', sql: t };
}

export function listTables(db: SqliteDatabase): TableSchema[] {
  const tables = db
    .prepare(
      `SELECT l.name AS name, l.wr AS wr, s.sql AS sql
         FROM pragma_table_list AS l JOIN sqlite_schema AS s ON s.name = l.name AND s.type = 'table'
        WHERE l.schema = 'main' AND l.type = 'table' AND l.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
        ORDER BY l.name`,
    )
    .all() as TableListRow[];
  const pageCount = Number(db.pragma('page_count', { simple: true }));
  const pageSize = Number(db.pragma('page_size', { simple: true }));
  const fileBytes = pageCount * pageSize;
  const hasStat1 = db.prepare(`SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'`).get() !== undefined;
  return tables.map((t) => describeTable(db, t, { fileBytes, tableCount: tables.length, hasStat1 }));
}

function describeTable(
  db: SqliteDatabase,
  table: TableListRow,
  file: { fileBytes: number; tableCount: number; hasStat1: boolean },
): TableSchema {
  const q = quoteIdentifier(table.name);
  const xinfo = db.prepare(`SELECT * FROM pragma_table_xinfo(?)`).all(table.name) as XInfoRow[];
  const extras = columnExtras(table.sql ?? '');
  const pkColumns = xinfo.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  const rowidAlias =
    table.wr === 0 && pkColumns.length === 1 && pkColumns[0]!.type.toUpperCase() === 'INTEGER'
      ? pkColumns[0]!.name
      : null;

  const columns: ColumnSchema[] = xinfo
    .filter((c) => c.hidden === 0 || c.hidden === 2 || c.hidden === 3)
    .map((c) => {
      const nativeType = c.type.trim() === '' ? NO_DECLARED_TYPE : c.type;
      const type = logicalTypeOf(nativeType);
      const extra = extras.get(c.name.toLowerCase());
      const generated =
        c.hidden === 2 || c.hidden === 3
          ? { expression: extra?.generatedExpression ?? 'NULL', stored: c.hidden === 3 }
          : null;
      return {
        name: c.name,
        nativeType,
        type,
        // A rowid alias can never hold NULL (inserting NULL assigns the next rowid).
        nullable: c.notnull === 0 && c.name !== rowidAlias && !(table.wr === 1 && c.pk > 0),
        default: generated === null ? parseDefault(c.dflt_value, type) : null,
        autoIncrement: c.name === rowidAlias || (extra?.autoIncrement ?? false),
        generated,
      };
    });

  const uniqueConstraints: IndexSchema[] = [];
  const indexes: IndexSchema[] = [];
  const indexList = db.prepare(`SELECT * FROM pragma_index_list(?)`).all(table.name) as IndexListRow[];
  for (const index of indexList) {
    if (index.origin === 'pk') continue;
    const info = db
      .prepare(`SELECT * FROM pragma_index_info(?) ORDER BY seqno`)
      .all(index.name) as IndexInfoRow[];
    if (info.some((i) => i.name === null)) continue; // an expression index
    const cols = info.map((i) => i.name as string);
    if (index.partial === 1 && index.unique === 1) continue;
    if (index.origin === 'u') {
      const name = index.name.startsWith('sqlite_autoindex_')
        ? `${table.name}_${cols.join('_')}_key`
        : index.name;
      uniqueConstraints.push({ name, columns: cols, unique: true });
    } else {
      indexes.push({ name: index.name, columns: cols, unique: index.unique === 1 });
    }
  }

  const fkRows = db
    .prepare(`SELECT * FROM pragma_foreign_key_list(?) ORDER BY id, seq`)
    .all(table.name) as ForeignKeyRow[];
  const foreignKeys: ForeignKeySchema[] = [];
  for (const row of fkRows) {
    let fk = foreignKeys.find((f) => f.name === `#${row.id}`);
    if (fk === undefined) {
      fk = {
        name: `#${row.id}`,
        columns: [],
        referencedTable: row.table,
        referencedColumns: [],
        onDelete: row.on_delete,
        onUpdate: row.on_update,
      };
      foreignKeys.push(fk);
    }
    fk.columns.push(row.from);
    if (row.to !== null) fk.referencedColumns.push(row.to);
  }
  for (const fk of foreignKeys) {
    if (fk.referencedColumns.length === 0) fk.referencedColumns = parentKey(db, fk.referencedTable);
    fk.name = `${table.name}_${fk.columns.join('_')}_fkey`;
  }

  const { rows, bytes } = estimate(db, q, table, columns, file);
  return {
    name: table.name,
    columns,
    primaryKey: pkColumns.length === 0 ? null : pkColumns.map((c) => c.name),
    uniqueConstraints,
    indexes,
    foreignKeys,
    estimatedRows: rows,
    estimatedBytes: bytes,
  };
}

function parentKey(db: SqliteDatabase, table: string): string[] {
  const rows = db
    .prepare(`SELECT name, pk FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`)
    .all(table) as { name: string }[];
  return rows.map((r) => r.name);
}

function estimate(
  db: SqliteDatabase,
  q: string,
  table: TableListRow,
  columns: ColumnSchema[],
  file: { fileBytes: number; tableCount: number; hasStat1: boolean },
): { rows: number; bytes: number } {
  const sizes = columns
    .map((c) => `coalesce(length(CAST(${quoteIdentifier(c.name)} AS BLOB)), 1)`)
    .join(' + ');
  const sample = db
    .prepare(
      `SELECT count(*) AS n, coalesce(sum(${sizes || '0'}), 0) AS bytes FROM (SELECT * FROM ${q} LIMIT ${SAMPLE_ROWS})`,
    )
    .get() as { n: number; bytes: number };
  if (sample.n === 0) return { rows: 0, bytes: 0 };
  const avgRowBytes = Math.max(1, sample.bytes / sample.n);

  let rows: number | null = null;
  if (file.hasStat1) {
    const stat = db.prepare(`SELECT stat FROM sqlite_stat1 WHERE tbl = ? LIMIT 1`).pluck().get(table.name) as
      string | undefined;
    const n = stat === undefined ? NaN : Number(stat.split(' ')[0]);
    if (Number.isFinite(n)) rows = n;
  }
  if (rows === null && table.wr === 0) {
    const max = db.prepare(`SELECT max(rowid) FROM ${q}`).pluck().safeIntegers(true).get() as bigint | null;
    if (max !== null && max > 0n) rows = Number(max);
  }
  if (rows === null && file.fileBytes <= SMALL_FILE_BYTES) {
    rows = Number(db.prepare(`SELECT count(*) FROM ${q}`).pluck().get());
  }
  rows ??= Math.round(file.fileBytes / Math.max(1, file.tableCount) / avgRowBytes);
  rows = Math.max(rows, sample.n);
  return { rows, bytes: Math.round(rows * avgRowBytes) };
}
