// Chunk checksums (canonical.ts): PostgreSQL writes the rows' canonical lines with COPY TO
// (read-lines.ts) and Ferry hashes them as they stream. That costs about half the CPU of hashing in
// SQL (md5 over replace(…) || … per row, which the previous version did): COPY's escaping is C, and
// MD5 costs the same on either side. Rows PostgreSQL cannot print canonically (floats before
// PostgreSQL 12) are decoded into cells and hashed from those instead.

import { ChecksumAccumulator } from '../canonical.ts';
import type { ChunkChecksum, KeyRange, ReadWarnings, TableSchema } from '../types.ts';
import type { PgSession, Role } from './connection.ts';
import { readRows } from './read.ts';
import { canonicalLinesSql, hashLines } from './read-lines.ts';

/** The checksum of the canonical lines PostgreSQL writes (read-lines.ts), or null when it cannot. */
export async function checksumOfLines(
  session: PgSession,
  role: Role,
  table: TableSchema,
  columnNames: string[],
  range: KeyRange,
): Promise<ChunkChecksum | null> {
  if (canonicalLinesSql(session, table, columnNames, range, undefined) === null) return null;
  const acc = new ChecksumAccumulator();
  await hashLines(session, role, table, columnNames, range, acc);
  return acc.result();
}

export async function checksum(
  session: PgSession,
  role: Role,
  table: TableSchema,
  columnNames: string[],
  range: KeyRange,
): Promise<ChunkChecksum> {
  return (
    (await checksumOfLines(session, role, table, columnNames, range)) ??
    streamingChecksum(session, role, table, columnNames, range)
  );
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
