// Streaming rows of a key range as canonical cells.
//
// better-sqlite3 is synchronous: `iterate()` steps the SQLite cursor one row at a time, and this
// async generator builds one batch and then pauses at `yield` until the consumer asks for the
// next one. That pause IS the backpressure: at most one batch is ever held ahead of the consumer.
// The cursor is released in `finally` (iterator.return()), also when the consumer breaks early or
// the signal aborts, so the connection is free for the next statement.

import { rowBytes } from '../canonical.ts';
import { FerryError } from '../../domain/errors.ts';
import type { Cell, KeyRange, ReadOptions, ReadWarnings, Row, RowBatch, TableSchema } from '../types.ts';
import { decoderFor, selectExpression } from './cells.ts';
import type { SqliteValue } from './cells.ts';
import type { SqliteDatabase } from './connection.ts';
import { sqliteCode } from './connection.ts';
import { quoteIdentifier } from './dialect.ts';
import { columnsByName, rangeSql } from './range-sql.ts';

/** The statement text, parameters and decoders of a read of `columns` over `range`. */
export function selectForRange(table: TableSchema, columns: string[], range: KeyRange, limit?: number) {
  const cols = columnsByName(table.name, table.columns, columns);
  const { where, orderBy, params } = rangeSql(table.name, table.columns, range);
  const list = cols.length === 0 ? 'NULL' : cols.map((c) => selectExpression(c.name, c.type)).join(', ');
  let sql = `SELECT ${list} FROM ${quoteIdentifier(table.name)}${where}${orderBy}`;
  const allParams: (Cell | number)[] = [...params];
  if (limit !== undefined) {
    sql += ' LIMIT ?';
    allParams.push(limit);
  }
  return { sql, params: allParams, decoders: cols.map((c) => decoderFor(c.type)) };
}

/** Prepare, translating a missing table into FERRY_SOURCE_TABLE_DROPPED. */
export function prepareOnTable(db: SqliteDatabase, tableName: string, sql: string) {
  try {
    return db.prepare(sql);
  } catch (cause) {
    const exists =
      db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?`).get(tableName) !==
      undefined;
    if (!exists) {
      throw new FerryError(
        'FERRY_SOURCE_TABLE_DROPPED',
        `table ${tableName} no longer exists in the SQLite file`,
        {
          cause,
          details: { table: tableName, code: sqliteCode(cause) },
        },
      );
    }
    throw new FerryError(
      'FERRY_SOURCE_ERROR',
      `reading table ${tableName} failed: ${(cause as Error).message}`,
      {
        cause,
        details: { table: tableName, code: sqliteCode(cause) },
      },
    );
  }
}

export async function* readRange(
  db: SqliteDatabase,
  table: TableSchema,
  columns: string[],
  range: KeyRange,
  options: ReadOptions,
  warnings: ReadWarnings,
): AsyncGenerator<RowBatch> {
  const { sql, params, decoders } = selectForRange(table, columns, range, options.limit);
  const statement = prepareOnTable(db, table.name, sql).raw(true).safeIntegers(true);
  options.signal?.throwIfAborted();
  const iterator = statement.iterate(...params) as IterableIterator<SqliteValue[]>;
  const width = decoders.length;
  try {
    let rows: Row[] = [];
    let bytes = 0;
    for (;;) {
      const next = iterator.next();
      if (next.done === true) break;
      const raw = next.value;
      const row: Row = new Array(width);
      for (let i = 0; i < width; i++) row[i] = decoders[i]!(raw[i] ?? null, warnings);
      rows.push(row);
      bytes += rowBytes(row);
      if (rows.length >= options.batchRows || bytes >= options.batchBytes) {
        options.signal?.throwIfAborted();
        yield { rows, bytes };
        rows = [];
        bytes = 0;
      }
    }
    options.signal?.throwIfAborted();
    if (rows.length > 0) yield { rows, bytes };
  } finally {
    iterator.return?.();
  }
}
