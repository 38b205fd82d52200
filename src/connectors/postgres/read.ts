// Reading rows as canonical cells with `COPY (SELECT … ORDER BY key) TO STDOUT` in text format,
// parsed here. COPY avoids the per-row protocol overhead and per-value type parsing of a cursor.
//
// COPY cannot take bound parameters, so the range's key values are bound to session settings
// (`set_config('ferry.k0', $1, false)`) and the query reads them with `current_setting(…)::type`:
// values are never spliced into SQL text.
//
// Backpressure: chunks are pulled from the COPY stream only when the consumer asks for the next
// batch; while it does not, the stream's buffer fills, the socket is paused and the server waits.
// A consumer that stops early (or an aborted signal) cancels the statement on the server and the
// rest of the stream is drained, so the session is usable again afterwards.

import { to as copyTo } from 'pg-copy-streams';
import { FerryError } from '../../domain/errors.ts';
import type {
  ColumnSchema,
  KeyRange,
  ReadOptions,
  ReadWarnings,
  Row,
  RowBatch,
  TableSchema,
} from '../types.ts';
import { decoderFor, type CellDecoder } from './canonical-cells.ts';
import { queryError, sqlState, stopCopy, type PgSession, type Role } from './connection.ts';
import { CopyLineSplitter, unescapeField } from './copy-text.ts';
import { qualifiedName, quoteIdentifier } from './dialect.ts';
import { rangeSql } from './key-range.ts';

type ColumnLike = Pick<ColumnSchema, 'name' | 'nativeType' | 'type'>;

export function pickColumns<C extends { name: string }>(
  table: { name: string; columns: C[] },
  names: string[],
): C[] {
  return names.map((name) => {
    const column = table.columns.find((c) => c.name === name);
    if (column === undefined) {
      throw new FerryError('FERRY_INTERNAL', `column "${name}" is not a column of table "${table.name}"`);
    }
    return column;
  });
}

/** Translate an error of a statement on `table`, recognising a table that no longer exists. */
export function tableError(
  error: unknown,
  session: PgSession,
  role: Role,
  table: string,
  doing: string,
): FerryError {
  if (sqlState(error) === '42P01') {
    return new FerryError(
      'FERRY_SOURCE_TABLE_DROPPED',
      `table "${table}" no longer exists in schema "${session.schema}" of ${session.url.redacted}`,
      { cause: error, details: { table, sqlstate: '42P01' } },
    );
  }
  return queryError(error, session, role, doing);
}

/** Bind `values` to session settings ferry.k0, ferry.k1, … for `current_setting` placeholders. */
export async function bindSettings(session: PgSession, values: string[]): Promise<void> {
  if (values.length === 0) return;
  const calls = values.map((_, i) => `set_config('ferry.k${i}', $${i + 1}, false)`);
  await session.client.query(`SELECT ${calls.join(', ')}`, values);
}

export function selectSql(
  session: PgSession,
  table: string,
  columns: readonly ColumnLike[],
  allColumns: readonly ColumnLike[],
  range: KeyRange,
  limit: number | undefined,
): { sql: string; values: string[] } {
  const r = rangeSql(allColumns, range, (i, type) => `current_setting('ferry.k${i}')::${type}`);
  let sql = `SELECT ${columns.map((c) => quoteIdentifier(c.name)).join(', ')} FROM ${qualifiedName(session.schema, table)}`;
  if (r.where !== '') sql += ` ${r.where}`;
  if (r.orderBy !== '') sql += ` ${r.orderBy}`;
  if (limit !== undefined) {
    if (!Number.isSafeInteger(limit) || limit < 0)
      throw new FerryError('FERRY_INTERNAL', `invalid read limit ${limit}`);
    sql += ` LIMIT ${limit}`;
  }
  return { sql, values: r.values };
}

function parseLine(line: string, decoders: readonly CellDecoder[]): Row {
  const fields = line.split('\t');
  const row: Row = new Array<Row[number]>(decoders.length);
  for (let i = 0; i < decoders.length; i++) {
    const field = fields[i] ?? '\\N';
    row[i] = field === '\\N' ? null : decoders[i]!(field.includes('\\') ? unescapeField(field) : field);
  }
  return row;
}

export async function* readRows(
  session: PgSession,
  role: Role,
  table: Pick<TableSchema, 'name' | 'columns'>,
  columnNames: string[],
  range: KeyRange,
  options: ReadOptions,
  _warnings: ReadWarnings,
): AsyncGenerator<RowBatch> {
  // _warnings: PostgreSQL validates UTF-8 on input and has no zero dates, so nothing is counted.
  const columns = pickColumns(table, columnNames);
  const decoders = columns.map(decoderFor);
  const { sql, values } = selectSql(session, table.name, columns, table.columns, range, options.limit);
  const doing = `reading table "${table.name}"`;
  options.signal?.throwIfAborted();
  try {
    await bindSettings(session, values);
  } catch (error) {
    throw tableError(error, session, role, table.name, doing);
  }

  const stream = session.client.query(copyTo(`COPY (${sql}) TO STDOUT`));
  const chunks = stream.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer>;
  const splitter = new CopyLineSplitter();
  let ended = false;
  let rows: Row[] = [];
  let bytes = 0;
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
      for (const line of splitter.push(next.value)) {
        rows.push(parseLine(line, decoders));
        bytes += line.length;
        if (rows.length >= options.batchRows || bytes >= options.batchBytes) {
          const batch = { rows, bytes };
          rows = [];
          bytes = 0;
          yield batch;
          options.signal?.throwIfAborted();
        }
      }
    }
    if (splitter.hasRemainder) {
      throw new FerryError('FERRY_INTERNAL', `COPY output of "${table.name}" ended in the middle of a row`);
    }
    if (rows.length > 0) yield { rows, bytes };
  } finally {
    if (!ended) await stopCopy(session, chunks);
  }
}
