// The only writes Ferry makes to a source database: deleting rows by key when an operator applies a
// check's offered fix (`ferry check --fix`). Never called by a run. Each dialect implements it in
// its own folder (`<dialect>/delete-rows.ts`); this file only picks the one for the URL.

import { parseConnectionUrl } from './connection-url.ts';
import { deleteSourceRows as deleteMysqlRows } from './mysql/delete-rows.ts';
import { deleteSourceRows as deletePostgresRows } from './postgres/delete-rows.ts';
import { deleteSourceRows as deleteSqliteRows } from './sqlite/delete-rows.ts';
import type { ConnectionUrl, Dialect } from './types.ts';

type DeleteRows = (url: ConnectionUrl, table: string, keyColumn: string, keys: string[]) => Promise<number>;

const deleters: Record<Dialect, DeleteRows> = {
  sqlite: deleteSqliteRows,
  mysql: deleteMysqlRows,
  postgres: deletePostgresRows,
};

/** Delete the rows of `table` whose `keyColumn` is one of `keys` (canonical text), atomically. */
export function deleteSourceRows(
  url: string | ConnectionUrl,
  table: string,
  keyColumn: string,
  keys: string[],
): Promise<number> {
  const parsed = typeof url === 'string' ? parseConnectionUrl(url) : url;
  return deleters[parsed.dialect](parsed, table, keyColumn, keys);
}
