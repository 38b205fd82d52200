// A migration's table mappings (docs/table-mappings.md): show, set, clear. Setting validates the
// mappings against the installation's source schema, so a mapping that names a missing table or
// column is refused when it is written, not when a run starts. Runs read them through
// `tableMappingsForRun` and plan with them; an incremental run reuses the plan of the load it
// follows, so it refuses to run when the mappings changed since (a full reload applies them).

import { openSource } from '../connectors/registry.ts';
import type { TableSchema } from '../connectors/types.ts';
import { FerryError } from '../domain/errors.ts';
import { assertNoActiveRun, assertNotEnded } from '../domain/migration-rules.ts';
import {
  describeTableMappings,
  hasTableMappings,
  parseTableMappings,
  summarizeTableMappings,
  validateTableMappings,
  type ResolvedSourceTable,
  type TableMappings,
} from '../domain/table-mappings.ts';
import type { MigrationPlan } from '../engine/plan.ts';
import { TableMappingRepository } from '../store/table-mapping-repository.ts';
import { type ControlPlane, migrationsRepo, nowIso } from './control-plane.ts';
import { readInstallation } from './installation-file.ts';
import { getMigration, loadFacts } from './migrations.ts';

export interface TableMappingsView {
  migrationId: string;
  /** Null when the migration has none: every table is carried as it is. */
  mappings: TableMappings | null;
  updatedAt: string | null;
  /** The mappings in words: `persons → contacts without phone`, `+ contact_scores (…)`. */
  summary: string[];
  /** Per source table the mappings change: its target tables with their columns (source resolved). */
  tables: ResolvedSourceTable[];
}

function repo(cp: ControlPlane): TableMappingRepository {
  return new TableMappingRepository(cp.store.kysely);
}

async function sourceTables(cp: ControlPlane, migrationId: string): Promise<TableSchema[]> {
  const migration = await getMigration(cp, migrationId);
  const installation = await readInstallation(migration.installationPath);
  const source = await openSource(installation.database);
  try {
    return await source.listTables();
  } finally {
    await source.close();
  }
}

function changedOnly(resolved: ResolvedSourceTable[]): ResolvedSourceTable[] {
  return resolved.filter(
    (r) =>
      r.excluded ||
      r.excludedColumns.length > 0 ||
      r.targets.length > 1 ||
      r.targets.some((t) => t.kind === 'table' && t.table !== r.sourceTable),
  );
}

function view(
  migrationId: string,
  mappings: TableMappings | null,
  updatedAt: string | null,
  resolved: ResolvedSourceTable[],
): TableMappingsView {
  const changed = changedOnly(resolved);
  return {
    migrationId,
    mappings,
    updatedAt,
    summary: mappings === null ? [] : describeTableMappings(changed),
    tables: changed,
  };
}

/** The stored mappings, without touching the source (plan views, run preparation). */
export async function storedTableMappings(
  cp: ControlPlane,
  migrationId: string,
): Promise<{ mappings: TableMappings; updatedAt: string; summary: string[] } | null> {
  await getMigration(cp, migrationId);
  const stored = await repo(cp).get(migrationId);
  if (stored === null) return null;
  return {
    mappings: stored.mappings,
    updatedAt: stored.updatedAt,
    summary: summarizeTableMappings(stored.mappings),
  };
}

/** The mappings, resolved against the source: what each changed source table becomes. */
export async function getTableMappings(cp: ControlPlane, migrationId: string): Promise<TableMappingsView> {
  await getMigration(cp, migrationId);
  const stored = await repo(cp).get(migrationId);
  if (stored === null) return view(migrationId, null, null, []);
  const resolved = validateTableMappings(stored.mappings, await sourceTables(cp, migrationId));
  return view(migrationId, stored.mappings, stored.updatedAt, resolved);
}

async function assertMappingsEditable(cp: ControlPlane, migrationId: string, what: string): Promise<void> {
  const migration = await getMigration(cp, migrationId);
  const facts = await loadFacts(migrationsRepo(cp), migration);
  // After go-live nothing changes; an abandoned migration is over.
  assertNotEnded(facts, what);
  // A run in flight planned with the old mappings; changing them under it would mislead its report.
  assertNoActiveRun(facts, what, await migrationsRepo(cp).activeRun(migration));
}

/**
 * Replace the migration's mappings with `value` (a parsed YAML/JSON document or request body).
 * Validated against the installation's source schema; empty mappings clear them.
 */
export async function setTableMappings(
  cp: ControlPlane,
  migrationId: string,
  value: unknown,
): Promise<TableMappingsView> {
  const mappings = parseTableMappings(value);
  await assertMappingsEditable(cp, migrationId, 'changing the table mappings');
  const resolved = validateTableMappings(mappings, await sourceTables(cp, migrationId));
  if (!hasTableMappings(mappings)) {
    await repo(cp).remove(migrationId);
    return view(migrationId, null, null, []);
  }
  const at = nowIso(cp);
  await repo(cp).put(migrationId, mappings, at);
  return view(migrationId, mappings, at, resolved);
}

/** Remove the mappings: the next run carries every table as it is. True when there were any. */
export async function clearTableMappings(cp: ControlPlane, migrationId: string): Promise<boolean> {
  await assertMappingsEditable(cp, migrationId, 'clearing the table mappings');
  return repo(cp).remove(migrationId);
}

/** The mappings a run of the migration plans with (undefined: none). */
export async function tableMappingsForRun(
  cp: ControlPlane,
  migrationId: string,
): Promise<TableMappings | undefined> {
  const stored = await repo(cp).get(migrationId);
  return stored === null || !hasTableMappings(stored.mappings) ? undefined : stored.mappings;
}

/**
 * An incremental run reuses the plan of the load it follows. When the mappings changed since that
 * plan was made, the incremental run would write the old shape: refuse, and say what to do.
 */
export function assertMappingsUnchangedSince(
  migrationId: string,
  previous: { id: string; plan: MigrationPlan | null },
  current: TableMappings | undefined,
): void {
  const before = canonicalJson(previous.plan?.mappings ?? null);
  const now = canonicalJson(current ?? null);
  if (before === now) return;
  throw new FerryError(
    'FERRY_ILLEGAL_TRANSITION',
    `migration ${migrationId}: the table mappings changed since run ${previous.id} loaded the tenant, so an incremental run (which applies changes to the tables that run created) cannot honour them`,
    {
      hint: 'Start a full reload (`ferry run MIGRATION --kind test` or `--kind full`) to apply the new mappings, or restore the previous mappings.',
      details: { migrationId, previousRunId: previous.id },
    },
  );
}

/** JSON with object keys sorted, so two equal mappings compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
