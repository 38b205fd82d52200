// A SourceConnection over one MySQL / MariaDB session. The engine opens one per parallel worker and
// never calls one concurrently, so every method simply uses the session in turn.

import { isChangeTrackingTable } from '../change-log-keys.ts';
import type {
  Cell,
  ChangeTracking,
  ChunkChecksum,
  KeyRange,
  LineBatch,
  ReadOptions,
  ReadWarnings,
  RowBatch,
  SourceConnection,
  TableSchema,
} from '../types.ts';
import { MysqlChangeTracking } from './change-tracking.ts';
import { checksumRange } from './checksum.ts';
import type { MysqlSession } from './connection.ts';
import { quoteIdentifier } from './dialect.ts';
import { listTables } from './introspect.ts';
import { countRows, readKeys } from './key-set.ts';
import { readRange } from './read.ts';
import { readLines } from './read-lines.ts';

/** Canonical integer text ('00042' from a zerofill column → '42'). */
function integerText(text: string): string {
  return BigInt(text).toString();
}

export class MysqlSourceConnection implements SourceConnection {
  readonly dialect = 'mysql' as const;
  readonly location: string;
  readonly changeTracking: ChangeTracking;

  constructor(private readonly session: MysqlSession) {
    this.location = session.url.redacted;
    this.changeTracking = new MysqlChangeTracking(session);
  }

  async listTables(): Promise<TableSchema[]> {
    return (await listTables(this.session)).filter((t) => !isChangeTrackingTable(t.name));
  }

  readKeys(
    table: TableSchema,
    columns: string[],
    key: string[],
    keys: Cell[][],
    options: ReadOptions,
    warnings: ReadWarnings,
  ): AsyncIterable<RowBatch> {
    return readKeys(this.session, table, columns, key, keys, options, warnings);
  }

  countRows(table: string): Promise<number> {
    return countRows(this.session, table);
  }

  async integerKeyBounds(table: string, column: string): Promise<{ min: string; max: string } | null> {
    const c = quoteIdentifier(column);
    const rows = await this.session.queryText(
      `SELECT MIN(${c}), MAX(${c}) FROM ${quoteIdentifier(table)}`,
      [],
      table,
    );
    const [min, max] = rows[0] ?? [];
    if (min === null || min === undefined || max === null || max === undefined) return null;
    return { min: integerText(min), max: integerText(max) };
  }

  read(
    table: TableSchema,
    columns: string[],
    range: KeyRange,
    options: ReadOptions,
    warnings: ReadWarnings,
  ): AsyncIterable<RowBatch> {
    return readRange(this.session, table, columns, range, options, warnings);
  }

  readLines(
    table: TableSchema,
    columns: string[],
    range: KeyRange,
    options: ReadOptions,
    warnings: ReadWarnings,
  ): AsyncIterable<LineBatch> {
    return readLines(this.session, table, columns, range, options, warnings);
  }

  checksum(table: TableSchema, columns: string[], range: KeyRange): Promise<ChunkChecksum> {
    return checksumRange(this.session, table, columns, range);
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
