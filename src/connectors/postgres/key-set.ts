// Key-set reads and deletes: the rows whose key equals one of a list of keys (an incremental run
// reads the rows the change log names on the source and replaces them on the target). Every key
// value is a bound parameter cast to its column's type, 500 keys per statement.

import { FerryError } from '../../domain/errors.ts';
import type {
  Cell,
  ColumnSchema,
  ReadOptions,
  ReadWarnings,
  Row,
  RowBatch,
  TableSchema,
  TargetColumnDef,
  TargetTableDef,
} from '../types.ts';
import { decoderFor } from './canonical-cells.ts';
import type { PgSession, Role } from './connection.ts';
import { qualifiedName, quoteIdentifier } from './dialect.ts';
import { inputText } from './key-range.ts';
import { pickColumns, tableError } from './read.ts';

/** Keys bound per statement. */
export const KEYS_PER_STATEMENT = 500;

const SAFE_TYPE = /^[\w\s(),."$]+$/;

type ColumnLike = Pick<ColumnSchema | TargetColumnDef, 'name' | 'nativeType' | 'type'>;

/** `WHERE k IN ($1::t, …)` or `WHERE (k1 = $1::t1 AND k2 = $2::t2) OR …`, with the values. */
export function keySetWhere(
  tableName: string,
  columns: readonly ColumnLike[],
  key: string[],
  keys: Cell[][],
): { where: string; values: string[] } {
  if (key.length === 0)
    throw new FerryError('FERRY_INTERNAL', `a key-set statement on "${tableName}" needs a key`);
  const parts = pickColumns({ name: tableName, columns: [...columns] }, key).map((c) => {
    if (!SAFE_TYPE.test(c.nativeType)) {
      throw new FerryError(
        'FERRY_INTERNAL',
        `unexpected native type "${c.nativeType}" of key column "${c.name}"`,
      );
    }
    return { ref: quoteIdentifier(c.name), type: c.nativeType };
  });
  const values: string[] = [];
  const param = (cell: Cell, type: string) => {
    values.push(inputText(cell));
    return `$${values.length}::${type}`;
  };
  if (parts.length === 1) {
    const p = parts[0]!;
    return {
      where: `WHERE ${p.ref} IN (${keys.map((k) => param(k[0] ?? null, p.type)).join(', ')})`,
      values,
    };
  }
  const alternatives = keys.map(
    (k) => `(${parts.map((p, i) => `${p.ref} = ${param(k[i] ?? null, p.type)}`).join(' AND ')})`,
  );
  return { where: `WHERE ${alternatives.join(' OR ')}`, values };
}

const rawText = { getTypeParser: () => (value: string) => value };

export async function* readKeys(
  session: PgSession,
  role: Role,
  table: Pick<TableSchema, 'name' | 'columns'>,
  columnNames: string[],
  key: string[],
  keys: Cell[][],
  options: ReadOptions,
  _warnings: ReadWarnings,
): AsyncGenerator<RowBatch> {
  const columns = pickColumns(table, columnNames);
  const decoders = columns.map(decoderFor);
  const list = columns.map((c) => quoteIdentifier(c.name)).join(', ');
  let rows: Row[] = [];
  let bytes = 0;
  for (let i = 0; i < keys.length; i += KEYS_PER_STATEMENT) {
    options.signal?.throwIfAborted();
    const { where, values } = keySetWhere(
      table.name,
      table.columns,
      key,
      keys.slice(i, i + KEYS_PER_STATEMENT),
    );
    let raw: (string | null)[][];
    try {
      const result = await session.client.query<(string | null)[]>({
        text: `SELECT ${list} FROM ${qualifiedName(session.schema, table.name)} ${where}`,
        values,
        rowMode: 'array',
        types: rawText,
      });
      raw = result.rows;
    } catch (error) {
      throw tableError(error, session, role, table.name, `reading keys of table "${table.name}"`);
    }
    for (const fields of raw) {
      const row: Row = new Array<Cell>(decoders.length);
      for (let c = 0; c < decoders.length; c++) {
        const field = fields[c] ?? null;
        row[c] = field === null ? null : decoders[c]!(field);
        bytes += field === null ? 1 : field.length;
      }
      rows.push(row);
      if (rows.length >= options.batchRows || bytes >= options.batchBytes) {
        yield { rows, bytes };
        rows = [];
        bytes = 0;
      }
    }
  }
  if (rows.length > 0) yield { rows, bytes };
}

export async function deleteKeys(
  session: PgSession,
  table: TargetTableDef,
  key: string[],
  keys: Cell[][],
): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < keys.length; i += KEYS_PER_STATEMENT) {
    const { where, values } = keySetWhere(
      table.name,
      table.columns,
      key,
      keys.slice(i, i + KEYS_PER_STATEMENT),
    );
    try {
      const result = await session.client.query(
        `DELETE FROM ${qualifiedName(session.schema, table.name)} ${where}`,
        values,
      );
      deleted += result.rowCount ?? 0;
    } catch (error) {
      throw tableError(error, session, 'target', table.name, `deleting keys of table "${table.name}"`);
    }
  }
  return deleted;
}

export async function countRows(session: PgSession, role: Role, table: string): Promise<number> {
  try {
    const result = await session.client.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${qualifiedName(session.schema, table)}`,
    );
    return Number(result.rows[0]?.n ?? 0);
  } catch (error) {
    throw tableError(error, session, role, table, `counting the rows of table "${table}"`);
  }
}
