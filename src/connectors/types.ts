// The connector contracts. Every folder under src/connectors/<dialect>/ implements these and
// nothing outside a connector folder branches on the dialect.
//
// Values travel as *canonical cells* (see canonical.ts): every non-binary value is the canonical
// text of its logical type, binary values are Buffers, NULL is null. Canonical text is what makes
// exact transfer (no JS numbers for 64-bit integers or decimals) and cross-dialect checksums work.

import type { ChecksumAccumulator } from './canonical.ts';

export type Dialect = 'postgres' | 'mysql' | 'sqlite';

/** The dialect-neutral vocabulary the planner maps between. */
export type LogicalType =
  | { kind: 'integer'; bits: 8 | 16 | 24 | 32 | 64; unsigned: boolean }
  | { kind: 'decimal'; precision: number | null; scale: number | null }
  | { kind: 'float'; bits: 32 | 64 }
  | { kind: 'boolean' }
  | { kind: 'text'; maxLength: number | null; fixed: boolean }
  | { kind: 'binary'; maxLength: number | null; fixed: boolean }
  | { kind: 'date' }
  | { kind: 'time'; fractionDigits: number }
  | { kind: 'timestamp'; fractionDigits: number; withTimeZone: boolean }
  | { kind: 'year' }
  | { kind: 'enum'; values: string[] }
  | { kind: 'set'; values: string[] }
  | { kind: 'json'; binary: boolean }
  | { kind: 'bit'; length: number }
  | { kind: 'uuid' }
  | { kind: 'interval' }
  /** A type Ferry cannot carry; `reason` is shown in the table result. */
  | { kind: 'unsupported'; reason: string };

export type LogicalKind = LogicalType['kind'];

export type ColumnDefault =
  /** A constant, as canonical text of the column's logical type. */
  | { kind: 'literal'; value: string }
  | { kind: 'current-timestamp' }
  /** Any other expression, in the source dialect's SQL; carried only between the same dialect. */
  | { kind: 'expression'; sql: string };

export interface ColumnSchema {
  name: string;
  /** The type as the source database spells it, e.g. `tinyint(1) unsigned`. */
  nativeType: string;
  type: LogicalType;
  nullable: boolean;
  default: ColumnDefault | null;
  autoIncrement: boolean;
  /** Generated (computed) column: expression in the source dialect's SQL. */
  generated: { expression: string; stored: boolean } | null;
}

export interface IndexSchema {
  name: string;
  columns: string[];
  unique: boolean;
}

export interface ForeignKeySchema {
  name: string;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  /** SQL referential actions: 'NO ACTION' | 'RESTRICT' | 'CASCADE' | 'SET NULL' | 'SET DEFAULT'. */
  onDelete: string;
  onUpdate: string;
}

export interface TableSchema {
  /** Unqualified table name, exactly as the database spells it (may contain `$`, spaces, capitals). */
  name: string;
  columns: ColumnSchema[];
  /** Primary key column names in key order, or null when the table has none. */
  primaryKey: string[] | null;
  uniqueConstraints: IndexSchema[];
  /** Indexes that are not the primary key and not a unique constraint. */
  indexes: IndexSchema[];
  foreignKeys: ForeignKeySchema[];
  /** From catalog statistics, never from COUNT(*): cheap and approximate. */
  estimatedRows: number;
  estimatedBytes: number;
}

export type Cell = string | Buffer | null;
export type Row = Cell[];

export interface RowBatch {
  rows: Row[];
  /** Approximate payload size of the batch in bytes (text length + buffer length). */
  bytes: number;
}

/**
 * A key range over a table's chunking key, in key order. `lower` is exclusive, `upper` inclusive;
 * null means unbounded. An empty `key` means "the whole table" (tables without a usable key).
 */
export interface KeyRange {
  key: string[];
  lower: Cell[] | null;
  upper: Cell[] | null;
}

/**
 * Rows already serialised: each row's canonical serialisation (canonical.ts — byte for byte a line
 * of PostgreSQL's COPY text format) followed by '\n'. A source that can have its database write
 * canonical text offers `readLines`, a target that loads COPY text offers `writeLines`; the engine
 * copies lines when both sides do (no cells are built in between) and canonical cells otherwise.
 */
export interface LineBatch {
  /** The lines, each ending in '\n'. */
  text: Buffer;
  /** Offset just past each line's '\n', one per row. */
  ends: Uint32Array;
  rows: number;
  /** Approximate payload size in bytes, as for RowBatch (the lines without separators). */
  bytes: number;
}

export interface ReadOptions {
  /** Maximum rows per yielded batch. */
  batchRows: number;
  /** Yield a batch early once its payload reaches this many bytes. */
  batchBytes: number;
  /** Stop after this many rows (keyset chunking of non-integer keys). */
  limit?: number;
  signal?: AbortSignal;
}

export interface ChunkChecksum {
  rows: number;
  /** Sum of the rows' 64-bit hashes as an unsigned decimal string (see canonical.ts). */
  sum: string;
}

/** Counters a reader adds to while it decodes; the engine turns them into table-result warnings. */
export interface ReadWarnings {
  /** Text values with invalid UTF-8 that were replaced with U+FFFD. */
  invalidUtf8: number;
  /** MySQL zero dates (`0000-00-00…`) carried as NULL. */
  zeroDates: number;
}

export interface SourceConnection {
  readonly dialect: Dialect;
  /** The URL with its password removed, safe to print. */
  readonly location: string;
  listTables(): Promise<TableSchema[]>;
  /** Lowest and highest key of a single-column integer key, as canonical text; null when empty. */
  integerKeyBounds(table: string, column: string): Promise<{ min: string; max: string } | null>;
  /** Stream `columns` of rows in `range`, ordered by the range's key (unordered when the key is empty). */
  read(
    table: TableSchema,
    columns: string[],
    range: KeyRange,
    options: ReadOptions,
    warnings: ReadWarnings,
  ): AsyncIterable<RowBatch>;
  /**
   * `read`, but as canonical lines written by the database itself (see LineBatch): same rows, same
   * order, same warnings, byte for byte the serialisation of what `read` yields.
   */
  readLines?(
    table: TableSchema,
    columns: string[],
    range: KeyRange,
    options: ReadOptions,
    warnings: ReadWarnings,
  ): AsyncIterable<LineBatch>;
  /** Row count and hash sum of `columns` over `range`, computed inside the database where it can. */
  checksum(table: TableSchema, columns: string[], range: KeyRange): Promise<ChunkChecksum>;
  /**
   * Stream `columns` of the rows whose `key` columns equal one of `keys` (canonical cells), in
   * batches of bound parameters; keys without a row yield nothing. Order is unspecified.
   */
  readKeys?(
    table: TableSchema,
    columns: string[],
    key: string[],
    keys: Cell[][],
    options: ReadOptions,
    warnings: ReadWarnings,
  ): AsyncIterable<RowBatch>;
  /** Exact row count of the table (COUNT(*)). */
  countRows?(table: string): Promise<number>;
  /** Trigger-based change tracking on this database, when the dialect offers it (incremental runs). */
  readonly changeTracking?: ChangeTracking;
  close(): Promise<void>;
}

/** A table whose changes are logged: the key columns identify a changed row ([] = the whole table). */
export interface TrackedTable {
  table: string;
  key: string[];
}

/** One entry of the change log: a row of `table` with this key was inserted, updated or deleted. */
export interface ChangeRecord {
  /** Position in the change log: an unsigned integer as canonical text, increasing with each change. */
  seq: string;
  table: string;
  /** The key's canonical cells; [] means "something in the table changed" (no usable key). */
  key: Cell[];
}

export interface ChangeTrackingStatus {
  installed: boolean;
  tables: TrackedTable[];
  /** Highest position written so far ('0' for an empty log). */
  lastSeq: string;
}

/**
 * Change tracking on a source: a log table `ferry_change_log` filled by AFTER INSERT/UPDATE/DELETE
 * triggers with the primary-key values of every changed row (an UPDATE that changes the key logs
 * the old and the new key). Installing is the one schema change Ferry makes to a source, and only
 * on request; `uninstallChangeTracking` removes every object it created.
 */
export interface ChangeTracking {
  /** Create the log (if missing) and (re)create the triggers of `tables` (schemas as introspected). */
  installChangeTracking(tables: TableSchema[]): Promise<TrackedTable[]>;
  /** Up to `limit` changes with `seq` > `afterSeq`, in `seq` order. */
  readChanges(afterSeq: string, limit: number): Promise<ChangeRecord[]>;
  uninstallChangeTracking(): Promise<void>;
  changeTrackingStatus(): Promise<ChangeTrackingStatus>;
}

export interface WriteResult {
  rowsWritten: number;
  bytes: number;
}

export interface TargetConnection extends SourceConnection {
  /** How many chunks may be written at once through separate connections (SQLite: 1). */
  readonly maxConcurrentWriters: number;
  /** Run DDL statements in order. Statements are rendered by the dialect's `TargetDialect`. */
  execute(statements: string[]): Promise<void>;
  /** Drop the named tables if they exist (with their dependent constraints). */
  dropTables(tables: string[]): Promise<void>;
  /**
   * Write rows streamed from `batches` into `table`'s `columns`, atomically: either all rows of
   * the call are committed or none is. Must apply backpressure (pull the next batch only after
   * the previous one was accepted). When `checksum` is given, every row written is added to it
   * (the canonical row hash), computed however is cheapest for this writer: the PostgreSQL writer
   * hashes the COPY lines it sends, which are the rows' canonical serialisations.
   */
  write(
    table: TargetTableDef,
    columns: string[],
    batches: AsyncIterable<RowBatch>,
    signal?: AbortSignal,
    checksum?: ChecksumAccumulator,
  ): Promise<WriteResult>;
  /** `write` for rows already serialised as canonical lines (see LineBatch); hashes each line. */
  writeLines?(
    table: TargetTableDef,
    columns: string[],
    batches: AsyncIterable<LineBatch>,
    signal?: AbortSignal,
    checksum?: ChecksumAccumulator,
  ): Promise<WriteResult>;
  /** Delete rows in `range` (used on resume before a chunk is rewritten). */
  deleteRange(table: TargetTableDef, range: KeyRange): Promise<number>;
  /** Delete the rows whose `key` columns equal one of `keys` (canonical cells); returns rows deleted. */
  deleteKeys?(table: TargetTableDef, key: string[], keys: Cell[][]): Promise<number>;
  /**
   * From now on this session applies changes as a replica: foreign keys are neither checked nor
   * cascaded (the source enforced them already; an incremental run deletes and re-inserts rows in
   * any table order). Best effort: without the privilege it changes nothing.
   */
  applyAsReplica?(): Promise<void>;
  /**
   * Set `columns` of existing rows of `table` (data repair on a loaded tenant: sanitize). Each row
   * is the `key` cells followed by the new values of `columns` (canonical cells); one bound-parameter
   * UPDATE per row, keyed by `key`, all rows of the call in one transaction. Returns rows updated.
   */
  updateCells(table: TableSchema, key: string[], columns: string[], rows: Cell[][]): Promise<number>;
  /**
   * Insert into `companion` one row for every row of `base` that has none (companion repair): the
   * companion's `companionKey` columns get the base row's `baseKey` values, column by column;
   * `values` (canonical cells, bound parameters) fill the companion's other listed columns, and its
   * unlisted columns take their defaults. One INSERT … SELECT … WHERE NOT EXISTS, so a second call
   * inserts nothing. Returns rows inserted.
   */
  insertMissingRows(
    base: { table: TableSchema; key: string[] },
    companion: { table: TableSchema; key: string[] },
    values: Record<string, Cell>,
  ): Promise<number>;
}

// ---- Planning (pure) -------------------------------------------------------------------------

export interface TargetColumnDef {
  name: string;
  /** Native type in the target dialect, e.g. `numeric(20,0)`. */
  nativeType: string;
  /** The logical type of the values written (the source column's). */
  type: LogicalType;
  nullable: boolean;
  /** Rendered default clause body in the target dialect, or null. */
  defaultSql: string | null;
  /** Generation expression in the target dialect when recreated as a generated column. */
  generatedSql: string | null;
}

export interface TargetTableDef {
  name: string;
  columns: TargetColumnDef[];
  primaryKey: string[] | null;
  uniqueConstraints: IndexSchema[];
  indexes: IndexSchema[];
  foreignKeys: ForeignKeySchema[];
}

export type ColumnMapping =
  { ok: true; column: TargetColumnDef; notes: string[] } | { ok: false; reason: string };

/** Pure, I/O-free knowledge of a dialect as a target: types and DDL. */
export interface TargetDialect {
  readonly dialect: Dialect;
  quoteIdentifier(name: string): string;
  /** Map one source column to a target column, or say why it cannot be carried. */
  mapColumn(column: ColumnSchema, sourceDialect: Dialect): ColumnMapping;
  /** CREATE TABLE without primary key, unique constraints, indexes or foreign keys. */
  renderCreateTable(table: TargetTableDef): string[];
  /** Primary key, unique constraints and indexes, added after the load. */
  renderKeysAndIndexes(table: TargetTableDef): string[];
  /** Foreign keys, added last (after every table is loaded and keyed). */
  renderForeignKeys(table: TargetTableDef): string[];
}

/** Pure knowledge of a dialect as a source. */
export interface SourceDialect {
  readonly dialect: Dialect;
  quoteIdentifier(name: string): string;
}

export interface Connector {
  readonly dialect: Dialect;
  readonly sourceDialect: SourceDialect;
  /** Null when the dialect cannot be a target (MySQL). */
  readonly targetDialect: TargetDialect | null;
  openSource(url: ConnectionUrl): Promise<SourceConnection>;
  /** Throws FERRY_TARGET_UNSUPPORTED when the dialect cannot be a target. */
  openTarget(url: ConnectionUrl): Promise<TargetConnection>;
}

export interface ConnectionUrl {
  dialect: Dialect;
  /** The URL as given, including any password. Never print it: use `redacted`. */
  raw: string;
  redacted: string;
  /** For SQLite: the file path. */
  path: string | null;
  host: string | null;
  port: number | null;
  user: string | null;
  password: string | null;
  database: string | null;
  /** PostgreSQL: the schema from `?schema=`, default `public`. */
  schema: string | null;
  params: Record<string, string>;
}
