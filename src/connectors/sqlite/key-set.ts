// Key-set reads and deletes: the rows whose key equals one of a list of keys (an incremental run
// reads the rows the change log names on the source and replaces them on the target). Keys are
// bound parameters, 500 per statement; the key column's affinity converts canonical text ('42')
// to the stored class, as in range-sql.ts.

import { rowBytes } from '../canonical.ts';
import { FerryError } from '../../domain/errors.ts';
import type {
  Cell,
  ReadOptions,
  ReadWarnings,
  Row,
  RowBatch,
  TableSchema,
  TargetTableDef,
} from '../types.ts';
import { decoderFor, selectExpression, type SqliteValue } from './cells.ts';
import { sqliteCode, type SqliteDatabase } from './connection.ts';
import { quoteIdentifier } from './dialect.ts';
import { columnsByName } from './range-sql.ts';
import { prepareOnTable } from './read.ts';

/** Keys bound per statement. */
export const KEYS_PER_STATEMENT = 500;

/** ` WHERE k IN (?, …)` or ` WHERE (k1 = ? AND k2 = ?) OR …`, with the parameters. */
export function keySetWhere(
  tableName: string,
  key: string[],
  keys: Cell[][],
): { where: string; params: Cell[] } {
  if (key.length === 0)
    throw new FerryError('FERRY_INTERNAL', `a key-set statement on ${tableName} needs a key`);
  const quoted = key.map(quoteIdentifier);
  if (quoted.length === 1) {
    return {
      where: ` WHERE ${quoted[0]} IN (${keys.map(() => '?').join(', ')})`,
      params: keys.map((k) => k[0] ?? null),
    };
  }
  const one = `(${quoted.map((q) => `${q} = ?`).join(' AND ')})`;
  return {
    where: ` WHERE ${keys.map(() => one).join(' OR ')}`,
    params: keys.flatMap((k) => quoted.map((_, i) => k[i] ?? null)),
  };
}

export async function* readKeys(
  db: SqliteDatabase,
  table: TableSchema,
  columns: string[],
  key: string[],
  keys: Cell[][],
  options: ReadOptions,
  warnings: ReadWarnings,
): AsyncGenerator<RowBatch> {
  const cols = columnsByName(table.name, table.columns, columns);
  const decoders = cols.map((c) => decoderFor(c.type));
  const list = cols.length === 0 ? 'NULL' : cols.map((c) => selectExpression(c.name, c.type)).join(', ');
  let rows: Row[] = [];
  let bytes = 0;
  for (let i = 0; i < keys.length; i += KEYS_PER_STATEMENT) {
    options.signal?.throwIfAborted();
    const { where, params } = keySetWhere(table.name, key, keys.slice(i, i + KEYS_PER_STATEMENT));
    const statement = prepareOnTable(
      db,
      table.name,
      `SELECT ${list} FROM ${quoteIdentifier(table.name)}${where}`,
    )
      .raw(true)
      .safeIntegers(true);
    const raw = statement.all(...params) as SqliteValue[][];
    for (const values of raw) {
      const row: Row = new Array<Cell>(decoders.length);
      for (let c = 0; c < decoders.length; c++) row[c] = decoders[c]!(values[c] ?? null, warnings);
      rows.push(row);
      bytes += rowBytes(row);
      if (rows.length >= options.batchRows || bytes >= options.batchBytes) {
        yield { rows, bytes };
        rows = [];
        bytes = 0;
      }
    }
  }
  if (rows.length > 0) yield { rows, bytes };
}

export function deleteKeys(db: SqliteDatabase, table: TargetTableDef, key: string[], keys: Cell[][]): number {
  let deleted = 0;
  try {
    db.transaction(() => {
      for (let i = 0; i < keys.length; i += KEYS_PER_STATEMENT) {
        const { where, params } = keySetWhere(table.name, key, keys.slice(i, i + KEYS_PER_STATEMENT));
        deleted += db.prepare(`DELETE FROM ${quoteIdentifier(table.name)}${where}`).run(...params).changes;
      }
    })();
  } catch (cause) {
    if (cause instanceof FerryError) throw cause;
    throw new FerryError(
      sqliteCode(cause) === 'SQLITE_FULL' ? 'FERRY_DISK_FULL' : 'FERRY_TARGET_ERROR',
      `deleting keys of table ${table.name} failed: ${(cause as Error).message}`,
      { cause, details: { table: table.name, code: sqliteCode(cause) } },
    );
  }
  return deleted;
}

export function countRows(db: SqliteDatabase, table: string): number {
  return Number(
    prepareOnTable(db, table, `SELECT count(*) FROM ${quoteIdentifier(table)}`)
      .pluck()
      .get(),
  );
}
