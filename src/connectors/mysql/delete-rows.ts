// Deleting source rows by key on an operator's explicit request (a check's fix), the one write
// Ferry makes to a source: one transaction, keys bound as parameters in slices.

import type { ResultSetHeader } from 'mysql2';
import type { ConnectionUrl } from '../types.ts';
import { openSession, translateQueryError } from './connection.ts';
import type { MysqlSession } from './connection.ts';
import { quoteIdentifier } from './dialect.ts';

const KEYS_PER_STATEMENT = 500;

function execute(session: MysqlSession, sql: string, values: unknown[], table: string): Promise<number> {
  return new Promise((resolve, reject) => {
    session.conn.query({ sql, values }, (error, result) => {
      if (error) return reject(translateQueryError(error, session.url, table));
      resolve((result as ResultSetHeader).affectedRows ?? 0);
    });
  });
}

export async function deleteSourceRows(
  url: ConnectionUrl,
  table: string,
  keyColumn: string,
  keys: string[],
): Promise<number> {
  const session = await openSession(url);
  try {
    await execute(session, 'START TRANSACTION', [], table);
    let deleted = 0;
    try {
      for (let i = 0; i < keys.length; i += KEYS_PER_STATEMENT) {
        const slice = keys.slice(i, i + KEYS_PER_STATEMENT);
        deleted += await execute(
          session,
          `DELETE FROM ${quoteIdentifier(table)} WHERE ${quoteIdentifier(keyColumn)} IN (${slice.map(() => '?').join(', ')})`,
          slice,
          table,
        );
      }
      await execute(session, 'COMMIT', [], table);
    } catch (error) {
      await execute(session, 'ROLLBACK', [], table).catch(() => undefined);
      throw error;
    }
    return deleted;
  } finally {
    await session.close();
  }
}
