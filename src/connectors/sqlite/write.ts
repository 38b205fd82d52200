// Writing canonical cells into a SQLite target file.
//
// One transaction per write() call (BEGIN IMMEDIATE … COMMIT), so a call is atomic: an error in any
// batch (from the source or from SQLite) rolls back every row of the call. Rows are inserted with a
// cached prepared INSERT binding the canonical cells as they are (strings, Buffers, null); the
// column's affinity turns integer and real text into numbers (target-types.ts picks declared types
// for which that conversion is exact). The next batch is pulled only after the previous one is
// inserted (backpressure). Generated columns are skipped: SQLite computes them.

import { rowBytes, type ChecksumAccumulator } from '../canonical.ts';
import { FerryError } from '../../domain/errors.ts';
import type { Cell, KeyRange, RowBatch, TargetTableDef, WriteResult } from '../types.ts';
import type { SqliteDatabase } from './connection.ts';
import { sqliteCode } from './connection.ts';
import { quoteIdentifier } from './dialect.ts';
import { columnsByName, rangeSql } from './range-sql.ts';

type Statement = ReturnType<SqliteDatabase['prepare']>;

/** Prepared INSERTs by table and column list, per connection. */
export class InsertCache {
  private readonly statements = new Map<string, Statement>();
  constructor(private readonly db: SqliteDatabase) {}

  get(table: string, columns: string[]): Statement {
    const key = JSON.stringify([table, columns]);
    let statement = this.statements.get(key);
    if (statement === undefined) {
      const list = columns.map(quoteIdentifier).join(', ');
      const holes = columns.map(() => '?').join(', ');
      statement = this.db.prepare(`INSERT INTO ${quoteIdentifier(table)} (${list}) VALUES (${holes})`);
      this.statements.set(key, statement);
    }
    return statement;
  }

  /** Forget every statement (after DDL that may have changed a table). */
  clear(): void {
    this.statements.clear();
  }
}

export async function writeRows(
  db: SqliteDatabase,
  cache: InsertCache,
  table: TargetTableDef,
  columns: string[],
  batches: AsyncIterable<RowBatch>,
  signal?: AbortSignal,
  checksum?: ChecksumAccumulator,
): Promise<WriteResult> {
  const defs = columnsByName(table.name, table.columns, columns);
  const written = defs
    .map((d, i) => ({ name: d.name, index: i }))
    .filter((_, i) => defs[i]!.generatedSql === null);
  signal?.throwIfAborted();
  let statement: Statement;
  try {
    statement = cache.get(
      table.name,
      written.map((w) => w.name),
    );
  } catch (cause) {
    throw translateWriteError(cause, table.name, null, db);
  }
  const params: Cell[] = new Array(written.length);
  let rowsWritten = 0;
  let bytes = 0;
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (cause) {
    throw translateWriteError(cause, table.name, null, db);
  }
  try {
    for await (const batch of batches) {
      signal?.throwIfAborted();
      for (const row of batch.rows) {
        for (let i = 0; i < written.length; i++) params[i] = row[written[i]!.index] ?? null;
        try {
          statement.run(params);
        } catch (cause) {
          throw translateWriteError(
            cause,
            table.name,
            { names: written.map((w) => w.name), values: params },
            db,
          );
        }
        checksum?.add(row);
        rowsWritten++;
      }
      bytes += batch.bytes > 0 ? batch.bytes : batch.rows.reduce((n, r) => n + rowBytes(r), 0);
    }
    signal?.throwIfAborted();
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    // Errors of the batches' source (or the abort reason) travel unchanged.
    if (sqliteCode(error) === undefined) throw error;
    throw translateWriteError(error, table.name, null, db);
  }
  return { rowsWritten, bytes };
}

function largestCell(row: { names: string[]; values: Cell[] }): { column: string; length: number } | null {
  let best: { column: string; length: number } | null = null;
  row.values.forEach((v, i) => {
    const length = v === null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length;
    if (best === null || length > best.length) best = { column: row.names[i] ?? '?', length };
  });
  return best;
}

/** Driver error → FerryError: a full file, a value too large, or any other target error. */
export function translateWriteError(
  cause: unknown,
  table: string,
  row: { names: string[]; values: Cell[] } | null,
  db: SqliteDatabase,
): FerryError {
  if (cause instanceof FerryError) return cause;
  const code = sqliteCode(cause);
  const message = (cause as Error).message;
  if (code === 'SQLITE_FULL') {
    return new FerryError(
      'FERRY_DISK_FULL',
      `the SQLite file ${db.name} is full while writing table ${table} (disk full or max_page_count reached)`,
      {
        cause,
        details: { table, code },
      },
    );
  }
  // better-sqlite3 refuses a bound value over SQLite's length limit with a RangeError before SQLite
  // sees it; SQLite itself reports SQLITE_TOOBIG for a value or a whole row over the limit. Either
  // way the row's largest value is the one that does not fit.
  if (code === 'SQLITE_TOOBIG' || (cause instanceof RangeError && /too big/i.test(message))) {
    const largest = row === null ? null : largestCell(row);
    const where = largest === null ? `table ${table}` : `column ${largest.column} of table ${table}`;
    return new FerryError(
      'FERRY_VALUE_OUT_OF_RANGE',
      `a value of ${largest?.length ?? 'unknown'} bytes is too large for SQLite (${where}): ${message}`,
      { cause, details: { table, column: largest?.column, bytes: largest?.length, code } },
    );
  }
  return new FerryError('FERRY_TARGET_ERROR', `writing table ${table} failed: ${message}`, {
    cause,
    details: { table, code },
  });
}

export function deleteRows(db: SqliteDatabase, table: TargetTableDef, range: KeyRange): number {
  const { where, params } = rangeSql(table.name, table.columns, range);
  try {
    return db.prepare(`DELETE FROM ${quoteIdentifier(table.name)}${where}`).run(...params).changes;
  } catch (cause) {
    throw translateWriteError(cause, table.name, null, db);
  }
}
