// Data repair on a loaded PostgreSQL target: updating single cells by primary key (sanitize) and
// inserting the companion rows a base table's rows lack (companion repair). Every value is a bound
// parameter; identifiers are quoted; each call is one transaction.

import { FerryError } from '../../domain/errors.ts';
import type { Cell, TableSchema } from '../types.ts';
import type { PgSession } from './connection.ts';
import { qualifiedName, quoteIdentifier } from './dialect.ts';
import { inputText } from './key-range.ts';
import { pickColumns, tableError } from './read.ts';

/** Native type names we accept in a `::type` cast (they come from the catalog, never from users). */
const SAFE_TYPE = /^[\w\s(),."$]+$/;

function castType(table: string, column: { name: string; nativeType: string }): string {
  if (!SAFE_TYPE.test(column.nativeType))
    throw new FerryError(
      'FERRY_INTERNAL',
      `unexpected native type "${column.nativeType}" of column "${column.name}" of table "${table}"`,
    );
  return column.nativeType;
}

const param = (cell: Cell): string | null => (cell === null ? null : inputText(cell));

export async function updateCells(
  session: PgSession,
  table: TableSchema,
  key: string[],
  columns: string[],
  rows: Cell[][],
): Promise<number> {
  if (rows.length === 0) return 0;
  if (key.length === 0 || columns.length === 0)
    throw new FerryError('FERRY_INTERNAL', `updating "${table.name}" needs a key and columns`);
  pickColumns(table, [...key, ...columns]);
  // `col = $n` takes the column's type, so no casts are needed in SET or WHERE.
  const set = columns.map((c, i) => `${quoteIdentifier(c)} = $${i + 1}`).join(', ');
  const where = key.map((k, i) => `${quoteIdentifier(k)} = $${columns.length + i + 1}`).join(' AND ');
  const sql = `UPDATE ${qualifiedName(session.schema, table.name)} SET ${set} WHERE ${where}`;
  let updated = 0;
  try {
    await session.client.query('BEGIN');
    for (const row of rows) {
      const keyCells = row.slice(0, key.length);
      const values = row.slice(key.length);
      const result = await session.client.query(sql, [...values, ...keyCells].map(param));
      updated += result.rowCount ?? 0;
    }
    await session.client.query('COMMIT');
    return updated;
  } catch (error) {
    await session.client.query('ROLLBACK').catch(() => undefined);
    throw tableError(error, session, 'target', table.name, `updating rows of table "${table.name}"`);
  }
}

export async function insertMissingRows(
  session: PgSession,
  base: { table: TableSchema; key: string[] },
  companion: { table: TableSchema; key: string[] },
  values: Record<string, Cell>,
): Promise<number> {
  if (base.key.length === 0 || base.key.length !== companion.key.length)
    throw new FerryError(
      'FERRY_INTERNAL',
      `companion "${companion.table.name}" needs one key column per key column of "${base.table.name}"`,
    );
  pickColumns(base.table, base.key);
  const valueColumns = pickColumns(companion.table, [...companion.key, ...Object.keys(values)]).slice(
    companion.key.length,
  );
  const params = valueColumns.map((c) => param(values[c.name] ?? null));
  // Parameters in a SELECT list have no type of their own: cast each to its column's type.
  const selected = [
    ...base.key.map((k) => `b.${quoteIdentifier(k)}`),
    ...valueColumns.map((c, i) => `$${i + 1}::${castType(companion.table.name, c)}`),
  ];
  const target = [...companion.key, ...valueColumns.map((c) => c.name)].map(quoteIdentifier);
  const joined = companion.key
    .map((k, i) => `c.${quoteIdentifier(k)} = b.${quoteIdentifier(base.key[i]!)}`)
    .join(' AND ');
  const sql =
    `INSERT INTO ${qualifiedName(session.schema, companion.table.name)} (${target.join(', ')}) ` +
    `SELECT ${selected.join(', ')} FROM ${qualifiedName(session.schema, base.table.name)} AS b ` +
    `WHERE NOT EXISTS (SELECT 1 FROM ${qualifiedName(session.schema, companion.table.name)} AS c WHERE ${joined})`;
  try {
    return (await session.client.query(sql, params)).rowCount ?? 0;
  } catch (error) {
    throw tableError(
      error,
      session,
      'target',
      companion.table.name,
      `inserting missing rows into table "${companion.table.name}"`,
    );
  }
}
