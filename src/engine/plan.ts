// The migration planner: pure. Source schemas and options in, a serialisable plan out — no I/O,
// so the same plan drives dry runs, diagnostic runs, tests and the executor.
//
// Table order: largest first (by estimated bytes), so the long tables start early and the short
// ones fill the gaps when copying in parallel. Target DDL is split into three phases so loading is
// fast: create bare tables → load → keys and indexes → foreign keys.
//
// Chunking (how a table is split into resumable, verifiable pieces):
//   integer-range  single-column integer primary key: key ranges computed from min/max up front;
//                  chunks of one table copy in parallel.
//   keyset         any other primary key (or a unique key over NOT NULL columns): chunks of
//                  `chunkRows` rows read in key order one after another; each chunk's upper key is
//                  recorded when it is done, so a resume continues after it.
//   whole-table    no usable key: the table is one chunk; a resume empties it on the target and
//                  copies it again. Verification still compares row count and checksum (the
//                  checksum does not depend on row order).

import { FerryError } from '../domain/errors.ts';
import { hasTableMappings, type TableMappings } from '../domain/table-mappings.ts';
import { mapTables, type MappedTable, type TablePlanMapping } from './table-mappings.ts';
import type {
  ColumnSchema,
  Dialect,
  TableSchema,
  TargetColumnDef,
  TargetDialect,
  TargetTableDef,
} from '../connectors/types.ts';

export type Chunking =
  { kind: 'integer-range'; column: string } | { kind: 'keyset'; key: string[] } | { kind: 'whole-table' };

export interface TablePlan {
  /**
   * What is read: the source table (its name), restricted to the columns this plan carries. Reads
   * go to `source.name`; chunks, checkpoints, table results and verification are keyed by
   * `target.name`, which is unique per plan (table mappings may split one source table in two).
   */
  source: TableSchema;
  target: TargetTableDef;
  /** Columns read from the source and written to the target, in order (same names on both sides). */
  copyColumns: string[];
  chunking: Chunking;
  /** False when the table cannot be carried; `messages` says why. */
  copy: boolean;
  /** Mapping notes (warnings) and reasons a table is not migrated. */
  notes: PlanNote[];
  ddl: { create: string[]; keys: string[]; foreignKeys: string[] };
  /** How the table mappings shaped this table; absent when they leave it as it is. */
  mapping?: TablePlanMapping;
}

export interface PlanNote {
  /** `info` notes (e.g. what the table mappings did) do not change the table's status. */
  level: 'info' | 'warning' | 'error';
  text: string;
  guidance?: string;
}

export interface MigrationPlan {
  sourceDialect: Dialect;
  targetDialect: Dialect;
  tables: TablePlan[];
  /** The table mappings the plan was made with (absent: none). */
  mappings?: TableMappings;
}

export interface PlanOptions {
  /** Only these tables (exact source names). */
  tables?: string[];
  /** Leave these tables out (exact source names). */
  exclude?: string[];
  /** Renames, excluded columns and tables, moved columns (domain/table-mappings.ts); validated here. */
  mappings?: TableMappings;
}

export function planMigration(
  sourceTables: TableSchema[],
  sourceDialect: Dialect,
  target: TargetDialect,
  options: PlanOptions = {},
): MigrationPlan {
  const byName = new Map(sourceTables.map((t) => [t.name, t]));
  const unknown = [...(options.tables ?? []), ...(options.exclude ?? [])].filter((n) => !byName.has(n));
  if (unknown.length > 0) {
    throw new FerryError(
      'FERRY_TABLE_NOT_FOUND',
      `the source has no table named ${unknown.map((n) => `"${n}"`).join(', ')}`,
      { details: { tables: unknown } },
    );
  }
  const include = options.tables === undefined ? null : new Set(options.tables);
  const exclude = new Set(options.exclude ?? []);
  const selected = sourceTables.filter(
    (t) => (include === null || include.has(t.name)) && !exclude.has(t.name),
  );
  const mappings = hasTableMappings(options.mappings) ? options.mappings! : null;

  const tables = mapTables(sourceTables, selected, mappings)
    .map((mapped) => planTable(mapped, sourceDialect, target))
    .sort(
      (a, b) =>
        b.source.estimatedBytes - a.source.estimatedBytes || a.target.name.localeCompare(b.target.name),
    );
  return {
    sourceDialect,
    targetDialect: target.dialect,
    tables,
    ...(mappings === null ? {} : { mappings }),
  };
}

function planTable(mapped: MappedTable, sourceDialect: Dialect, target: TargetDialect): TablePlan {
  // `table` is what is written (target name, carried columns, remaining keys); `mapped.read` what is read.
  const table = mapped.write;
  const notes: PlanNote[] = [...mapped.notes];
  const columns: TargetColumnDef[] = [];
  const unsupported: { column: string; reason: string }[] = [];
  for (const column of table.columns) {
    const mapping = target.mapColumn(column, sourceDialect);
    if (!mapping.ok) {
      unsupported.push({ column: column.name, reason: mapping.reason });
      continue;
    }
    columns.push(mapping.column);
    for (const text of mapping.notes)
      notes.push({ level: 'warning', text: `column "${column.name}": ${text}` });
  }
  for (const { column, reason } of unsupported) {
    notes.push({
      level: 'error',
      text: `column "${column}" (${nativeTypeOf(table, column)}) cannot be carried: ${reason}`,
      guidance: 'Convert the column in the source to a supported type, or exclude the table with --exclude.',
    });
  }
  // Foreign keys to tables that are not migrated were left out (with a note) by mapTables.
  const foreignKeys = table.foreignKeys;
  const targetDef: TargetTableDef = {
    name: table.name,
    columns,
    primaryKey: table.primaryKey,
    uniqueConstraints: table.uniqueConstraints,
    indexes: table.indexes,
    foreignKeys,
  };
  const copyColumns = columns.filter((c) => c.generatedSql === null).map((c) => c.name);
  const copy = unsupported.length === 0;
  if (table.primaryKey === null) {
    notes.push({
      level: 'warning',
      text: 'table has no primary key: copied as one chunk, and emptied and copied again on resume',
      guidance: 'Add a primary key in the source for parallel, resumable chunks.',
    });
  }
  return {
    source: mapped.read,
    target: targetDef,
    copyColumns,
    chunking: chooseChunking(table),
    copy,
    notes,
    ddl: copy
      ? {
          create: target.renderCreateTable(targetDef),
          keys: target.renderKeysAndIndexes(targetDef),
          foreignKeys: target.renderForeignKeys(targetDef),
        }
      : { create: [], keys: [], foreignKeys: [] },
    ...(mapped.mapping === undefined ? {} : { mapping: mapped.mapping }),
  };
}

function nativeTypeOf(table: TableSchema, column: string): string {
  return table.columns.find((c) => c.name === column)?.nativeType ?? 'unknown type';
}

function isChunkableColumn(column: ColumnSchema | undefined): boolean {
  return column !== undefined && column.generated === null && column.type.kind !== 'unsupported';
}

export function chooseChunking(table: TableSchema): Chunking {
  const col = (name: string) => table.columns.find((c) => c.name === name);
  const key = table.primaryKey;
  if (key !== null && key.length > 0 && key.every((k) => isChunkableColumn(col(k)))) {
    const first = col(key[0]!);
    if (key.length === 1 && first?.type.kind === 'integer') return { kind: 'integer-range', column: key[0]! };
    return { kind: 'keyset', key };
  }
  const unique = table.uniqueConstraints.find((u) =>
    u.columns.every((c) => {
      const column = col(c);
      return isChunkableColumn(column) && column?.nullable === false;
    }),
  );
  if (unique !== undefined) return { kind: 'keyset', key: unique.columns };
  return { kind: 'whole-table' };
}

/** The target table definition as a TableSchema, for reading and checksumming the target. */
export function targetTableSchema(plan: TablePlan): TableSchema {
  return {
    name: plan.target.name,
    columns: plan.target.columns.map((c) => ({
      name: c.name,
      nativeType: c.nativeType,
      type: c.type,
      nullable: c.nullable,
      default: null,
      autoIncrement: false,
      generated: c.generatedSql === null ? null : { expression: c.generatedSql, stored: true },
    })),
    primaryKey: plan.target.primaryKey,
    uniqueConstraints: plan.target.uniqueConstraints,
    indexes: plan.target.indexes,
    foreignKeys: plan.target.foreignKeys,
    estimatedRows: plan.source.estimatedRows,
    estimatedBytes: plan.source.estimatedBytes,
  };
}

export function chunkKey(chunking: Chunking): string[] {
  switch (chunking.kind) {
    case 'integer-range':
      return [chunking.column];
    case 'keyset':
      return chunking.key;
    case 'whole-table':
      return [];
    default: {
      const never: never = chunking;
      return never;
    }
  }
}
