// Writing with `COPY "schema"."table" (…) FROM STDIN` in text format, one transaction per call
// (atomic: a failing batch commits nothing), with backpressure: the next batch is pulled only after
// the socket accepted the previous one. Also deleteRange, execute and dropTables.

import { once } from 'node:events';
import { from as copyFrom } from 'pg-copy-streams';
import { FerryError } from '../../domain/errors.ts';
import type { ChecksumAccumulator } from '../canonical.ts';
import type { KeyRange, LineBatch, RowBatch, TargetTableDef, WriteResult } from '../types.ts';
import { queryError, sqlState, type PgSession } from './connection.ts';
import { CopyEncoder, isPlainText } from './copy-text.ts';
import { qualifiedName, quoteIdentifier } from './dialect.ts';
import { boundParameter, rangeSql } from './key-range.ts';
import { tableError } from './read.ts';

/** SQLSTATEs meaning "this value does not fit the column". */
const VALUE_ERRORS = new Set([
  '22003', // numeric_value_out_of_range
  '22001', // string_data_right_truncation
  '22P02', // invalid_text_representation
  '22007', // invalid_datetime_format
  '22008', // datetime_field_overflow
  '22021', // character_not_in_repertoire
  '22026', // string_data_length_mismatch (bit(n))
  '23502', // not_null_violation
  '23514', // check_violation (enum labels)
  '22009', // invalid_time_zone_displacement_value ('-838:59:59' read as a zone)
  '22015', // interval_field_overflow
]);

interface PgErrorFields {
  message?: string;
  where?: string;
  column?: string;
}

/** The column a COPY error is about: its `column` field, or the name in `where` ("…, column c: …"). */
function erroneousColumn(error: unknown, columns: string[]): string | undefined {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as PgErrorFields;
  if (fields.column !== undefined && columns.includes(fields.column)) return fields.column;
  const where = fields.where ?? '';
  return [...columns]
    .sort((a, b) => b.length - a.length)
    .find((c) => where.includes(`, column ${c}:`) || where.endsWith(`, column ${c}`));
}

export function writeError(
  error: unknown,
  session: PgSession,
  table: TargetTableDef,
  columns: string[],
): FerryError {
  if (error instanceof FerryError) return error;
  const state = sqlState(error);
  const message = (error as PgErrorFields).message ?? String(error);
  if (state !== undefined && VALUE_ERRORS.has(state)) {
    const column = erroneousColumn(error, columns);
    const def = table.columns.find((c) => c.name === column);
    const where =
      column === undefined ? `table "${table.name}"` : `column "${column}" of table "${table.name}"`;
    return new FerryError(
      'FERRY_VALUE_OUT_OF_RANGE',
      `a value for ${where}${def === undefined ? '' : ` (${def.nativeType})`} was rejected by PostgreSQL: ${message}`,
      {
        cause: error,
        details: { table: table.name, column, sqlstate: state, where: (error as PgErrorFields).where },
      },
    );
  }
  if (state === '53100') {
    return new FerryError(
      'FERRY_DISK_FULL',
      `PostgreSQL ran out of disk space while writing table "${table.name}" (${session.url.redacted})`,
      { cause: error, details: { table: table.name, sqlstate: state } },
    );
  }
  return queryError(error, session, 'target', `writing table "${table.name}"`);
}

export async function writeRows(
  session: PgSession,
  table: TargetTableDef,
  columns: string[],
  batches: AsyncIterable<RowBatch>,
  signal?: AbortSignal,
  checksum?: ChecksumAccumulator,
): Promise<WriteResult> {
  const encoder = new CopyEncoder(
    columns.map((name) => {
      const def = table.columns.find((c) => c.name === name);
      return def !== undefined && isPlainText(def.type);
    }),
  );
  return copyIn(session, table, columns, batches, signal, (batch) => ({
    text: encoder.encode(batch.rows, checksum),
    rows: batch.rows.length,
    bytes: batch.bytes,
  }));
}

/** writeRows for rows already serialised as COPY text lines: each line is hashed, then sent as is. */
export function writeLines(
  session: PgSession,
  table: TargetTableDef,
  columns: string[],
  batches: AsyncIterable<LineBatch>,
  signal?: AbortSignal,
  checksum?: ChecksumAccumulator,
): Promise<WriteResult> {
  return copyIn(session, table, columns, batches, signal, (batch) => {
    if (checksum !== undefined) {
      let start = 0;
      for (const end of batch.ends) {
        checksum.addSerialised(batch.text.subarray(start, end - 1));
        start = end;
      }
    }
    return batch;
  });
}

/**
 * `COPY … FROM STDIN` of every batch's text in one transaction, pulling the next batch only after
 * the socket took the previous one.
 */
async function copyIn<B>(
  session: PgSession,
  table: TargetTableDef,
  columns: string[],
  batches: AsyncIterable<B>,
  signal: AbortSignal | undefined,
  encode: (batch: B) => { text: Buffer; rows: number; bytes: number },
): Promise<WriteResult> {
  const { client } = session;
  signal?.throwIfAborted();
  const target = qualifiedName(session.schema, table.name);
  const copySql = `COPY ${target} (${columns.map(quoteIdentifier).join(', ')}) FROM STDIN`;
  let rowsWritten = 0;
  let bytes = 0;
  try {
    await client.query('BEGIN');
  } catch (error) {
    throw writeError(error, session, table, columns);
  }
  const stream = client.query(copyFrom(copySql));
  let failed: unknown = null;
  let finished = false;
  const done = new Promise<void>((resolve, reject) => {
    stream.once('finish', () => {
      finished = true;
      resolve();
    });
    stream.once('error', (error: unknown) => {
      failed = error;
      reject(error as Error);
    });
  });
  done.catch(() => undefined); // observed below; never unhandled
  try {
    for await (const batch of batches) {
      signal?.throwIfAborted();
      if (failed !== null) break;
      const encoded = encode(batch);
      if (encoded.rows === 0) continue;
      rowsWritten += encoded.rows;
      bytes += encoded.bytes;
      if (!stream.write(encoded.text)) {
        await Promise.race([once(stream, 'drain'), done]);
      }
    }
    if (failed === null) stream.end();
    await done;
    await client.query('COMMIT');
    return { rowsWritten, bytes };
  } catch (error) {
    const serverError = failed;
    if (serverError === null && !finished) {
      // Our side stopped (source error, abort): CopyFail makes the server end the COPY.
      stream.destroy();
      await done.catch(() => undefined);
    }
    await client.query('ROLLBACK').catch(() => undefined);
    // A server error during the COPY explains the failure; errors of the batches iterable (the
    // source) or the signal pass through unchanged.
    if (serverError !== null) throw writeError(serverError, session, table, columns);
    throw sqlState(error) === undefined ? error : writeError(error, session, table, columns);
  }
}

export async function deleteRange(
  session: PgSession,
  table: TargetTableDef,
  range: KeyRange,
): Promise<number> {
  const r = rangeSql(table.columns, range, boundParameter);
  const sql = `DELETE FROM ${qualifiedName(session.schema, table.name)}${r.where === '' ? '' : ' ' + r.where}`;
  try {
    const result = await session.client.query(sql, r.values);
    return result.rowCount ?? 0;
  } catch (error) {
    throw tableError(error, session, 'target', table.name, `deleting a key range of table "${table.name}"`);
  }
}

export async function execute(session: PgSession, statements: string[]): Promise<void> {
  for (const statement of statements) {
    try {
      await session.client.query(statement);
    } catch (error) {
      const translated = queryError(error, session, 'target', 'running DDL');
      translated.details.statement = statement.length > 500 ? statement.slice(0, 500) + '…' : statement;
      throw translated;
    }
  }
}

export async function dropTables(session: PgSession, tables: string[]): Promise<void> {
  if (tables.length === 0) return;
  const names = tables.map((t) => qualifiedName(session.schema, t)).join(', ');
  try {
    await session.client.query(`DROP TABLE IF EXISTS ${names} CASCADE`);
  } catch (error) {
    throw queryError(error, session, 'target', 'dropping tables');
  }
}
