// read(): stream a key range as canonical RowBatches with backpressure.
//
// One text-protocol query per call. mysql2 parses each row; a per-column code plan turns its cells
// into canonical cells (cell-decoders.ts). Backpressure: once one full batch waits for the
// consumer, the connection's socket is paused (mysql2 `pause()` stops reading and parking packets),
// so at most one batch plus the one being filled is held; TCP flow control then stalls the server.
// When the consumer stops early or the signal aborts, the running statement is stopped with
// `KILL QUERY` from a short side session and the rest of the result is discarded, so the session is
// usable again when the generator's `finally` has run.

import mysql from 'mysql2';
import type { Query } from 'mysql2';
import { FerryError } from '../../domain/errors.ts';
import type { ColumnSchema, ReadOptions, ReadWarnings, Row, RowBatch, TableSchema } from '../types.ts';
import type { DriverCell } from './cell-decoders.ts';
import { decodeRow, planBitLengths, planDecoders, selectExpression } from './cell-decoders.ts';
import type { MysqlSession } from './connection.ts';
import { translateQueryError } from './connection.ts';
import { quoteIdentifier } from './dialect.ts';
import { rangeSql } from './range-sql.ts';
import type { KeyRange } from '../types.ts';

/** The columns of `table` named by `columns`, in that order; every one must be readable. */
export function resolveColumns(table: TableSchema, columns: string[]): ColumnSchema[] {
  return columns.map((name) => {
    const column = table.columns.find((c) => c.name === name);
    if (column === undefined) {
      throw new FerryError('FERRY_INTERNAL', `column "${name}" is not a column of table "${table.name}"`, {
        details: { table: table.name, column: name },
      });
    }
    if (column.type.kind === 'unsupported' || column.type.kind === 'interval') {
      const reason = column.type.kind === 'unsupported' ? column.type.reason : 'interval is not a MySQL type';
      throw new FerryError(
        'FERRY_COLUMN_UNSUPPORTED',
        `column "${name}" of table "${table.name}": ${reason}`,
        {
          details: { table: table.name, column: name, nativeType: column.nativeType },
        },
      );
    }
    return column;
  });
}

export function selectSql(table: TableSchema, columns: ColumnSchema[], range: KeyRange, limit?: number) {
  const { where, orderBy, values } = rangeSql(table, range);
  const list = columns.map((c) => selectExpression(c, quoteIdentifier(c.name))).join(', ');
  let sql = `SELECT ${list} FROM ${quoteIdentifier(table.name)}${where}${orderBy}`;
  if (limit !== undefined) {
    sql += ' LIMIT ?';
    values.push(limit);
  }
  return { sql, values };
}

export async function* readRange(
  session: MysqlSession,
  table: TableSchema,
  columnNames: string[],
  range: KeyRange,
  options: ReadOptions,
  warnings: ReadWarnings,
): AsyncGenerator<RowBatch> {
  const columns = resolveColumns(table, columnNames);
  const { sql, values } = selectSql(table, columns, range, options.limit);
  const codes = planDecoders(columns);
  const bitLengths = planBitLengths(columns);
  const batchRows = Math.max(1, options.batchRows);
  const batchBytes = Math.max(1, options.batchBytes);
  const signal = options.signal;
  signal?.throwIfAborted();

  const conn = session.conn;
  const ready: RowBatch[] = [];
  let rows: Row[] = [];
  let bytes = 0;
  let finished = false;
  let discard = false;
  let paused = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };

  const query: Query = conn.query({ sql, values, rowsAsArray: true });
  query.on('result', (raw: unknown) => {
    if (discard) return;
    const row = raw as DriverCell[];
    bytes += decodeRow(row, codes, bitLengths, warnings);
    rows.push(row as Row);
    if (rows.length >= batchRows || bytes >= batchBytes) {
      ready.push({ rows, bytes });
      rows = [];
      bytes = 0;
      if (!paused) {
        paused = true;
        conn.pause();
      }
      notify();
    }
  });
  query.on('error', (error: unknown) => {
    failure = error;
    finished = true;
    notify();
  });
  query.on('end', () => {
    if (!discard && rows.length > 0) ready.push({ rows, bytes });
    rows = [];
    finished = true;
    notify();
  });
  const onAbort = (): void => notify();
  signal?.addEventListener('abort', onAbort);

  try {
    for (;;) {
      signal?.throwIfAborted();
      const batch = ready.shift();
      if (batch !== undefined) {
        if (paused && ready.length === 0) {
          paused = false;
          conn.resume();
        }
        yield batch;
        continue;
      }
      if (failure !== null) throw translateQueryError(failure, session.url, table.name);
      if (finished) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!finished) {
      discard = true;
      ready.length = 0;
      rows = [];
      await stopQuery(session, () => finished);
    }
    if (paused) {
      paused = false;
      conn.resume();
    }
    while (!finished) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  }
}

/**
 * Stop the session's running statement: `KILL QUERY` on a side session (the statement then ends
 * with ER_QUERY_INTERRUPTED, which the discarding reader ignores). If the side session cannot be
 * opened, the caller simply drains the rest of the result.
 */
async function stopQuery(session: MysqlSession, isFinished: () => boolean): Promise<void> {
  const threadId = session.conn.threadId;
  if (isFinished() || threadId === null) return;
  const side = mysql.createConnection({ ...session.options, database: undefined });
  side.on('error', () => {});
  try {
    await new Promise<void>((resolve) => {
      side.query({ sql: 'KILL QUERY ?', values: [threadId] }, () => resolve());
    });
  } finally {
    side.destroy();
  }
}
