// read(): stream a key range as canonical RowBatches with backpressure (result-stream.ts).
//
// One text-protocol query per call. mysql2 parses each row; a per-column code plan turns its cells
// into canonical cells (cell-decoders.ts).

import { FerryError } from '../../domain/errors.ts';
import type { ColumnSchema, ReadOptions, ReadWarnings, Row, RowBatch, TableSchema } from '../types.ts';
import type { DriverCell } from './cell-decoders.ts';
import { decodeRow, planBitLengths, planDecoders, selectExpression } from './cell-decoders.ts';
import type { MysqlSession } from './connection.ts';
import { quoteIdentifier } from './dialect.ts';
import { rangeSql } from './range-sql.ts';
import { streamResult } from './result-stream.ts';
import type { KeyRange } from '../types.ts';

/** The columns of `table` named by `columns`, in that order; every one must be readable. */
export function resolveColumns(table: TableSchema, columns: string[]): ColumnSchema[] {
  return columns.map((name) => {
    const column = table.columns.find((c) => c.name === name);
    if (column === undefined) {
      throw new FerryError('FERRY_INTERNAL', `column "${name}" is not a column of table "${table.name}"`, {
        details: { table: table.name, column: name },
      });
    }
    if (column.type.kind === 'unsupported' || column.type.kind === 'interval') {
      const reason = column.type.kind === 'unsupported' ? column.type.reason : 'interval is not a MySQL type';
      throw new FerryError(
        'FERRY_COLUMN_UNSUPPORTED',
        `column "${name}" of table "${table.name}": ${reason}`,
        {
          details: { table: table.name, column: name, nativeType: column.nativeType },
        },
      );
    }
    return column;
  });
}

export function selectSql(table: TableSchema, columns: ColumnSchema[], range: KeyRange, limit?: number) {
  const { where, orderBy, values } = rangeSql(table, range);
  const list = columns.map((c) => selectExpression(c, quoteIdentifier(c.name))).join(', ');
  let sql = `SELECT ${list} FROM ${quoteIdentifier(table.name)}${where}${orderBy}`;
  if (limit !== undefined) {
    sql += ' LIMIT ?';
    values.push(limit);
  }
  return { sql, values };
}

export async function* readRange(
  session: MysqlSession,
  table: TableSchema,
  columnNames: string[],
  range: KeyRange,
  options: ReadOptions,
  warnings: ReadWarnings,
): AsyncGenerator<RowBatch> {
  const columns = resolveColumns(table, columnNames);
  const { sql, values } = selectSql(table, columns, range, options.limit);
  const codes = planDecoders(columns);
  const bitLengths = planBitLengths(columns);
  const batchRows = Math.max(1, options.batchRows);
  const batchBytes = Math.max(1, options.batchBytes);
  let rows: Row[] = [];
  let bytes = 0;
  yield* streamResult<RowBatch>(session, table.name, { sql, values, rowsAsArray: true }, options.signal, {
    add(raw) {
      const row = raw as DriverCell[];
      bytes += decodeRow(row, codes, bitLengths, warnings);
      rows.push(row as Row);
      return rows.length >= batchRows || bytes >= batchBytes;
    },
    take() {
      if (rows.length === 0) return null;
      const batch = { rows, bytes };
      rows = [];
      bytes = 0;
      return batch;
    },
  });
}
