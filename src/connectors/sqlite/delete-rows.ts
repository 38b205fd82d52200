// Deleting source rows by key on an operator's explicit request (a check's fix), the one write
// Ferry makes to a source. The file is opened read-write without switching its journal mode, and
// every key is deleted in one transaction.

import Database from 'better-sqlite3';
import { FerryError } from '../../domain/errors.ts';
import type { ConnectionUrl } from '../types.ts';
import { BUSY_TIMEOUT_MS, sqliteCode } from './connection.ts';
import { quoteIdentifier } from './dialect.ts';

export async function deleteSourceRows(
  url: ConnectionUrl,
  table: string,
  keyColumn: string,
  keys: string[],
): Promise<number> {
  if (url.path === null) throw new FerryError('FERRY_URL_INVALID', `${url.redacted} names no SQLite file`);
  let db: Database.Database;
  try {
    db = new Database(url.path, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  } catch (cause) {
    throw new FerryError('FERRY_DATABASE_NOT_FOUND', `${url.redacted}: cannot open the SQLite file`, {
      cause,
      details: { code: sqliteCode(cause) },
    });
  }
  try {
    const statement = db.prepare(
      `DELETE FROM ${quoteIdentifier(table)} WHERE ${quoteIdentifier(keyColumn)} = ?`,
    );
    return db.transaction(() => keys.reduce((sum, key) => sum + statement.run(key).changes, 0))();
  } catch (cause) {
    throw new FerryError(
      'FERRY_SOURCE_ERROR',
      `deleting rows of ${table} failed on ${url.redacted}: ${(cause as Error).message}`,
      { cause, details: { table, code: sqliteCode(cause) } },
    );
  } finally {
    db.close();
  }
}
