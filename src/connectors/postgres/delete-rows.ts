// Deleting source rows by key on an operator's explicit request (a check's fix), the one write
// Ferry makes to a source: one transaction in the URL's schema, each key a bound parameter that
// PostgreSQL casts to the key column's type.

import type { ConnectionUrl } from '../types.ts';
import { closeSession, openSession, queryError } from './connection.ts';
import { qualifiedName, quoteIdentifier } from './dialect.ts';

export async function deleteSourceRows(
  url: ConnectionUrl,
  table: string,
  keyColumn: string,
  keys: string[],
): Promise<number> {
  const session = await openSession(url, 'source');
  const sql = `DELETE FROM ${qualifiedName(session.schema, table)} WHERE ${quoteIdentifier(keyColumn)} = $1`;
  try {
    await session.client.query('BEGIN');
    let deleted = 0;
    for (const key of keys) deleted += (await session.client.query(sql, [key])).rowCount ?? 0;
    await session.client.query('COMMIT');
    return deleted;
  } catch (error) {
    await session.client.query('ROLLBACK').catch(() => undefined);
    throw queryError(error, session, 'source', `deleting rows of ${table}`);
  } finally {
    await closeSession(session);
  }
}
