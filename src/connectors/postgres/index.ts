// The PostgreSQL connector: source and target. Tables live in the URL's schema (`?schema=`,
// default `public`); a target creates the schema when it does not exist.

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
  LineBatch,
  RowBatch,
  TableSchema,
  TargetConnection,
  TargetTableDef,
  WriteResult,
} from '../types.ts';
import { PostgresChangeTracking } from './change-tracking.ts';
import { checksum } from './checksum.ts';
import { closeSession, openSession, queryError, sqlState, type PgSession, type Role } from './connection.ts';
import { postgresSourceDialect, postgresTargetDialect, qualifiedName, quoteIdentifier } from './dialect.ts';
import { integerKeyBounds, listTables } from './introspect.ts';
import { countRows, deleteKeys, readKeys } from './key-set.ts';
import { readRows } from './read.ts';
import { readLines } from './read-lines.ts';
import { insertMissingRows, updateCells } from './repair-writes.ts';
import { deleteRange, dropTables, execute, writeLines, writeRows } from './write.ts';

/** Parallel COPY writers per target; PostgreSQL scales well past this on ordinary hardware. */
export const POSTGRES_MAX_CONCURRENT_WRITERS = 8;

class PostgresConnection implements TargetConnection {
  readonly dialect = 'postgres' as const;
  readonly maxConcurrentWriters = POSTGRES_MAX_CONCURRENT_WRITERS;
  readonly location: string;
  readonly changeTracking: ChangeTracking;

  constructor(
    private readonly session: PgSession,
    private readonly role: Role,
  ) {
    this.location = session.url.redacted;
    this.changeTracking = new PostgresChangeTracking(session);
  }

  async listTables(): Promise<TableSchema[]> {
    return (await listTables(this.session, this.role)).filter((t) => !isChangeTrackingTable(t.name));
  }

  readKeys(
    table: TableSchema,
    columns: string[],
    key: string[],
    keys: Cell[][],
    options: ReadOptions,
    warnings: ReadWarnings,
  ): AsyncIterable<RowBatch> {
    return readKeys(this.session, this.role, table, columns, key, keys, options, warnings);
  }

  countRows(table: string): Promise<number> {
    return countRows(this.session, this.role, table);
  }

  deleteKeys(table: TargetTableDef, key: string[], keys: Cell[][]): Promise<number> {
    return deleteKeys(this.session, table, key, keys);
  }

  async applyAsReplica(): Promise<void> {
    // Needs superuser (or PG 15's SET privilege on the parameter); without it FKs stay enforced.
    await this.session.client.query('SET session_replication_role = replica').catch(() => undefined);
  }

  integerKeyBounds(table: string, column: string): Promise<{ min: string; max: string } | null> {
    return integerKeyBounds(
      this.session,
      this.role,
      qualifiedName(this.session.schema, table),
      quoteIdentifier(column),
    );
  }

  read(
    table: TableSchema,
    columns: string[],
    range: KeyRange,
    options: ReadOptions,
    warnings: ReadWarnings,
  ): AsyncIterable<RowBatch> {
    return readRows(this.session, this.role, table, columns, range, options, warnings);
  }

  readLines(
    table: TableSchema,
    columns: string[],
    range: KeyRange,
    options: ReadOptions,
  ): AsyncIterable<LineBatch> {
    return readLines(this.session, this.role, table, columns, range, options);
  }

  checksum(table: TableSchema, columns: string[], range: KeyRange): Promise<ChunkChecksum> {
    return checksum(this.session, this.role, table, columns, range);
  }

  execute(statements: string[]): Promise<void> {
    return execute(this.session, statements);
  }

  dropTables(tables: string[]): Promise<void> {
    return dropTables(this.session, tables);
  }

  write(
    table: TargetTableDef,
    columns: string[],
    batches: AsyncIterable<RowBatch>,
    signal?: AbortSignal,
    checksum?: ChecksumAccumulator,
  ): Promise<WriteResult> {
    return writeRows(this.session, table, columns, batches, signal, checksum);
  }

  writeLines(
    table: TargetTableDef,
    columns: string[],
    batches: AsyncIterable<LineBatch>,
    signal?: AbortSignal,
    checksum?: ChecksumAccumulator,
  ): Promise<WriteResult> {
    return writeLines(this.session, table, columns, batches, signal, checksum);
  }

  deleteRange(table: TargetTableDef, range: KeyRange): Promise<number> {
    return deleteRange(this.session, table, range);
  }

  updateCells(table: TableSchema, key: string[], columns: string[], rows: Cell[][]): Promise<number> {
    return updateCells(this.session, table, key, columns, rows);
  }

  insertMissingRows(
    base: { table: TableSchema; key: string[] },
    companion: { table: TableSchema; key: string[] },
    values: Record<string, Cell>,
  ): Promise<number> {
    return insertMissingRows(this.session, base, companion, values);
  }

  close(): Promise<void> {
    return closeSession(this.session);
  }
}

export const postgresConnector: Connector = {
  dialect: 'postgres',
  sourceDialect: postgresSourceDialect,
  targetDialect: postgresTargetDialect,
  async openSource(url: ConnectionUrl) {
    return new PostgresConnection(await openSession(url, 'source'), 'source');
  },
  async openTarget(url: ConnectionUrl) {
    const session = await openSession(url, 'target');
    try {
      await session.client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(session.schema)}`);
    } catch (error) {
      // Workers opening the same new tenant at once race to create the schema; losing is fine.
      if (sqlState(error) === '23505' || sqlState(error) === '42P06')
        return new PostgresConnection(session, 'target');
      await closeSession(session);
      throw queryError(error, session, 'target', `creating schema "${session.schema}"`);
    }
    return new PostgresConnection(session, 'target');
  },
};
