// `ferry migration mappings MIGRATION`: show, set (from a YAML or JSON file) or clear the table
// mappings a migration's runs plan with (docs/table-mappings.md).

import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseDocument } from 'yaml';
import { FerryError } from '../../domain/errors.ts';
import {
  clearTableMappings,
  getTableMappings,
  setTableMappings,
  storedTableMappings,
  type TableMappingsView,
} from '../../services/table-mappings.ts';
import { print } from '../control-plane-session.ts';
import { withOperations, type OperationsFactory } from '../remote/operations.ts';
import type { GlobalOptions } from '../run-output.ts';

/** Local (the store) or remote (`--server`: GET/PUT/DELETE /api/v1/migrations/:id/table-mappings). */
interface TableMappingOperations {
  show(id: string): Promise<TableMappingsView>;
  set(id: string, value: unknown): Promise<TableMappingsView>;
  /** Answers whether there were mappings to remove. */
  clear(id: string): Promise<boolean>;
}

const path = (id: string) => `/migrations/${encodeURIComponent(id)}/table-mappings`;

const tableMappingOperations: OperationsFactory<TableMappingOperations> = {
  local: (cp) => ({
    show: (id) => getTableMappings(cp, id),
    set: (id, value) => setTableMappings(cp, id, value),
    clear: (id) => clearTableMappings(cp, id),
  }),
  remote: (api) => ({
    show: (id) => api.get<TableMappingsView>(path(id)),
    set: (id, value) => api.put<TableMappingsView>(path(id), value),
    clear: async (id) => (await api.delete<{ removed: boolean }>(path(id))).removed,
  }),
};

const example =
  'A mappings file (YAML; JSON with the same fields works too):\n\n' +
  '  version: 1\n' +
  '  excludeTables: [audit_log]            # not migrated at all\n' +
  '  tables:\n' +
  '    persons:\n' +
  '      rename: contacts                  # written as "contacts"\n' +
  '      excludeColumns: [phone]           # not carried\n' +
  '      moveColumns:                      # a new table keyed by the primary key of persons\n' +
  '        - into: contact_scores\n' +
  '          columns: [score, birth_date]\n\n' +
  'The mappings are checked against the installation’s source when they are set: unknown tables or\n' +
  'columns, primary-key columns, and two tables with one target name are refused. Diagnostic, test,\n' +
  'full and final runs plan with them; an incremental run after a change is refused until a full\n' +
  'reload applied it. They cannot change after go-live or while a run is active.\n\n' +
  'Examples:\n' +
  '  ferry migration mappings M --set mappings.yaml\n' +
  '  ferry migration mappings M            (show them, resolved against the source)\n' +
  '  ferry migration mappings M --clear';

/** Reads a mappings file: YAML (.yaml, .yml) or JSON (.json). Validation is the service's job. */
export async function readMappingsFile(path: string): Promise<unknown> {
  const file = resolve(path);
  const ext = extname(file).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(ext)) {
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `${file}: a mappings file must end in .yaml, .yml or .json`,
    );
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `${file} cannot be read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`,
      { cause },
    );
  }
  if (ext === '.json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new FerryError(
        'FERRY_TABLE_MAPPING_INVALID',
        `${file} is not valid JSON: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
  }
  const doc = parseDocument(text);
  const error = doc.errors[0];
  if (error !== undefined) {
    throw new FerryError(
      'FERRY_TABLE_MAPPING_INVALID',
      `${file} is not valid YAML: ${error.message.split('\n')[0] ?? ''}`,
      { cause: error },
    );
  }
  return doc.toJS() as unknown;
}

export function mappingLines(v: TableMappingsView): string[] {
  if (v.mappings === null)
    return [`${v.migrationId} has no table mappings: every table is carried as it is.`];
  const targets = v.tables.flatMap((t) => t.targets);
  return [
    `Table mappings of ${v.migrationId} (changed ${v.updatedAt ?? '?'}):`,
    ...v.summary.map((line) => `  ${line}`),
    ...(targets.length === 0 ? [] : ['Target tables and their columns:']),
    ...targets.map((t) => `  ${t.table}: ${t.columns.join(', ')}`),
  ];
}

export interface PlanTableMappings {
  updatedAt: string;
  summary: string[];
}

const planMappingOperations: OperationsFactory<{ get(id: string): Promise<PlanTableMappings | null> }> = {
  local: (cp) => ({
    get: async (id) => {
      const stored = await storedTableMappings(cp, id);
      return stored === null ? null : { updatedAt: stored.updatedAt, summary: stored.summary };
    },
  }),
  remote: (api) => ({
    get: async (id) =>
      (
        await api.get<{ tableMappings?: PlanTableMappings | null }>(
          `/migrations/${encodeURIComponent(id)}/plan`,
        )
      ).tableMappings ?? null,
  }),
};

/** The table mappings as `ferry migration plan` shows them under the activities (no source access). */
export function planTableMappings(g: GlobalOptions, id: string): Promise<PlanTableMappings | null> {
  return withOperations(g, planMappingOperations, (ops) => ops.get(id));
}

export function planMappingLines(m: PlanTableMappings | null): string[] {
  if (m === null) return ['Table mappings: none (every table is carried as it is)'];
  return [
    'Table mappings (`ferry migration mappings M` shows them in full):',
    ...m.summary.map((l) => `  ${l}`),
  ];
}

export function registerTableMappingCommand(migration: Command, global: () => GlobalOptions): void {
  migration
    .command('mappings')
    .summary('show, set or clear the table mappings: renames, excluded tables and columns, split tables')
    .description(
      'Table mappings say how the source’s tables land in the tenant. Without options: show them.\n\n' +
        example,
    )
    .argument('<migration>', 'migration id')
    .option('--set <file>', 'replace the mappings with those in a .yaml or .json file')
    .option('--show', 'show the mappings, resolved against the source (the default)', false)
    .option('--clear', 'remove the mappings: every table is carried as it is', false)
    .action(async (id: string, f: { set?: string; show: boolean; clear: boolean }) => {
      const g = global();
      if (f.set !== undefined && f.clear)
        throw new FerryError('FERRY_INVALID_ARGUMENT', 'give --set FILE or --clear, not both');
      // Read the file here, so `--server` sends its content and not a path on this machine.
      const value = f.set === undefined ? undefined : await readMappingsFile(f.set);
      await withOperations(g, tableMappingOperations, async (ops) => {
        if (f.clear) {
          const removed = await ops.clear(id);
          return print(
            g,
            { type: 'table-mappings', migrationId: id, mappings: null, removed },
            removed ? `Table mappings of ${id} removed.` : `${id} had no table mappings.`,
          );
        }
        const v = f.set === undefined ? await ops.show(id) : await ops.set(id, value);
        print(g, { type: 'table-mappings', ...v }, mappingLines(v));
      });
    });
}
