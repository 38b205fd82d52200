// readLines(): a key range as canonical lines (LineBatch) that PostgreSQL writes itself, with
// `COPY (SELECT …) TO STDOUT`: the SELECT turns the few types whose text output is not canonical
// (booleans, timestamptz, char padding) into canonical text (canonical-cells.ts copyCanonicalSql)
// and COPY does the escaping, so the output lines are the rows' serialisations but for one detail:
// COPY writes backspace, form feed and vertical tab as '\b', '\f', '\v', which the serialisation
// keeps as bytes. Lines with a backslash are checked for those; all others pass as they are.
//
// Used by PostgreSQL → PostgreSQL copies (no cells in between) and by checksums, which hash these
// lines instead of computing MD5s in SQL: COPY's C output plus OpenSSL's MD5 in Ferry cost about a
// third of the CPU of md5(replace(…) || …) in SQL on the benchmark's 1 KB rows.

import { to as copyTo } from 'pg-copy-streams';
import { FerryError } from '../../domain/errors.ts';
import { LineBuilder } from '../serialised-lines.ts';
import { serialiseRow, type ChecksumAccumulator } from '../canonical.ts';
import type { KeyRange, LineBatch, ReadOptions, TableSchema } from '../types.ts';
import { copyCanonicalSql } from './canonical-cells.ts';
import type { PgSession, Role } from './connection.ts';
import { stopCopy } from './connection.ts';
import { qualifiedName } from './dialect.ts';
import { rangeSql } from './key-range.ts';
import { bindSettings, pickColumns, readRows, tableError } from './read.ts';

const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const unescaped: Record<number, number> = { 0x62: 0x08, 0x66: 0x0c, 0x76: 0x0b };

/** The SELECT whose COPY output is canonical lines, or null when a column cannot be printed so. */
export function canonicalLinesSql(
  session: PgSession,
  table: Pick<TableSchema, 'name' | 'columns'>,
  columnNames: string[],
  range: KeyRange,
  limit: number | undefined,
): { sql: string; values: string[] } | null {
  const list: string[] = [];
  for (const column of pickColumns(table, columnNames)) {
    const sql = copyCanonicalSql(column, session.serverVersion);
    if (sql === null) return null;
    list.push(sql);
  }
  const r = rangeSql(table.columns, range, (i, type) => `current_setting('ferry.k${i}')::${type}`);
  let sql = `SELECT ${list.length === 0 ? 'NULL' : list.join(', ')} FROM ${qualifiedName(session.schema, table.name)}`;
  if (r.where !== '') sql += ` ${r.where}`;
  if (r.orderBy !== '') sql += ` ${r.orderBy}`;
  if (limit !== undefined) {
    if (!Number.isSafeInteger(limit) || limit < 0)
      throw new FerryError('FERRY_INTERNAL', `invalid read limit ${limit}`);
    sql += ` LIMIT ${limit}`;
  }
  return { sql, values: r.values };
}

/** A COPY output line (without '\n') as its canonical serialisation: '\b', '\f', '\v' as bytes. */
export function canonicalLine(line: Buffer): Buffer {
  let slash = line.indexOf(BACKSLASH);
  if (slash < 0) return line;
  const parts: Buffer[] = [];
  let from = 0;
  while (slash >= 0 && slash + 1 < line.length) {
    const byte = unescaped[line[slash + 1]!];
    if (byte !== undefined) {
      parts.push(line.subarray(from, slash), Buffer.of(byte));
      from = slash + 2;
    }
    slash = line.indexOf(BACKSLASH, slash + 2);
  }
  if (from === 0) return line;
  parts.push(line.subarray(from));
  return Buffer.concat(parts);
}

/**
 * Run the canonical-lines COPY of `range` and hand every line (without '\n', as COPY wrote it:
 * pass it through `canonicalLine`) to `onLine`, which returns a batch to yield when one is full.
 * The COPY is cancelled when the consumer stops early.
 */
async function* copyLines<T>(
  session: PgSession,
  role: Role,
  table: Pick<TableSchema, 'name' | 'columns'>,
  columnNames: string[],
  range: KeyRange,
  options: Pick<ReadOptions, 'limit' | 'signal'>,
  onLine: (line: Buffer) => T | null,
): AsyncGenerator<T> {
  const query = canonicalLinesSql(session, table, columnNames, range, options.limit);
  if (query === null) {
    throw new FerryError('FERRY_INTERNAL', `table "${table.name}" cannot be read as canonical lines`);
  }
  const doing = `reading table "${table.name}"`;
  options.signal?.throwIfAborted();
  try {
    await bindSettings(session, query.values);
  } catch (error) {
    throw tableError(error, session, role, table.name, doing);
  }
  const stream = session.client.query(copyTo(`COPY (${query.sql}) TO STDOUT`));
  const chunks = stream.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer>;
  let pending: Buffer | null = null;
  let ended = false;
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (error) {
        ended = true;
        throw tableError(error, session, role, table.name, doing);
      }
      if (next.done === true) {
        ended = true;
        break;
      }
      options.signal?.throwIfAborted();
      let chunk = next.value;
      if (pending !== null) {
        chunk = Buffer.concat([pending, chunk]);
        pending = null;
      }
      let from = 0;
      for (let nl = chunk.indexOf(NEWLINE); nl >= 0; nl = chunk.indexOf(NEWLINE, from)) {
        const full = onLine(chunk.subarray(from, nl));
        from = nl + 1;
        if (full !== null) {
          yield full;
          options.signal?.throwIfAborted();
        }
      }
      if (from < chunk.length) pending = Buffer.from(chunk.subarray(from));
    }
    if (pending !== null) {
      throw new FerryError('FERRY_INTERNAL', `COPY output of "${table.name}" ended in the middle of a row`);
    }
  } finally {
    if (!ended) await stopCopy(session, chunks);
  }
}

export async function* readLines(
  session: PgSession,
  role: Role,
  table: Pick<TableSchema, 'name' | 'columns'>,
  columnNames: string[],
  range: KeyRange,
  options: ReadOptions,
): AsyncGenerator<LineBatch> {
  const lines = new LineBuilder();
  if (canonicalLinesSql(session, table, columnNames, range, options.limit) === null) {
    // PostgreSQL cannot print these columns canonically: serialise the cells read() decodes.
    const warnings = { invalidUtf8: 0, zeroDates: 0 };
    for await (const batch of readRows(session, role, table, columnNames, range, options, warnings)) {
      for (const row of batch.rows) {
        lines.raw(Buffer.from(serialiseRow(row), 'utf8'));
        lines.endLine();
      }
      yield lines.take()!;
    }
    return;
  }
  yield* copyLines(session, role, table, columnNames, range, options, (line) => {
    lines.raw(canonicalLine(line));
    lines.endLine();
    return lines.rows >= options.batchRows || lines.bytes >= options.batchBytes ? lines.take() : null;
  });
  const last = lines.take();
  if (last !== null) yield last;
}

/** Hash every canonical line of `range` into `checksum` as it streams (no batch is built). */
export async function hashLines(
  session: PgSession,
  role: Role,
  table: Pick<TableSchema, 'name' | 'columns'>,
  columnNames: string[],
  range: KeyRange,
  checksum: ChecksumAccumulator,
): Promise<void> {
  const lines = copyLines(session, role, table, columnNames, range, {}, (line) => {
    checksum.addSerialised(canonicalLine(line));
    return null;
  });
  for await (const _ of lines) {
    // nothing is yielded: every line was hashed as it came
  }
}
