// Applying table mappings when planning (pure): the source's tables in, one "mapped table" per
// target table out — what is read (the source table, restricted to the columns carried) and what
// is written (the target name, those columns, and the keys, indexes and foreign keys that still
// make sense). Without mappings every table maps to itself, so plans are what they always were.
//
//   rename          same rows and columns, another target name; foreign keys that reference the
//                   table point to the new name
//   excludeColumns  the columns are neither read nor written; indexes, unique constraints and
//                   foreign keys that use them are left out (with an info note)
//   moveColumns     a second mapped table reads the same source table (primary key + the moved
//                   columns) and writes the new table keyed by the same primary key, with a
//                   foreign key to the table the rows were split from; indexes and foreign keys
//                   over moved columns move along
//   excludeTables   the table is not planned at all

import type { ForeignKeySchema, IndexSchema, TableSchema } from '../connectors/types.ts';
import {
  validateTableMappings,
  type MappedTarget,
  type ResolvedSourceTable,
  type TableMappings,
} from '../domain/table-mappings.ts';
import { MAX_TARGET_NAME_LENGTH } from '../domain/table-mappings.ts';

/** A note the planner attaches to the table plan (same shape as plan.ts's PlanNote). */
export interface MappingNote {
  level: 'info' | 'warning' | 'error';
  text: string;
  guidance?: string;
}

/** How a table plan relates to the mappings; absent when the mappings leave the table as it is. */
export interface TablePlanMapping {
  /** The source table the rows are read from. */
  sourceTable: string;
  /** `table`: the source table itself, maybe renamed or with fewer columns; `moved-columns`: a split. */
  kind: 'table' | 'moved-columns';
  /** Source columns not carried at all. */
  excludedColumns: string[];
  /** Columns that went into other target tables (only on the `table` kind). */
  movedColumns: { into: string; columns: string[] }[];
}

export interface MappedTable {
  /** What the run reads: the source table (its name) restricted to the columns carried here. */
  read: TableSchema;
  /** What the run writes: target name, carried columns, keys, indexes and foreign keys. */
  write: TableSchema;
  notes: MappingNote[];
  mapping?: TablePlanMapping;
}

const within = (columns: readonly string[], set: ReadonlySet<string>) => columns.every((c) => set.has(c));

/**
 * Map the `selected` source tables through `mappings` (validated against every source table).
 * Foreign keys to tables that are not carried are left out with a warning, as they always were.
 */
export function mapTables(
  sourceTables: readonly TableSchema[],
  selected: readonly TableSchema[],
  mappings: TableMappings | null,
): MappedTable[] {
  const resolved = mappings === null ? null : validateTableMappings(mappings, sourceTables);
  const resolvedByName = new Map((resolved ?? []).map((r) => [r.sourceTable, r]));
  const identity = (t: TableSchema): ResolvedSourceTable => ({
    sourceTable: t.name,
    excluded: false,
    excludedColumns: [],
    targets: [{ table: t.name, sourceTable: t.name, kind: 'table', columns: t.columns.map((c) => c.name) }],
  });
  const plans = selected
    .map((t) => ({ table: t, resolved: resolvedByName.get(t.name) ?? identity(t) }))
    .filter((p) => !p.resolved.excluded);
  // Where each carried source table's own rows land, and which of its columns stay there.
  const mainTarget = new Map(
    plans.map((p) => [p.table.name, p.resolved.targets[0]!] satisfies [string, MappedTarget]),
  );
  const result: MappedTable[] = [];
  for (const { table, resolved: r } of plans) {
    const changed =
      r.excludedColumns.length > 0 || r.targets.length > 1 || r.targets[0]!.table !== table.name;
    for (const target of r.targets) {
      result.push(mapOne(table, r, target, mainTarget, changed));
    }
  }
  return result;
}

function mapOne(
  table: TableSchema,
  r: ResolvedSourceTable,
  target: MappedTarget,
  mainTarget: ReadonlyMap<string, MappedTarget>,
  changed: boolean,
): MappedTable {
  const notes: MappingNote[] = [];
  const columns = new Set(target.columns);
  const key = table.primaryKey ?? [];
  const moved = r.targets.slice(1);
  const movedColumns = new Set(moved.flatMap((m) => m.columns.filter((c) => !key.includes(c))));
  const isMain = target.kind === 'table';
  // An index belongs where all its columns are; a moved table takes those that use a moved column.
  const belongsHere = (cols: readonly string[]) =>
    within(cols, columns) && (isMain || cols.some((c) => !key.includes(c)));
  const leftOut = (what: string, cols: readonly string[]) => {
    if (!isMain) return;
    const missing = cols.filter((c) => !columns.has(c));
    if (missing.length === 0) return;
    const where = missing.every((c) => movedColumns.has(c))
      ? `moved to ${[...new Set(moved.filter((m) => missing.some((c) => m.columns.includes(c))).map((m) => `"${m.table}"`))].join(', ')}`
      : 'not carried (table mappings)';
    notes.push({ level: 'info', text: `${what} uses ${missing.map((c) => `"${c}"`).join(', ')}, ${where}` });
  };
  const keepIndexes = (indexes: IndexSchema[], kind: string): IndexSchema[] =>
    indexes.filter((i) => {
      if (belongsHere(i.columns)) return true;
      if (!within(i.columns, columns)) leftOut(`${kind} "${i.name}"`, i.columns);
      return false;
    });
  const uniqueConstraints = keepIndexes(table.uniqueConstraints, 'unique constraint');
  const indexes = keepIndexes(table.indexes, 'index');

  const foreignKeys: ForeignKeySchema[] = [];
  for (const fk of table.foreignKeys) {
    if (!belongsHere(fk.columns)) {
      if (!within(fk.columns, columns)) leftOut(`foreign key "${fk.name}"`, fk.columns);
      continue;
    }
    const referenced = mainTarget.get(fk.referencedTable);
    if (referenced === undefined) {
      notes.push({
        level: 'warning',
        text: `foreign key "${fk.name}" references "${fk.referencedTable}", which is not migrated; it is left out`,
      });
      continue;
    }
    if (!within(fk.referencedColumns, new Set(referenced.columns))) {
      notes.push({
        level: 'info',
        text: `foreign key "${fk.name}" references columns of "${fk.referencedTable}" that the table mappings move or exclude; it is left out`,
      });
      continue;
    }
    foreignKeys.push({ ...fk, referencedTable: referenced.table });
  }
  if (!isMain) {
    const main = mainTarget.get(table.name)!;
    foreignKeys.push({
      name: `${target.table}_${main.table}`.slice(0, MAX_TARGET_NAME_LENGTH - 3) + '_fk',
      columns: [...key],
      referencedTable: main.table,
      referencedColumns: [...key],
      onDelete: 'CASCADE',
      onUpdate: 'NO ACTION',
    });
    notes.push({
      level: 'info',
      text: `columns ${target.columns
        .filter((c) => !key.includes(c))
        .map((c) => `"${c}"`)
        .join(
          ', ',
        )} of source table "${table.name}", keyed by ${key.map((c) => `"${c}"`).join(', ')} (table mappings)`,
    });
  } else if (target.table !== table.name) {
    notes.push({ level: 'info', text: `source table "${table.name}", renamed (table mappings)` });
  }

  const restrict = (name: string): TableSchema => ({
    ...table,
    name,
    // Columns in the target's order, so reads, writes and checksums line up.
    columns: target.columns.map((c) => table.columns.find((s) => s.name === c)!),
    uniqueConstraints,
    indexes,
    foreignKeys,
  });
  const read = restrict(table.name);
  const mapping: TablePlanMapping | undefined = changed
    ? {
        sourceTable: table.name,
        kind: target.kind,
        excludedColumns: isMain ? [...r.excludedColumns] : [],
        movedColumns: isMain
          ? moved.map((m) => ({ into: m.table, columns: m.columns.filter((c) => !key.includes(c)) }))
          : [],
      }
    : undefined;
  return {
    read: { ...read, foreignKeys: table.foreignKeys.filter((fk) => within(fk.columns, columns)) },
    write: restrict(target.table),
    notes,
    ...(mapping === undefined ? {} : { mapping }),
  };
}
