// checksum(): {rows, sum} of a key range, equal to checksumOf(rows read by read()).
//
// Computed inside the server when every column's canonical text can be produced in SQL: the row is
// serialised with CONCAT(…, tab, …) exactly as canonical.ts does (NULL → \N, '\' doubled, tab, LF
// and CR → \t, \n, \r, bytes → \\x + lower-case hex), hashed with MD5, and the first 16 hex digits summed as unsigned
// 64-bit integers (SUM over DECIMAL is exact in MySQL).
//
// Falls back to streaming read() through ChecksumAccumulator when:
//   - a column is FLOAT/DOUBLE: the canonical text is JavaScript's shortest round-trip form, which
//     MySQL cannot print (it prints 6 significant digits for FLOAT and its own %g form for DOUBLE);
//   - a DECIMAL column is ZEROFILL (its padding would have to be stripped in SQL);
//   - a row's serialisation is longer than max_allowed_packet (CONCAT/HEX then return NULL; detected
//     by counting the hashed rows).

import { ChecksumAccumulator } from '../canonical.ts';
import type { ChunkChecksum, ColumnSchema, KeyRange, TableSchema } from '../types.ts';
import type { MysqlSession } from './connection.ts';
import { quoteIdentifier } from './dialect.ts';
import { rangeSql } from './range-sql.ts';
import { readRange, resolveColumns } from './read.ts';
import { canonicalSql, nullCondition, NULL_TEXT, TAB } from './canonical-sql.ts';

const HASHED_ROW = 1n << 100n;

export async function checksumRange(
  session: MysqlSession,
  table: TableSchema,
  columnNames: string[],
  range: KeyRange,
): Promise<ChunkChecksum> {
  const columns = resolveColumns(table, columnNames);
  const parts = columns.map(canonicalSql);
  if (parts.every((p): p is string => p !== null)) {
    const result = await checksumInSql(session, table, columns, parts, range);
    if (result !== null) return result;
  }
  return checksumByStreaming(session, table, columnNames, range);
}

/** The in-database checksum, or null when a row was too long to hash in SQL. */
export async function checksumInSql(
  session: MysqlSession,
  table: TableSchema,
  columns: ColumnSchema[],
  parts: string[],
  range: KeyRange,
): Promise<ChunkChecksum | null> {
  const { where, values } = rangeSql(table, range);
  // CONCAT (not CONCAT_WS, which skips NULLs): a string function whose result would exceed
  // max_allowed_packet returns NULL, which must make the whole hash NULL so that it is noticed.
  const row = parts.map((p, i) => `IF(${nullCondition(columns[i]!)}, ${NULL_TEXT}, ${p})`).join(`, ${TAB}, `);
  // One aggregate counts the hashed rows and sums their hashes: each adds hash + 2^100, so the
  // total is hashed·2^100 + sum (sum < 2^100 while a chunk has fewer than 2^36 rows). Referring to
  // the hash twice (SUM(h), COUNT(h)) would make MariaDB compute the MD5 twice per row.
  const sql =
    `SELECT COUNT(*), SUM(CAST(CONV(LEFT(MD5(CONCAT(${row})), 16), 16, 10) AS DECIMAL(65,0)) + ${HASHED_ROW}) ` +
    `FROM ${quoteIdentifier(table.name)}${where}`;
  const result = await session.queryText(sql, values, table.name);
  const [count, total] = result[0] ?? [];
  const rows = Number(count ?? 0);
  const combined = BigInt(total ?? '0');
  if (combined >> 100n !== BigInt(rows)) return null; // a row longer than max_allowed_packet
  return { rows, sum: (combined & (HASHED_ROW - 1n)).toString() };
}

async function checksumByStreaming(
  session: MysqlSession,
  table: TableSchema,
  columnNames: string[],
  range: KeyRange,
): Promise<ChunkChecksum> {
  const acc = new ChecksumAccumulator();
  const warnings = { invalidUtf8: 0, zeroDates: 0 };
  const options = { batchRows: 10_000, batchBytes: 32 * 1024 * 1024 };
  for await (const batch of readRange(session, table, columnNames, range, options, warnings)) {
    for (const row of batch.rows) acc.add(row);
  }
  return acc.result();
}
