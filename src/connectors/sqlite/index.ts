// The SQLite connector: source and target. A connection holds one better-sqlite3 session on one
// file (a tenant is one SQLite file). better-sqlite3 is synchronous; the async methods only keep
// the shared contract.

import { FerryError } from '../../domain/errors.ts';
import type { ChecksumAccumulator } from '../canonical.ts';
import { isChangeTrackingTable } from '../change-log-keys.ts';
import type {
  Cell,
  ChangeTracking,
  ChunkChecksum,
  ConnectionUrl,
  Connector,
  KeyRange,
  ReadOptions,
  ReadWarnings,
  RowBatch,
  TableSchema,
  TargetConnection,
  TargetTableDef,
  WriteResult,
} from '../types.ts';
import { SqliteChangeTracking } from './change-tracking.ts';
import { checksumRange } from './checksum.ts';
import { openDatabase, sqliteCode } from './connection.ts';
import type { SqliteDatabase } from './connection.ts';
import { affinityOf, quoteIdentifier, sqliteSourceDialect, sqliteTargetDialect } from './dialect.ts';
import { listTables } from './introspect.ts';
import { countRows, deleteKeys, readKeys } from './key-set.ts';
import { readRange } from './read.ts';
import { insertMissingRows, updateCells } from './repair-writes.ts';
import { InsertCache, deleteRows, writeRows } from './write.ts';

export class SqliteConnection implements TargetConnection {
  readonly dialect = 'sqlite' as const;
  /** SQLite allows one writer per file at a time. */
  readonly maxConcurrentWriters = 1;
  readonly location: string;
  private readonly inserts: InsertCache;
  readonly changeTracking: ChangeTracking;

  constructor(
    private readonly db: SqliteDatabase,
    url: ConnectionUrl,
  ) {
    this.location = url.redacted;
    this.inserts = new InsertCache(db);
    this.changeTracking = new SqliteChangeTracking(db);
  }

  async listTables(): Promise<TableSchema[]> {
    return listTables(this.db).filter((t) => !isChangeTrackingTable(t.name));
  }

  readKeys(
    table: TableSchema,
    columns: string[],
    key: string[],
    keys: Cell[][],
    options: ReadOptions,
    warnings: ReadWarnings,
  ): AsyncIterable<RowBatch> {
    return readKeys(this.db, table, columns, key, keys, options, warnings);
  }

  async countRows(table: string): Promise<number> {
    return countRows(this.db, table);
  }

  async deleteKeys(table: TargetTableDef, key: string[], keys: Cell[][]): Promise<number> {
    return deleteKeys(this.db, table, key, keys);
  }

  async applyAsReplica(): Promise<void> {
    // A target is opened with foreign_keys = OFF (connection.ts): nothing to switch.
  }

  async integerKeyBounds(table: string, column: string): Promise<{ min: string; max: string } | null> {
    const q = quoteIdentifier(column);
    const info = this.db
      .prepare(`SELECT type FROM pragma_table_info(?) WHERE name = ?`)
      .get(table, column) as { type: string } | undefined;
    if (info === undefined) {
      throw new FerryError(
        'FERRY_SOURCE_TABLE_DROPPED',
        `table ${table} or its column ${column} no longer exists in the SQLite file`,
        {
          details: { table, column },
        },
      );
    }
    // Integers kept as TEXT (64-bit unsigned on a SQLite target) are ordered by (length, text).
    const order = affinityOf(info.type) === 'TEXT' ? `length(${q}), ${q}` : q;
    const desc = order
      .split(', ')
      .map((e) => `${e} DESC`)
      .join(', ');
    const t = quoteIdentifier(table);
    const first = this.db
      .prepare(`SELECT ${q} FROM ${t} WHERE ${q} IS NOT NULL ORDER BY ${order} LIMIT 1`)
      .pluck()
      .safeIntegers(true);
    const last = this.db
      .prepare(`SELECT ${q} FROM ${t} WHERE ${q} IS NOT NULL ORDER BY ${desc} LIMIT 1`)
      .pluck()
      .safeIntegers(true);
    const min = first.get() as bigint | number | string | undefined;
    const max = last.get() as bigint | number | string | undefined;
    if (min === undefined || max === undefined) return null;
    return { min: String(min), max: String(max) };
  }

  read(
    table: TableSchema,
    columns: string[],
    range: KeyRange,
    options: ReadOptions,
    warnings: ReadWarnings,
  ): AsyncIterable<RowBatch> {
    return readRange(this.db, table, columns, range, options, warnings);
  }

  async checksum(table: TableSchema, columns: string[], range: KeyRange): Promise<ChunkChecksum> {
    return checksumRange(this.db, table, columns, range);
  }

  async execute(statements: string[]): Promise<void> {
    this.inserts.clear();
    for (const sql of statements) {
      try {
        this.db.exec(sql);
      } catch (cause) {
        const code = sqliteCode(cause);
        throw new FerryError(
          code === 'SQLITE_FULL' ? 'FERRY_DISK_FULL' : 'FERRY_TARGET_ERROR',
          `statement failed on ${this.location}: ${(cause as Error).message}\n${sql}`,
          { cause, details: { code, sql } },
        );
      }
    }
  }

  async dropTables(tables: string[]): Promise<void> {
    await this.execute(tables.map((t) => `DROP TABLE IF EXISTS ${quoteIdentifier(t)}`));
  }

  write(
    table: TargetTableDef,
    columns: string[],
    batches: AsyncIterable<RowBatch>,
    signal?: AbortSignal,
    checksum?: ChecksumAccumulator,
  ): Promise<WriteResult> {
    return writeRows(this.db, this.inserts, table, columns, batches, signal, checksum);
  }

  async deleteRange(table: TargetTableDef, range: KeyRange): Promise<number> {
    return deleteRows(this.db, table, range);
  }

  async updateCells(table: TableSchema, key: string[], columns: string[], rows: Cell[][]): Promise<number> {
    return updateCells(this.db, table, key, columns, rows);
  }

  async insertMissingRows(
    base: { table: TableSchema; key: string[] },
    companion: { table: TableSchema; key: string[] },
    values: Record<string, Cell>,
  ): Promise<number> {
    return insertMissingRows(this.db, base, companion, values);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

export const sqliteConnector: Connector = {
  dialect: 'sqlite',
  sourceDialect: sqliteSourceDialect,
  targetDialect: sqliteTargetDialect,
  async openSource(url) {
    return new SqliteConnection(openDatabase(url, 'source'), url);
  },
  async openTarget(url) {
    return new SqliteConnection(openDatabase(url, 'target'), url);
  },
};

export { sqliteSourceDialect, sqliteTargetDialect } from './dialect.ts';
