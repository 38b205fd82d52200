// Table mappings: how the source's tables land in the tenant, declared once per migration and
// stored with it. Three things can be said about a source table, plus one about the whole source:
//
//   rename         the table is written under another name
//   excludeColumns these columns are not carried
//   moveColumns    these columns go into a new table keyed by the same primary key (a split)
//   excludeTables  these tables are not carried at all
//
// In YAML (the file `ferry migration mappings M --set FILE` reads):
//
//   version: 1
//   excludeTables: [audit_log]
//   tables:
//     persons:
//       rename: contacts
//       excludeColumns: [phone]
//       moveColumns:
//         - into: contact_scores
//           columns: [score, birth_date]
//
// Pure: the zod schema, the validation against a source schema and the resolution into "which
// target tables, with which columns, read from which source table". No I/O.

import { z } from 'zod';
import { FerryError } from './errors.ts';

/** PostgreSQL truncates longer identifiers; a target name must survive every target unchanged. */
export const MAX_TARGET_NAME_LENGTH = 63;

const name = z.string().min(1, 'must not be empty');

const moveColumnsSchema = z
  .object({
    /** The new table: the primary key columns of the source table plus `columns`. */
    into: name.max(MAX_TARGET_NAME_LENGTH, `must be at most ${MAX_TARGET_NAME_LENGTH} characters`),
    columns: z.array(name).min(1, 'must name at least one column'),
  })
  .strict();

const tableMappingSchema = z
  .object({
    rename: name
      .max(MAX_TARGET_NAME_LENGTH, `must be at most ${MAX_TARGET_NAME_LENGTH} characters`)
      .optional(),
    excludeColumns: z.array(name).optional(),
    moveColumns: z.array(moveColumnsSchema).optional(),
  })
  .strict();

export const tableMappingsSchema = z
  .object({
    /** Format version; 1 is the only one so far. */
    version: z.literal(1).default(1),
    /** Per source table (exact name): rename, excluded columns, moved columns. */
    tables: z.record(name, tableMappingSchema).default({}),
    /** Source tables that are not carried at all. */
    excludeTables: z.array(name).default([]),
  })
  .strict();

export type TableMappings = z.infer<typeof tableMappingsSchema>;
export type TableMapping = z.infer<typeof tableMappingSchema>;

/** What validation needs to know about a source table (a connector's TableSchema fits). */
export interface SourceTableShape {
  name: string;
  columns: readonly { name: string; generated?: unknown }[];
  primaryKey: readonly string[] | null;
}

/** One table the mappings produce on the target, and where its rows come from. */
export interface MappedTarget {
  /** Target table name (unique among all targets, compared case-insensitively). */
  table: string;
  /** Source table the rows are read from. */
  sourceTable: string;
  /** `table`: the source table itself (maybe renamed, maybe with fewer columns); `moved-columns`: a split. */
  kind: 'table' | 'moved-columns';
  /** Columns read from the source and written to the target, in source order (same names on both sides). */
  columns: string[];
}

/** Per source table: what becomes of it. */
export interface ResolvedSourceTable {
  sourceTable: string;
  excluded: boolean;
  excludedColumns: string[];
  /** The table itself first (unless excluded), then its moved-columns tables. */
  targets: MappedTarget[];
}

const emptyMappings: TableMappings = { version: 1, tables: {}, excludeTables: [] };

export function noTableMappings(): TableMappings {
  return structuredClone(emptyMappings);
}

export function hasTableMappings(m: TableMappings | null | undefined): boolean {
  return m != null && (m.excludeTables.length > 0 || Object.keys(m.tables).length > 0);
}

function invalid(problem: string, hint: string, details: Record<string, unknown> = {}): FerryError {
  return new FerryError('FERRY_TABLE_MAPPING_INVALID', `table mappings: ${problem}`, { hint, details });
}

/** Parse an untrusted value (a parsed YAML/JSON file, a request body) into mappings, or throw naming the field. */
export function parseTableMappings(value: unknown): TableMappings {
  const result = tableMappingsSchema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const field = [...issue.path, issue.keys[0] ?? ''].join('.');
    throw invalid(
      `field "${field}" is not a known field`,
      'Known fields: version, excludeTables, tables.<table>.rename, .excludeColumns, .moveColumns[].into/.columns.',
      { field },
    );
  }
  const field = issue === undefined || issue.path.length === 0 ? '(top level)' : issue.path.join('.');
  throw invalid(
    `field "${field}": ${issue?.message ?? 'is invalid'}`,
    'See docs/table-mappings.md for the format.',
    {
      field,
    },
  );
}

/**
 * Check the mappings against the source's tables; throws FERRY_TABLE_MAPPING_INVALID naming the
 * table or column and what to do. Returns what each source table becomes (validated).
 */
export function validateTableMappings(
  mappings: TableMappings,
  sourceTables: readonly SourceTableShape[],
): ResolvedSourceTable[] {
  const byName = new Map(sourceTables.map((t) => [t.name, t]));
  const known = (table: string) => {
    if (!byName.has(table)) {
      throw invalid(
        `the source has no table named "${table}"`,
        'Use the exact table name as the source spells it (`ferry migrate --dry-run` lists them), or remove the entry.',
        { table },
      );
    }
  };
  const excluded = new Set<string>();
  for (const table of mappings.excludeTables) {
    known(table);
    if (excluded.has(table))
      throw invalid(`table "${table}" is listed twice in excludeTables`, 'List each table once.', { table });
    excluded.add(table);
  }
  for (const [table, mapping] of Object.entries(mappings.tables)) {
    known(table);
    if (excluded.has(table)) {
      throw invalid(
        `table "${table}" is in excludeTables and also has a mapping`,
        `Remove "${table}" from excludeTables to carry it, or remove its entry under tables.`,
        { table },
      );
    }
    checkColumns(byName.get(table)!, mapping);
  }

  const resolved = sourceTables.map((t) => resolveTable(t, mappings.tables[t.name], excluded.has(t.name)));
  // Every target name is unique. SQLite compares table names case-insensitively, so Ferry does too.
  const owners = new Map<string, MappedTarget>();
  for (const target of resolved.flatMap((r) => r.targets)) {
    const id = target.table.toLowerCase();
    const other = owners.get(id);
    if (other === undefined) {
      owners.set(id, target);
      continue;
    }
    throw collision(target, other);
  }
  return resolved;
}

function checkColumns(table: SourceTableShape, mapping: TableMapping): void {
  const columns = new Map(table.columns.map((c) => [c.name, c]));
  const key = new Set(table.primaryKey ?? []);
  const seen = new Map<string, string>();
  const check = (column: string, role: string) => {
    if (!columns.has(column)) {
      throw invalid(
        `table "${table.name}" has no column "${column}" (${role})`,
        `Use the exact column name; "${table.name}" has ${[...columns.keys()].map((c) => `"${c}"`).join(', ')}.`,
        { table: table.name, column },
      );
    }
    if (key.has(column)) {
      throw invalid(
        `column "${column}" of table "${table.name}" is part of its primary key and cannot be ${role === 'excludeColumns' ? 'excluded' : 'moved'}`,
        'Primary key columns stay in the table (moved columns get them too, as their key); remove the column from the mapping.',
        { table: table.name, column },
      );
    }
    const earlier = seen.get(column);
    if (earlier !== undefined) {
      throw invalid(
        `column "${column}" of table "${table.name}" is named twice (${earlier} and ${role})`,
        'A column is either excluded or moved into one table; name it once.',
        { table: table.name, column },
      );
    }
    seen.set(column, role);
  };
  for (const column of mapping.excludeColumns ?? []) check(column, 'excludeColumns');
  for (const [i, move] of (mapping.moveColumns ?? []).entries()) {
    if (table.primaryKey === null || table.primaryKey.length === 0) {
      throw invalid(
        `table "${table.name}" has no primary key, so its columns cannot be moved into "${move.into}"`,
        'A moved-columns table is keyed by the source primary key; add a primary key in the source or exclude the columns instead.',
        { table: table.name },
      );
    }
    for (const column of move.columns) {
      check(column, `moveColumns[${i}]`);
      if (columns.get(column)?.generated != null) {
        throw invalid(
          `column "${column}" of table "${table.name}" is a generated column and cannot be moved`,
          'Its expression refers to columns of its own table; exclude it instead, or leave it in place.',
          { table: table.name, column },
        );
      }
    }
  }
}

function resolveTable(
  table: SourceTableShape,
  mapping: TableMapping | undefined,
  excluded: boolean,
): ResolvedSourceTable {
  const excludedColumns = mapping?.excludeColumns ?? [];
  if (excluded) return { sourceTable: table.name, excluded: true, excludedColumns: [], targets: [] };
  const moved = new Set((mapping?.moveColumns ?? []).flatMap((m) => m.columns));
  const dropped = new Set(excludedColumns);
  const key = table.primaryKey ?? [];
  const targets: MappedTarget[] = [
    {
      table: mapping?.rename ?? table.name,
      sourceTable: table.name,
      kind: 'table',
      columns: table.columns.map((c) => c.name).filter((c) => !moved.has(c) && !dropped.has(c)),
    },
  ];
  for (const move of mapping?.moveColumns ?? []) {
    const wanted = new Set([...key, ...move.columns]);
    targets.push({
      table: move.into,
      sourceTable: table.name,
      kind: 'moved-columns',
      // Key first, then the moved columns in source order: reads well and keeps the key leading.
      columns: [...key, ...table.columns.map((c) => c.name).filter((c) => wanted.has(c) && !key.includes(c))],
    });
  }
  return { sourceTable: table.name, excluded: false, excludedColumns: [...excludedColumns], targets };
}

function collision(target: MappedTarget, other: MappedTarget): FerryError {
  const describe = (t: MappedTarget) =>
    t.kind === 'moved-columns'
      ? `the columns moved out of "${t.sourceTable}"`
      : t.table === t.sourceTable
        ? `the source table "${t.sourceTable}" (kept under its name)`
        : `table "${t.sourceTable}" (renamed)`;
  const named =
    target.table === other.table
      ? `target table "${target.table}"`
      : `target tables "${other.table}" and "${target.table}" (the same name when case is ignored)`;
  return invalid(
    `${named} would be written twice: by ${describe(other)} and by ${describe(target)}`,
    'Every target table name must be unique (case-insensitively): choose another name for the rename or the moved columns, or exclude or rename the existing table.',
    { table: target.table, sources: [other.sourceTable, target.sourceTable] },
  );
}

/** The source → target lines a plan shows: only tables the mappings change. */
export function describeTableMappings(resolved: readonly ResolvedSourceTable[]): string[] {
  const lines: string[] = [];
  for (const r of resolved) {
    const [own, ...moved] = r.targets;
    const changed =
      r.excluded ||
      r.excludedColumns.length > 0 ||
      moved.length > 0 ||
      (own !== undefined && own.table !== r.sourceTable);
    if (!changed) continue;
    if (r.excluded) {
      lines.push(`${r.sourceTable} → not migrated (excluded)`);
      continue;
    }
    const parts = [`${r.sourceTable} → ${own!.table}`];
    if (r.excludedColumns.length > 0) parts.push(`without ${r.excludedColumns.join(', ')}`);
    lines.push(parts.join(' '));
    for (const m of moved)
      lines.push(`  + ${m.table} (${m.columns.join(', ')}) keyed by the primary key of ${r.sourceTable}`);
  }
  return lines;
}

/** The mappings in words, without the source schema (for the plan view): one line per change. */
export function summarizeTableMappings(m: TableMappings): string[] {
  const lines: string[] = [];
  for (const [table, mapping] of Object.entries(m.tables)) {
    const parts = [`${table} → ${mapping.rename ?? table}`];
    if ((mapping.excludeColumns ?? []).length > 0)
      parts.push(`without ${mapping.excludeColumns!.join(', ')}`);
    lines.push(parts.join(' '));
    for (const move of mapping.moveColumns ?? [])
      lines.push(`  + ${move.into} (${move.columns.join(', ')}) keyed by the primary key of ${table}`);
  }
  for (const table of m.excludeTables) lines.push(`${table} → not migrated (excluded)`);
  return lines;
}
