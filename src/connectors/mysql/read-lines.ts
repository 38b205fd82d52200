// readLines(): a key range as canonical lines (LineBatch) that MariaDB/MySQL writes itself.
//
// The SELECT returns each row as a few byte strings instead of one value per column: runs of
// consecutive columns whose canonical text SQL can produce (canonical-sql.ts, the same expressions
// the in-database checksum hashes) come back as one field, already escaped and joined by tabs;
// the columns SQL cannot print canonically, and long values, come back on their own and are
// serialised here:
//   float, double        canonical float text (JavaScript: MySQL prints another notation)
//   zerofill decimal     padding stripped
//   long text / binary   raw bytes, escaped (text) or hex-encoded (binary) here: a server-side
//                        REPLACE or HEX of a value near max_allowed_packet would return NULL
// A last field counts the row's zero dates (carried as NULL, counted as warnings) when the table
// has date columns. Nothing is decoded into JavaScript strings on the way (`typeCast: false`), so
// a row costs a handful of Buffer views instead of a string per column: about a third of the CPU of
// read() + COPY encoding on the benchmark's 1 KB rows, and the rest of the work is the server's.
//
// Invalid UTF-8: the bytes are validated per batch (serialised-lines.ts replaceInvalidUtf8), with
// the same rule and counting as read().

import type { ColumnSchema, KeyRange, LineBatch, ReadOptions, ReadWarnings, TableSchema } from '../types.ts';
import { FerryError } from '../../domain/errors.ts';
import { float32Text, float64Text } from '../canonical.ts';
import { LineBuilder, replaceInvalidUtf8 } from '../serialised-lines.ts';
import { canonicalSql, NULL_TEXT, nullCondition, TAB } from './canonical-sql.ts';
import { selectExpression, stripZerofill } from './cell-decoders.ts';
import type { MysqlSession } from './connection.ts';
import { quoteIdentifier } from './dialect.ts';
import { rangeSql } from './range-sql.ts';
import { resolveColumns } from './read.ts';
import { streamResult } from './result-stream.ts';

/** Values longer than this (characters or bytes) are serialised here, not by the server. */
const INLINE_MAX_LENGTH = 4096;

const enum Part {
  /** consecutive columns, serialised by the server */
  Inline,
  Text,
  Binary,
  Float32,
  Float64,
  Zerofill,
}

export interface LineSelect {
  /** The SELECT list. */
  fields: string[];
  /** Per field how it is serialised. */
  parts: Part[];
  /** Whether a last field counts the row's zero dates. */
  zeroDates: boolean;
  /** Per column: a text column (for the invalid UTF-8 rule). */
  text: boolean[];
}

function ownPart(column: ColumnSchema): Part | null {
  const t = column.type;
  switch (t.kind) {
    case 'float':
      return t.bits === 32 ? Part.Float32 : Part.Float64;
    case 'text':
    case 'json':
      return t.kind === 'json' || t.maxLength === null || t.maxLength > INLINE_MAX_LENGTH ? Part.Text : null;
    case 'binary':
      return t.maxLength === null || t.maxLength > INLINE_MAX_LENGTH ? Part.Binary : null;
    default:
      return canonicalSql(column) === null ? Part.Zerofill : null;
  }
}

/** Pure: the SELECT list and how each field is serialised. */
export function planLineSelect(columns: ColumnSchema[]): LineSelect {
  const fields: string[] = [];
  const parts: Part[] = [];
  let run: string[] = [];
  const flush = (): void => {
    if (run.length === 0) return;
    fields.push(run.length === 1 ? run[0]! : `CONCAT(${run.join(`, ${TAB}, `)})`);
    parts.push(Part.Inline);
    run = [];
  };
  for (const column of columns) {
    const own = ownPart(column);
    const q = quoteIdentifier(column.name);
    if (own === null) {
      run.push(`IF(${nullCondition(column)}, ${NULL_TEXT}, ${canonicalSql(column)!})`);
      continue;
    }
    flush();
    fields.push(own === Part.Float32 || own === Part.Float64 ? selectExpression(column, q) : q);
    parts.push(own);
  }
  flush();
  const dated = columns.filter((c) => c.type.kind === 'date' || c.type.kind === 'timestamp');
  if (dated.length > 0) {
    fields.push(
      dated
        .map((c) => quoteIdentifier(c.name))
        .map((c) => `IFNULL(MONTH(${c}) = 0 OR DAYOFMONTH(${c}) = 0, 0)`)
        .join(' + '),
    );
  }
  const text = columns.map((c) => ['text', 'enum', 'set', 'json'].includes(c.type.kind));
  return { fields, parts, zeroDates: dated.length > 0, text };
}

function rowTooLong(session: MysqlSession, table: TableSchema): FerryError {
  return new FerryError(
    'FERRY_SOURCE_ROW_TOO_LONG',
    `a row of table "${table.name}" is longer than the server's max_allowed_packet once serialised (${session.url.redacted})`,
    { details: { table: table.name } },
  );
}

export async function* readLines(
  session: MysqlSession,
  table: TableSchema,
  columnNames: string[],
  range: KeyRange,
  options: ReadOptions,
  warnings: ReadWarnings,
): AsyncGenerator<LineBatch> {
  const columns = resolveColumns(table, columnNames);
  const select = planLineSelect(columns);
  const { where, orderBy, values } = rangeSql(table, range);
  let sql = `SELECT ${select.fields.join(', ')} FROM ${quoteIdentifier(table.name)}${where}${orderBy}`;
  if (options.limit !== undefined) {
    sql += ' LIMIT ?';
    values.push(options.limit);
  }
  const parts = select.parts;
  const n = parts.length;
  const batchRows = Math.max(1, options.batchRows);
  const batchBytes = Math.max(1, options.batchBytes);
  const lines = new LineBuilder();
  const stream = streamResult<LineBatch>(
    session,
    table.name,
    { sql, values, rowsAsArray: true, typeCast: false },
    options.signal,
    {
      add(raw) {
        const row = raw as (Buffer | null)[];
        for (let i = 0; i < n; i++) {
          if (i > 0) lines.tab();
          const v = row[i];
          if (v === null || v === undefined) {
            // Every inline field is IF(…, '\N', …): NULL means the server gave up on it.
            if (parts[i] === Part.Inline) throw rowTooLong(session, table);
            lines.nullCell();
            continue;
          }
          switch (parts[i]!) {
            case Part.Inline:
              lines.raw(v);
              break;
            case Part.Text:
              lines.escaped(v);
              break;
            case Part.Binary:
              lines.binary(v);
              break;
            case Part.Float32:
              lines.plain(float32Text(v.toString('latin1')));
              break;
            case Part.Float64:
              lines.plain(float64Text(v.toString('latin1')));
              break;
            case Part.Zerofill:
              lines.plain(stripZerofill(v.toString('latin1')));
              break;
          }
        }
        if (select.zeroDates) {
          const z = row[n]!;
          if (z.length !== 1 || z[0] !== 0x30) warnings.zeroDates += Number(z.toString('latin1'));
        }
        lines.endLine();
        return lines.rows >= batchRows || lines.bytes >= batchBytes;
      },
      take: () => lines.take(),
    },
  );
  const replaced = (count: number): void => {
    warnings.invalidUtf8 += count;
  };
  for await (const batch of stream) yield replaceInvalidUtf8(batch, select.text, replaced);
}
