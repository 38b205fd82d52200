// Key-set reads: the rows whose key equals one of a list of keys (an incremental run reads the rows
// the change log names). Keys travel as bound parameters, 500 per statement, each bound in its key
// column's own type (range-sql.ts `keyPart`); a slice's rows are decoded like read()'s.

import { FerryError } from '../../domain/errors.ts';
import type { Cell, ReadOptions, ReadWarnings, Row, RowBatch, TableSchema } from '../types.ts';
import type { DriverCell } from './cell-decoders.ts';
import { decodeRow, planBitLengths, planDecoders, selectExpression } from './cell-decoders.ts';
import type { MysqlSession } from './connection.ts';
import { translateQueryError } from './connection.ts';
import { quoteIdentifier } from './dialect.ts';
import { keyPart } from './range-sql.ts';
import { resolveColumns } from './read.ts';

/** Keys bound per statement. */
export const KEYS_PER_STATEMENT = 500;

/** ` WHERE k IN (?, …)` or ` WHERE (k1 = ? AND k2 = ?) OR …` for `keys`, with its values. */
export function keySetWhere(
  table: TableSchema,
  key: string[],
  keys: Cell[][],
): { where: string; values: unknown[] } {
  if (key.length === 0)
    throw new FerryError('FERRY_INTERNAL', `a key-set read of "${table.name}" needs a key`);
  const parts = key.map((name) => keyPart(table, name));
  const values: unknown[] = [];
  if (parts.length === 1) {
    const p = parts[0]!;
    for (const k of keys) values.push(p.bind(k[0] ?? null));
    return { where: ` WHERE ${p.quoted} IN (${keys.map(() => p.placeholder).join(', ')})`, values };
  }
  const one = `(${parts.map((p) => `${p.quoted} = ${p.placeholder}`).join(' AND ')})`;
  for (const k of keys) parts.forEach((p, i) => values.push(p.bind(k[i] ?? null)));
  return { where: ` WHERE ${keys.map(() => one).join(' OR ')}`, values };
}

function queryRows(
  session: MysqlSession,
  sql: string,
  values: unknown[],
  table: string,
): Promise<DriverCell[][]> {
  return new Promise((resolve, reject) => {
    session.conn.query({ sql, values, rowsAsArray: true }, (error, rows) => {
      if (error) return reject(translateQueryError(error, session.url, table));
      resolve(Array.isArray(rows) ? (rows as unknown as DriverCell[][]) : []);
    });
  });
}

export async function* readKeys(
  session: MysqlSession,
  table: TableSchema,
  columnNames: string[],
  key: string[],
  keys: Cell[][],
  options: ReadOptions,
  warnings: ReadWarnings,
): AsyncGenerator<RowBatch> {
  const columns = resolveColumns(table, columnNames);
  const codes = planDecoders(columns);
  const bitLengths = planBitLengths(columns);
  const list = columns.map((c) => selectExpression(c, quoteIdentifier(c.name))).join(', ');
  let rows: Row[] = [];
  let bytes = 0;
  for (let i = 0; i < keys.length; i += KEYS_PER_STATEMENT) {
    options.signal?.throwIfAborted();
    const { where, values } = keySetWhere(table, key, keys.slice(i, i + KEYS_PER_STATEMENT));
    const raw = await queryRows(
      session,
      `SELECT ${list} FROM ${quoteIdentifier(table.name)}${where}`,
      values,
      table.name,
    );
    for (const row of raw) {
      bytes += decodeRow(row, codes, bitLengths, warnings);
      rows.push(row as Row);
      if (rows.length >= options.batchRows || bytes >= options.batchBytes) {
        yield { rows, bytes };
        rows = [];
        bytes = 0;
      }
    }
  }
  if (rows.length > 0) yield { rows, bytes };
}

export async function countRows(session: MysqlSession, table: string): Promise<number> {
  const rows = await session.queryText(`SELECT COUNT(*) FROM ${quoteIdentifier(table)}`, [], table);
  return Number(rows[0]?.[0] ?? 0);
}
