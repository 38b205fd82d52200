// Data repair on a loaded SQLite target: updating single cells by primary key (sanitize) and
// inserting the companion rows a base table's rows lack (companion repair). Every value is a bound
// parameter (the column's affinity converts canonical text, as for inserts); identifiers are quoted;
// each call is one transaction.

import { FerryError } from '../../domain/errors.ts';
import type { Cell, TableSchema } from '../types.ts';
import { sqliteCode, type SqliteDatabase } from './connection.ts';
import { quoteIdentifier } from './dialect.ts';
import { columnsByName } from './range-sql.ts';

function repairError(cause: unknown, table: string, doing: string): FerryError {
  if (cause instanceof FerryError) return cause;
  const code = sqliteCode(cause);
  return new FerryError(
    code === 'SQLITE_FULL' ? 'FERRY_DISK_FULL' : 'FERRY_TARGET_ERROR',
    `${doing} table ${table} failed: ${(cause as Error).message}`,
    { cause, details: { table, code } },
  );
}

export function updateCells(
  db: SqliteDatabase,
  table: TableSchema,
  key: string[],
  columns: string[],
  rows: Cell[][],
): number {
  if (rows.length === 0) return 0;
  if (key.length === 0 || columns.length === 0)
    throw new FerryError('FERRY_INTERNAL', `updating ${table.name} needs a key and columns`);
  columnsByName(table.name, table.columns, [...key, ...columns]);
  const set = columns.map((c) => `${quoteIdentifier(c)} = ?`).join(', ');
  const where = key.map((k) => `${quoteIdentifier(k)} = ?`).join(' AND ');
  let updated = 0;
  try {
    const statement = db.prepare(`UPDATE ${quoteIdentifier(table.name)} SET ${set} WHERE ${where}`);
    db.transaction(() => {
      for (const row of rows) {
        const values = row.slice(key.length);
        updated += statement.run(...values, ...row.slice(0, key.length)).changes;
      }
    })();
  } catch (cause) {
    throw repairError(cause, table.name, 'updating rows of');
  }
  return updated;
}

export function insertMissingRows(
  db: SqliteDatabase,
  base: { table: TableSchema; key: string[] },
  companion: { table: TableSchema; key: string[] },
  values: Record<string, Cell>,
): number {
  if (base.key.length === 0 || base.key.length !== companion.key.length)
    throw new FerryError(
      'FERRY_INTERNAL',
      `companion ${companion.table.name} needs one key column per key column of ${base.table.name}`,
    );
  columnsByName(base.table.name, base.table.columns, base.key);
  const names = Object.keys(values);
  columnsByName(companion.table.name, companion.table.columns, [...companion.key, ...names]);
  const target = [...companion.key, ...names].map(quoteIdentifier).join(', ');
  const selected = [...base.key.map((k) => `b.${quoteIdentifier(k)}`), ...names.map(() => '?')].join(', ');
  const joined = companion.key
    .map((k, i) => `c.${quoteIdentifier(k)} = b.${quoteIdentifier(base.key[i]!)}`)
    .join(' AND ');
  const c = quoteIdentifier(companion.table.name);
  const sql =
    `INSERT INTO ${c} (${target}) SELECT ${selected} FROM ${quoteIdentifier(base.table.name)} AS b ` +
    `WHERE NOT EXISTS (SELECT 1 FROM ${c} AS c WHERE ${joined})`;
  try {
    return db.prepare(sql).run(...names.map((n) => values[n] ?? null)).changes;
  } catch (cause) {
    throw repairError(cause, companion.table.name, 'inserting missing rows into');
  }
}
