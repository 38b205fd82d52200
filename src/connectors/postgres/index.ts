// The PostgreSQL connector: source and target. Tables live in the URL's schema (`?schema=`,
// default `public`); a target creates the schema when it does not exist.

import type {
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
import { checksum } from './checksum.ts';
import { closeSession, openSession, queryError, sqlState, type PgSession, type Role } from './connection.ts';
import { postgresSourceDialect, postgresTargetDialect, qualifiedName, quoteIdentifier } from './dialect.ts';
import { integerKeyBounds, listTables } from './introspect.ts';
import { readRows } from './read.ts';
import { deleteRange, dropTables, execute, writeRows } from './write.ts';

/** Parallel COPY writers per target; PostgreSQL scales well past this on ordinary hardware. */
export const POSTGRES_MAX_CONCURRENT_WRITERS = 8;

class PostgresConnection implements TargetConnection {
  readonly dialect = 'postgres' as const;
  readonly maxConcurrentWriters = POSTGRES_MAX_CONCURRENT_WRITERS;
  readonly location: string;

  constructor(
    private readonly session: PgSession,
    private readonly role: Role,
  ) {
    this.location = session.url.redacted;
  }

  listTables(): Promise<TableSchema[]> {
    return listTables(this.session, this.role);
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
  ): Promise<WriteResult> {
    return writeRows(this.session, table, columns, batches, signal);
  }

  deleteRange(table: TargetTableDef, range: KeyRange): Promise<number> {
    return deleteRange(this.session, table, range);
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
