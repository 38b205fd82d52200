// Shared, pure parts of change tracking (each dialect's `<dialect>/change-tracking.ts` holds the
// triggers): which columns identify a changed row, the names of Ferry's objects in a source, and
// turning the key text a trigger logged back into canonical cells.
//
// Triggers log each key value as text in a JSON array of strings. The text is canonical for every
// key kind a dialect supports (see its `keyText`), except two spellings fixed here: binary keys
// are logged as lowercase hex (JSON cannot hold bytes) and timestamps with six fraction digits
// (trimmed here as canonical.ts wants). A table whose key has another kind (float, time, json…)
// or that has no usable key logs `[]`: "something in this table changed", and the incremental
// run copies that table again as a whole.

import { createHash } from 'node:crypto';
import { trimFraction } from './canonical.ts';
import type { Cell, LogicalKind, TableSchema } from './types.ts';

/** The log table: one row per changed row, in commit-independent `seq` order. */
export const CHANGE_LOG_TABLE = 'ferry_change_log';
/** Which tables are tracked and the kinds of their key columns (to decode logged keys). */
export const CHANGE_TABLES_TABLE = 'ferry_change_tables';

/** Ferry's own bookkeeping tables in a source: never listed, planned or copied. */
export function isChangeTrackingTable(name: string): boolean {
  return name === CHANGE_LOG_TABLE || name === CHANGE_TABLES_TABLE;
}

/** What the registry row of a tracked table holds (JSON in `ferry_change_tables.key_json`). */
export interface TrackedKeyColumn {
  name: string;
  kind: LogicalKind;
}

/**
 * The columns that identify a row for change tracking: the primary key, else a unique constraint
 * over NOT NULL columns (the planner's keyset rule); [] when there is none or when `supported`
 * refuses one of the key columns' kinds.
 */
export function trackingKey(
  table: TableSchema,
  supported: (kind: LogicalKind) => boolean,
): TrackedKeyColumn[] {
  const column = (name: string) => table.columns.find((c) => c.name === name);
  let key: string[] | null =
    table.primaryKey !== null && table.primaryKey.length > 0 ? table.primaryKey : null;
  key ??=
    table.uniqueConstraints.find((u) => u.columns.every((c) => column(c)?.nullable === false))?.columns ??
    null;
  if (key === null) return [];
  const columns = key.map((name) => column(name));
  if (columns.some((c) => c === undefined || c.generated !== null || !supported(c.type.kind))) return [];
  return columns.map((c) => ({ name: c!.name, kind: c!.type.kind }));
}

/** A short, stable, identifier-safe tag of a table name (trigger names have length limits). */
export function tableTag(table: string): string {
  return createHash('md5').update(table, 'utf8').digest('hex').slice(0, 16);
}

/** Logged key text → canonical cells, by the key columns' kinds. */
export function decodeLoggedKey(json: string, columns: readonly TrackedKeyColumn[]): Cell[] {
  const parsed = JSON.parse(json) as unknown;
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length !== columns.length) return [];
  return parsed.map((value: unknown, i) => {
    if (value === null || value === undefined) return null;
    const text = String(value);
    switch (columns[i]!.kind) {
      case 'binary':
        return Buffer.from(text, 'hex');
      case 'integer':
      case 'year':
        return BigInt(text).toString();
      case 'timestamp':
        return text.endsWith('Z') ? trimFraction(text.slice(0, -1)) + 'Z' : trimFraction(text);
      case 'uuid':
        return text.toLowerCase();
      default:
        return text;
    }
  });
}

/** A stable text form of key cells, for coalescing duplicate keys. */
export function keyIdentity(key: readonly Cell[]): string {
  return JSON.stringify(key.map((c) => (Buffer.isBuffer(c) ? { x: c.toString('hex') } : c)));
}
