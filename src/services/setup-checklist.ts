// The setup checklist of a run: every table that did not reach the tenant and what must be set up
// there instead — the profile's excluded tables (permissions and the like, with the profile's
// setup text), the tables the migrator excluded in the migration's table mappings, tables the plan
// could not carry (a type Ferry cannot map) and tables that failed.
// `ferry setup-checklist RUN`, `GET /api/v1/runs/:runId/setup-checklist`, and the end of the
// `ferry run` report.

import { openSource } from '../connectors/registry.ts';
import { FerryError } from '../domain/errors.ts';
import type { TableResult } from '../domain/table-result.ts';
import type { RunRecord } from '../engine/run-store.ts';
import { excludedRuleFor } from '../profiles/common-checks.ts';
import type { ApplicationProfile } from '../profiles/profile.ts';
import type { ControlPlane } from './control-plane.ts';
import { readInstallation } from './installation-file.ts';
import { getMigration } from './migrations.ts';

export const setupItemCategories = ['excluded', 'excluded-by-mapping', 'not-carried', 'failed'] as const;
export type SetupItemCategory = (typeof setupItemCategories)[number];

export interface SetupChecklistItem {
  table: string;
  /**
   * excluded: by the application profile; excluded-by-mapping: by the migration's table mappings
   * (`excludeTables`); not-carried: the plan could not map it; failed: the run failed it.
   */
  category: SetupItemCategory;
  /** Why the table is not in the tenant. */
  reason: string;
  /** What must be set up (or done) in the tenant instead. */
  setup: string;
}

export interface SetupChecklist {
  runId: string;
  migrationId: string | null;
  items: SetupChecklistItem[];
}

const NOT_CARRIED_SETUP =
  'Create the table in the tenant and load its data another way, or change the offending columns in the source and run again.';
const FAILED_SETUP = 'Fix the cause named in the run report, then run `ferry resume RUN` or a new run.';
const MAPPING_REASON = "the migration's table mappings exclude it (excludeTables)";
const MAPPING_SETUP =
  'Create and fill it in the tenant if the cloud application needs it, or remove it from excludeTables (`ferry migration mappings MIGRATION`) and run again.';

/** Tables the run's table mappings excluded, among those it would otherwise have taken. */
function mappingExcludedTables(run: RunRecord, listed: ReadonlySet<string>): string[] {
  const named = run.options.mappings?.excludeTables ?? [];
  const scope = run.options.tables === undefined ? null : new Set(run.options.tables);
  return [...new Set(named)].filter((t) => !listed.has(t) && (scope === null || scope.has(t)));
}

/** Source tables the run left out that an excluded-table rule of the profile matches. */
async function excludedTables(
  cp: ControlPlane,
  run: RunRecord,
  profile: ApplicationProfile,
): Promise<string[]> {
  if (profile.excludedTables.length === 0) return [];
  const named = (run.options.exclude ?? []).filter(
    (t) => excludedRuleFor(profile.excludedTables, t) !== undefined,
  );
  if (run.options.tables === undefined || run.migrationId === null) return named;
  // The run took a list of tables (selected companies): the source says which excluded tables exist.
  try {
    const migration = await getMigration(cp, run.migrationId);
    const source = await openSource((await readInstallation(migration.installationPath)).database);
    try {
      const all = (await source.listTables()).map((t) => t.name);
      return [...new Set([...named, ...all.filter((t) => excludedRuleFor(profile.excludedTables, t))])];
    } finally {
      await source.close();
    }
  } catch {
    // The source is out of reach (archived, moved): the tables the run named are all we know.
    return named;
  }
}

function messagesOf(result: TableResult, level: 'error' | 'warning'): { text: string; guidance: string[] } {
  const own = result.messages.filter((m) => m.level === level);
  return {
    text: own.map((m) => m.text).join('; '),
    guidance: own.map((m) => m.guidance).filter((g): g is string => g !== undefined),
  };
}

export async function buildSetupChecklist(cp: ControlPlane, runId: string): Promise<SetupChecklist> {
  const run = await cp.store.getRun(runId);
  if (run === null)
    throw new FerryError('FERRY_RUN_NOT_FOUND', `there is no run ${runId} in this store`, {
      details: { runId },
    });
  const items: SetupChecklistItem[] = [];
  if (run.migrationId !== null) {
    const migration = await getMigration(cp, run.migrationId);
    const profile = await cp.profiles(migration.profileId);
    for (const table of await excludedTables(cp, run, profile)) {
      const rule = excludedRuleFor(profile.excludedTables, table)!;
      items.push({ table, category: 'excluded', reason: rule.reason, setup: rule.setup });
    }
  }
  // Excluded by the migrator: listed once even when the profile excludes the table too.
  for (const table of mappingExcludedTables(run, new Set(items.map((i) => i.table))))
    items.push({ table, category: 'excluded-by-mapping', reason: MAPPING_REASON, setup: MAPPING_SETUP });
  let results = await cp.store.listTableResults(runId);
  if (results.length === 0 && run.plan !== null) {
    // Results are saved when the run ends; until then the plan knows the tables it cannot carry.
    results = run.plan.tables
      .filter((t) => !t.copy)
      .map((t) => ({
        table: t.target.name,
        status: 'not-migrated',
        rowsRead: 0,
        rowsWritten: 0,
        rowsSkipped: 0,
        bytes: 0,
        durationMs: 0,
        messages: t.notes.map((n) => ({ ...n })),
      }));
  }
  for (const result of results) {
    if (result.status !== 'not-migrated' && result.status !== 'failed') continue;
    const { text, guidance } = messagesOf(result, 'error');
    const notCarried = result.status === 'not-migrated';
    items.push({
      table: result.table,
      category: notCarried ? 'not-carried' : 'failed',
      reason: text === '' ? (notCarried ? 'the plan could not carry the table' : 'the table failed') : text,
      setup: guidance.length > 0 ? guidance.join(' ') : notCarried ? NOT_CARRIED_SETUP : FAILED_SETUP,
    });
  }
  return { runId, migrationId: run.migrationId, items };
}

/** The checklist as text lines (CLI, end of the run report). */
export function renderSetupChecklist(checklist: SetupChecklist): string[] {
  if (checklist.items.length === 0)
    return [
      `Setup checklist of run ${checklist.runId}: every table reached the tenant; nothing to set up instead.`,
    ];
  const label: Record<SetupItemCategory, string> = {
    excluded: 'not migrated by design',
    'excluded-by-mapping': 'excluded by the table mappings',
    'not-carried': 'could not be carried',
    failed: 'failed',
  };
  const lines = [
    `Setup checklist of run ${checklist.runId}: ${checklist.items.length} table(s) are not in the tenant`,
  ];
  for (const item of checklist.items) {
    lines.push(`  [ ] ${item.table} — ${label[item.category]}: ${item.reason}`);
    lines.push(`      Set up instead: ${item.setup}`);
  }
  return lines;
}
