// Sanitize on the data path: find text values with invalid characters (profiles/invalid-text.ts
// defines them) in every text column, and fix them on a target with the sanitize rule.
//
// Finding streams each table once through `read()` (bounded batches, any source or target, reads
// only). Fixing walks a target table in key order, one page of `pageRows` rows at a time (keyset:
// the next page starts after the last key seen), and rewrites only the offending cells of the page
// with `updateCells` (bound parameters, keyed by the primary key, one transaction per page and
// column) before reading the next page — so memory holds one page, and reading and writing never
// overlap on the connection. Key columns are counted but never rewritten (that would change a
// row's identity); tables without a primary (or NOT NULL unique) key are counted and reported as
// not fixable.

import type {
  Cell,
  ReadWarnings,
  SourceConnection,
  TableSchema,
  TargetConnection,
} from '../connectors/types.ts';
import { hasInvalidCharacters, sanitizeText } from '../profiles/invalid-text.ts';

/** Text values with invalid characters in one column. */
export interface InvalidTextCount {
  table: string;
  column: string;
  /** Values with at least one invalid character. */
  values: number;
}

/** What fixing did to one column. */
export interface SanitizedColumn {
  table: string;
  column: string;
  /** Values with invalid characters found. */
  found: number;
  /** Values rewritten with the sanitize rule. */
  fixed: number;
  /** Why `found - fixed` values were left as they are (no primary key, part of the key). */
  notFixed?: string;
}

export interface SanitizeOptions {
  /** Rows per read batch (default 2,000). */
  batchRows?: number;
  /** Bytes per read batch at most (default 4 MiB). */
  batchBytes?: number;
  /** Rows per page when fixing: one page is read, then its offending cells updated (default 2,000). */
  pageRows?: number;
  signal?: AbortSignal;
}

const DEFAULT_ROWS = 2_000;
const DEFAULT_BYTES = 4 * 1024 * 1024;

/** The columns sanitize looks at: those holding text (not JSON, enums or binary). */
export function textColumnsOf(table: TableSchema): string[] {
  return table.columns.filter((c) => c.type.kind === 'text' && c.generated === null).map((c) => c.name);
}

const isInvalid = (cell: Cell | undefined): cell is string =>
  typeof cell === 'string' && hasInvalidCharacters(cell);

function readOptions(options: SanitizeOptions, limit?: number) {
  return {
    batchRows: options.batchRows ?? DEFAULT_ROWS,
    batchBytes: options.batchBytes ?? DEFAULT_BYTES,
    ...(limit === undefined ? {} : { limit }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
}

/**
 * The columns that identify a row: the primary key, else a unique key over NOT NULL columns (a
 * SQLite tenant keeps a loaded table's primary key as the unique index `<table>_pkey`, which is
 * preferred). Empty when the table has neither.
 */
export function rowKeyOf(table: TableSchema): string[] {
  if (table.primaryKey !== null && table.primaryKey.length > 0) return table.primaryKey;
  const notNull = (u: { columns: string[] }) =>
    u.columns.length > 0 &&
    u.columns.every((c) => table.columns.some((col) => col.name === c && !col.nullable));
  const candidates = [...table.uniqueConstraints, ...table.indexes.filter((i) => i.unique)].filter(notNull);
  return (candidates.find((u) => u.name === `${table.name}_pkey`) ?? candidates[0])?.columns ?? [];
}

/** Counts per table and column of values with invalid characters; columns without any are left out. */
export async function findInvalidText(
  connection: SourceConnection,
  tables: readonly TableSchema[],
  options: SanitizeOptions = {},
): Promise<InvalidTextCount[]> {
  const out: InvalidTextCount[] = [];
  for (const table of tables) {
    const columns = textColumnsOf(table);
    if (columns.length === 0) continue;
    const counts = new Array<number>(columns.length).fill(0);
    const warnings: ReadWarnings = { invalidUtf8: 0, zeroDates: 0 };
    // Unordered whole-table read: the cheapest scan every connector offers.
    const range = { key: [], lower: null, upper: null };
    for await (const batch of connection.read(table, columns, range, readOptions(options), warnings)) {
      for (const row of batch.rows) {
        for (let i = 0; i < columns.length; i++) if (isInvalid(row[i])) counts[i]!++;
      }
    }
    columns.forEach((column, i) => {
      if (counts[i]! > 0) out.push({ table: table.name, column, values: counts[i]! });
    });
  }
  return out;
}

/**
 * Rewrites every value with invalid characters in `tables` of `target` with `sanitizeText`;
 * nothing else changes. Returns, per column where something was found, what was found and fixed.
 */
export async function fixInvalidText(
  target: TargetConnection,
  tables: readonly TableSchema[],
  options: SanitizeOptions = {},
): Promise<SanitizedColumn[]> {
  const out: SanitizedColumn[] = [];
  for (const table of tables) {
    const columns = textColumnsOf(table);
    if (columns.length === 0) continue;
    const key = rowKeyOf(table);
    if (key.length === 0) {
      for (const found of await findInvalidText(target, [table], options))
        out.push({
          ...columnResult(found.table, found.column, found.values, 0),
          notFixed: 'the table has no primary or unique key',
        });
      continue;
    }
    out.push(...(await fixTable(target, table, key, columns, options)));
  }
  return out;
}

function columnResult(table: string, column: string, found: number, fixed: number): SanitizedColumn {
  return { table, column, found, fixed };
}

async function fixTable(
  target: TargetConnection,
  table: TableSchema,
  key: string[],
  columns: string[],
  options: SanitizeOptions,
): Promise<SanitizedColumn[]> {
  const pageRows = options.pageRows ?? DEFAULT_ROWS;
  const read = [...key, ...columns.filter((c) => !key.includes(c))];
  const at = new Map(read.map((c, i) => [c, i]));
  const found = new Map<string, number>(columns.map((c) => [c, 0]));
  const fixed = new Map<string, number>(columns.map((c) => [c, 0]));
  const warnings: ReadWarnings = { invalidUtf8: 0, zeroDates: 0 };
  let lower: Cell[] | null = null;
  for (;;) {
    options.signal?.throwIfAborted();
    const page: Cell[][] = [];
    const range = { key, lower, upper: null };
    // Drained completely before any update: the read is finished when the page is.
    for await (const batch of target.read(table, read, range, readOptions(options, pageRows), warnings))
      page.push(...batch.rows);
    for (const column of columns) {
      const index = at.get(column)!;
      const updates: Cell[][] = [];
      for (const row of page) {
        const value = row[index];
        if (!isInvalid(value)) continue;
        found.set(column, found.get(column)! + 1);
        if (!key.includes(column)) updates.push([...row.slice(0, key.length), sanitizeText(value)]);
      }
      if (updates.length > 0)
        fixed.set(column, fixed.get(column)! + (await target.updateCells(table, key, [column], updates)));
    }
    if (page.length < pageRows) break;
    lower = page[page.length - 1]!.slice(0, key.length);
  }
  return columns
    .filter((c) => found.get(c)! > 0)
    .map((c) => ({
      ...columnResult(table.name, c, found.get(c)!, fixed.get(c)!),
      ...(key.includes(c) ? { notFixed: 'the column is part of the primary key' } : {}),
    }));
}
