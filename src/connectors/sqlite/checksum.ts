// Chunk checksums computed inside SQLite.
//
// SQLite has no MD5, so the row hash runs as an application-defined aggregate registered on the
// connection: SQLite scans the range and hands each row's values to `ferry_chunk_checksum`, which
// canonicalises them with the same decoders read() uses (cells.ts) and adds `rowHash` from
// canonical.ts. The result therefore equals checksumOf(rows read by read()) by construction, with
// no batches, no generator and no row ever leaving the scan. (Floats are not a reason to fall back
// here: the decoders format doubles with JavaScript's own float64Text/float32Text.)

import { rowHash } from '../canonical.ts';
import type { ChunkChecksum, KeyRange, ReadWarnings, Row, TableSchema } from '../types.ts';
import { decoderFor, selectExpression } from './cells.ts';
import type { SqliteValue } from './cells.ts';
import type { SqliteDatabase } from './connection.ts';
import { quoteIdentifier } from './dialect.ts';
import { prepareOnTable } from './read.ts';
import { columnsByName, rangeSql } from './range-sql.ts';

const FUNCTION_NAME = 'ferry_chunk_checksum';

interface Accumulator {
  rows: number;
  sum: bigint;
}

export function checksumRange(
  db: SqliteDatabase,
  table: TableSchema,
  columns: string[],
  range: KeyRange,
): ChunkChecksum {
  const cols = columnsByName(table.name, table.columns, columns);
  const decoders = cols.map((c) => decoderFor(c.type));
  const warnings: ReadWarnings = { invalidUtf8: 0, zeroDates: 0 };
  const step = (acc: Accumulator, ...values: SqliteValue[]): void => {
    const row: Row = new Array(decoders.length);
    for (let i = 0; i < decoders.length; i++) row[i] = decoders[i]!(values[i] ?? null, warnings);
    acc.rows++;
    acc.sum += rowHash(row);
  };
  // Registered per call: the decoders depend on the columns' logical types.
  db.aggregate(FUNCTION_NAME, {
    varargs: true,
    safeIntegers: true,
    deterministic: true,
    start: (): Accumulator => ({ rows: 0, sum: 0n }),
    // The typings know only one-argument steps; varargs hands over one value per column.
    step: step as unknown as (acc: Accumulator, next: unknown) => void,
    result: (acc: Accumulator) => `${acc.rows} ${acc.sum}`,
  });
  const { where, params } = rangeSql(table.name, table.columns, range);
  const args = cols.map((c) => selectExpression(c.name, c.type)).join(', ');
  const sql = `SELECT ${FUNCTION_NAME}(${args}) FROM ${quoteIdentifier(table.name)}${where}`;
  const text = prepareOnTable(db, table.name, sql)
    .pluck()
    .get(...params) as string;
  const [rows = '0', sum = '0'] = text.split(' ');
  return { rows: Number(rows), sum };
}
