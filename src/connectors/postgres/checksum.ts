// Chunk checksums (canonical.ts): inside PostgreSQL when every column's serialised cell can be
// written in SQL, otherwise by streaming the rows through ChecksumAccumulator (float columns on
// servers before PostgreSQL 12, whose float text is not the shortest round-trip form).

import { ChecksumAccumulator } from '../canonical.ts';
import type { ChunkChecksum, KeyRange, ReadWarnings, TableSchema } from '../types.ts';
import { serialisedCellSql } from './canonical-cells.ts';
import type { PgSession, Role } from './connection.ts';
import { qualifiedName } from './dialect.ts';
import { boundParameter, rangeSql } from './key-range.ts';
import { pickColumns, readRows, tableError } from './read.ts';

const TWO_TO_64 = '18446744073709551616';

/** The SELECT computing the checksum in SQL, or null when a column needs JavaScript. */
export function checksumSql(
  session: PgSession,
  table: Pick<TableSchema, 'name' | 'columns'>,
  columnNames: string[],
  range: KeyRange,
): { sql: string; values: string[] } | null {
  const cells: string[] = [];
  for (const column of pickColumns(table, columnNames)) {
    const sql = serialisedCellSql(column, '', session.serverVersion);
    if (sql === null) return null;
    cells.push(`coalesce(${sql}, '\\N')`);
  }
  const serialised = cells.length === 0 ? "''" : cells.join(` || E'\\t' || `);
  const r = rangeSql(table.columns, range, boundParameter);
  // md5's first 16 hex digits as a signed bigint, made unsigned by adding 2^64 to negative ones.
  const sql =
    `SELECT count(*)::int8::text AS rows, ` +
    `(coalesce(sum(h::numeric), 0) + ${TWO_TO_64}::numeric * count(*) FILTER (WHERE h < 0))::text AS sum ` +
    `FROM (SELECT ('x' || substr(md5(${serialised}), 1, 16))::bit(64)::int8 AS h ` +
    `FROM ${qualifiedName(session.schema, table.name)}${r.where === '' ? '' : ' ' + r.where}) AS hashed`;
  return { sql, values: r.values };
}

export async function checksum(
  session: PgSession,
  role: Role,
  table: TableSchema,
  columnNames: string[],
  range: KeyRange,
): Promise<ChunkChecksum> {
  const query = checksumSql(session, table, columnNames, range);
  if (query === null) return streamingChecksum(session, role, table, columnNames, range);
  try {
    const { rows } = await session.client.query<{ rows: string; sum: string }>(query.sql, query.values);
    const row = rows[0]!;
    return { rows: Number(row.rows), sum: row.sum };
  } catch (error) {
    throw tableError(error, session, role, table.name, `computing a checksum of table "${table.name}"`);
  }
}

export async function streamingChecksum(
  session: PgSession,
  role: Role,
  table: TableSchema,
  columnNames: string[],
  range: KeyRange,
): Promise<ChunkChecksum> {
  const acc = new ChecksumAccumulator();
  const warnings: ReadWarnings = { invalidUtf8: 0, zeroDates: 0 };
  for await (const batch of readRows(
    session,
    role,
    table,
    columnNames,
    range,
    {
      batchRows: 10_000,
      batchBytes: 16 * 1024 * 1024,
    },
    warnings,
  )) {
    for (const row of batch.rows) acc.add(row);
  }
  return acc.result();
}
