// Sanitize: invalid characters in text columns (profiles/invalid-text.ts says which), found on the
// source or in a diagnostic run's scratch copy, and fixed only in the tenant copy — never in the
// source, which Ferry changes only through a check's fix on an operator's explicit request.
//
//   find  `ferry sanitize MIGRATION --find`: reads the source (the tables a run migrates) and
//         counts per table and column; a diagnostic run also counts them in its scratch copy and
//         stores the counts as warnings in its table results.
//   fix   `ferry sanitize MIGRATION --fix`: rewrites the offending values in the loaded tenant with
//         the sanitize rule (delete the invisible characters, trim trailing whitespace), by primary
//         key in pages; also after every test, full and final run when the migration's
//         `sanitizeOnLoad` setting is on (`--on-load on`), reported in that run's table results.

import { openSource, openTarget } from '../connectors/registry.ts';
import type { TableSchema } from '../connectors/types.ts';
import { FerryError } from '../domain/errors.ts';
import { statusFromMessages, type TableMessage, type TableResult } from '../domain/table-result.ts';
import type { RunOutcome } from '../engine/execute-run.ts';
import {
  findInvalidText,
  fixInvalidText,
  type InvalidTextCount,
  type SanitizedColumn,
} from '../engine/sanitize-text.ts';
import { excludedRuleFor } from '../profiles/common-checks.ts';
import type { MigrationRecord, TenantRecord } from '../store/migration-repository.ts';
import { assertNoCompanyBusy } from './company-busy.ts';
import { nowIso, type ControlPlane } from './control-plane.ts';
import { readInstallation } from './installation-file.ts';
import { getMigration } from './migrations.ts';
import { getTenant } from './tenants.ts';

export interface SanitizeFindReport {
  migrationId: string;
  mode: 'find';
  /** The source database, without its password. */
  database: string;
  columns: InvalidTextCount[];
  /** Values with invalid characters, over every column. */
  total: number;
}

export interface SanitizeFixReport {
  migrationId: string;
  mode: 'fix';
  /** The tenant database, without its password. */
  database: string;
  columns: SanitizedColumn[];
  found: number;
  fixed: number;
}

export type SanitizeReport = SanitizeFindReport | SanitizeFixReport;

/** Tables Ferry keeps in a tenant for itself (the user registry): never sanitized or repaired. */
export const isFerryTable = (name: string): boolean => name.startsWith('ferry_');

const LOADS = ['test', 'full', 'final', 'incremental'];

/**
 * Throws FERRY_TENANT_NOT_LOADED unless the migration's tenant holds a completed load, no run is
 * active, and the migration is neither live (the data is the customer's now) nor abandoned.
 */
export async function assertTenantLoaded(cp: ControlPlane, migration: MigrationRecord): Promise<void> {
  const refuse = (why: string) =>
    new FerryError(
      'FERRY_TENANT_NOT_LOADED',
      `tenant ${migration.tenantId} of migration ${migration.id} ${why}`,
      {
        details: { migrationId: migration.id, tenantId: migration.tenantId, phase: migration.phase },
      },
    );
  if (migration.phase === 'live' || migration.phase === 'abandoned')
    throw refuse(`cannot be repaired: the migration is ${migration.phase}`);
  if (migration.activeRunId !== null)
    throw refuse(`is being loaded by run ${migration.activeRunId}; repair it after the run ends`);
  const loaded = (await cp.store.listRunsOfMigration(migration.id)).some(
    (r) => LOADS.includes(r.kind) && (r.status === 'succeeded' || r.status === 'succeeded-with-warnings'),
  );
  if (!loaded) throw refuse('holds no completed load yet');
}

/** Counts invalid characters in the source tables a run of this migration would migrate. Reads only. */
export async function findInvalidTextInSource(
  cp: ControlPlane,
  migrationId: string,
  signal?: AbortSignal,
): Promise<SanitizeFindReport> {
  const migration = await getMigration(cp, migrationId);
  const profile = await cp.profiles(migration.profileId);
  const installation = await readInstallation(migration.installationPath);
  const source = await openSource(installation.database);
  try {
    const tables = (await source.listTables()).filter(
      (t) => excludedRuleFor(profile.excludedTables, t.name) === undefined,
    );
    const columns = await findInvalidText(source, tables, signal === undefined ? {} : { signal });
    return {
      migrationId,
      mode: 'find',
      database: source.location,
      columns,
      total: columns.reduce((n, c) => n + c.values, 0),
    };
  } finally {
    await source.close();
  }
}

async function fixTenant(tenant: TenantRecord, signal?: AbortSignal) {
  const target = await openTarget(tenant.databaseUrl);
  try {
    const tables = (await target.listTables()).filter((t: TableSchema) => !isFerryTable(t.name));
    const columns = await fixInvalidText(target, tables, signal === undefined ? {} : { signal });
    return { database: target.location, columns };
  } finally {
    await target.close();
  }
}

/** Rewrites the values with invalid characters in the migration's loaded tenant; the source is untouched. */
export async function fixInvalidTextInTenant(
  cp: ControlPlane,
  migrationId: string,
  signal?: AbortSignal,
): Promise<SanitizeFixReport> {
  const migration = await getMigration(cp, migrationId);
  await assertTenantLoaded(cp, migration);
  await assertNoCompanyBusy(cp, migrationId, 'invalid characters cannot be fixed in the tenant now');
  const { database, columns } = await fixTenant(await getTenant(cp, migration.tenantId), signal);
  return {
    migrationId,
    mode: 'fix',
    database,
    columns,
    found: columns.reduce((n, c) => n + c.found, 0),
    fixed: columns.reduce((n, c) => n + c.fixed, 0),
  };
}

export async function getSanitizeOnLoad(cp: ControlPlane, migrationId: string): Promise<boolean> {
  await getMigration(cp, migrationId);
  const row = await cp.store.kysely
    .selectFrom('data_quality_settings')
    .select('sanitize_on_load')
    .where('migration_id', '=', migrationId)
    .executeTakeFirst();
  return Number(row?.sanitize_on_load ?? 0) === 1;
}

/** Turns the automatic fix after test, full and final runs on or off. */
export async function setSanitizeOnLoad(
  cp: ControlPlane,
  migrationId: string,
  on: boolean,
): Promise<boolean> {
  await getMigration(cp, migrationId);
  const values = { sanitize_on_load: on ? 1 : 0, updated_at: nowIso(cp) };
  await cp.store.kysely
    .insertInto('data_quality_settings')
    .values({ migration_id: migrationId, ...values })
    .onConflict((oc) => oc.column('migration_id').doUpdateSet(values))
    .execute();
  return on;
}

const WHAT = 'control characters, zero-width spaces or trailing whitespace';

/** Adds messages to the run's stored table results (by source table name) and recomputes statuses. */
async function addTableMessages(
  cp: ControlPlane,
  outcome: RunOutcome,
  messages: Map<string, TableMessage[]>,
): Promise<RunOutcome> {
  if (messages.size === 0) return outcome;
  const run = await cp.store.getRun(outcome.runId);
  // Table results may be named after the source table or its (mapped) target name: match both.
  const sourceName = new Map((run?.plan?.tables ?? []).map((t) => [t.target.name, t.source.name]));
  const byTable = new Map<string, TableMessage[]>();
  for (const [table, list] of messages) {
    byTable.set(table, list);
    const source = sourceName.get(table);
    if (source !== undefined && !messages.has(source)) byTable.set(source, list);
  }
  const tables: TableResult[] = outcome.tables.map((t) => {
    const extra = byTable.get(t.table);
    if (extra === undefined) return t;
    const all = [...t.messages, ...extra];
    return {
      ...t,
      messages: all,
      status: t.status === 'migrated' ? statusFromMessages(all, true) : t.status,
    };
  });
  await cp.store.saveTableResults(outcome.runId, tables);
  let status = outcome.status;
  if (status === 'succeeded' && tables.some((t) => t.status === 'warning')) {
    status = 'succeeded-with-warnings';
    await cp.store.updateRun(outcome.runId, { status });
  }
  return { ...outcome, status, tables };
}

function push(map: Map<string, TableMessage[]>, table: string, message: TableMessage): void {
  map.set(table, [...(map.get(table) ?? []), message]);
}

/**
 * A diagnostic run's scan of its scratch copy (before it is dropped): per table and column the
 * values with invalid characters, stored as warnings in the run's table results.
 */
export async function reportInvalidTextOfDiagnostic(
  cp: ControlPlane,
  migrationId: string,
  outcome: RunOutcome,
  scratchUrl: string,
  signal?: AbortSignal,
): Promise<RunOutcome> {
  const target = await openTarget(scratchUrl);
  let counts: InvalidTextCount[];
  try {
    const tables = (await target.listTables()).filter((t) => !isFerryTable(t.name));
    counts = await findInvalidText(target, tables, signal === undefined ? {} : { signal });
  } finally {
    await target.close();
  }
  const messages = new Map<string, TableMessage[]>();
  for (const c of counts) {
    push(messages, c.table, {
      level: 'warning',
      text: `${c.values} value(s) of column "${c.column}" hold invalid characters (${WHAT})`,
      guidance:
        `After a load, \`ferry sanitize ${migrationId} --fix\` removes them in the tenant (the source is not changed), ` +
        `or \`ferry sanitize ${migrationId} --on-load on\` does it after every load; or clean them in the source.`,
    });
  }
  return addTableMessages(cp, outcome, messages);
}

/**
 * After a test, full or final load: when the migration's `sanitizeOnLoad` is on, fixes the tenant
 * and records per table and column what was fixed in the run's table results.
 */
export async function sanitizeAfterLoad(
  cp: ControlPlane,
  migrationId: string,
  outcome: RunOutcome,
  signal?: AbortSignal,
): Promise<RunOutcome> {
  if (!(await getSanitizeOnLoad(cp, migrationId))) return outcome;
  const migration = await getMigration(cp, migrationId);
  const { columns } = await fixTenant(await getTenant(cp, migration.tenantId), signal);
  const messages = new Map<string, TableMessage[]>();
  for (const c of columns) {
    push(messages, c.table, {
      level: 'info',
      text: `sanitize fixed ${c.fixed} value(s) with invalid characters in column "${c.column}" of the tenant copy`,
    });
    if (c.notFixed !== undefined)
      push(messages, c.table, {
        level: 'warning',
        text: `${c.found - c.fixed} value(s) of column "${c.column}" with invalid characters were not fixed: ${c.notFixed}`,
        guidance: 'Clean these values in the source.',
      });
  }
  return addTableMessages(cp, outcome, messages);
}

/** A find or fix report in one shape (API answers, CLI output): `fixed` is null for a find. */
export interface SanitizeView {
  migrationId: string;
  mode: 'find' | 'fix';
  /** `source` for find (read only), `tenant` for fix. */
  where: 'source' | 'tenant';
  database: string;
  columns: { table: string; column: string; found: number; fixed: number | null; notFixed: string | null }[];
  found: number;
  fixed: number | null;
}

export function sanitizeView(report: SanitizeReport): SanitizeView {
  if (report.mode === 'find') {
    return {
      migrationId: report.migrationId,
      mode: 'find',
      where: 'source',
      database: report.database,
      columns: report.columns.map((c) => ({
        table: c.table,
        column: c.column,
        found: c.values,
        fixed: null,
        notFixed: null,
      })),
      found: report.total,
      fixed: null,
    };
  }
  return {
    migrationId: report.migrationId,
    mode: 'fix',
    where: 'tenant',
    database: report.database,
    columns: report.columns.map((c) => ({ ...c, notFixed: c.notFixed ?? null })),
    found: report.found,
    fixed: report.fixed,
  };
}

/** `find` reads the source; `fix` rewrites the loaded tenant. */
export async function sanitize(
  cp: ControlPlane,
  migrationId: string,
  mode: 'find' | 'fix',
  signal?: AbortSignal,
): Promise<SanitizeView> {
  return sanitizeView(
    mode === 'find'
      ? await findInvalidTextInSource(cp, migrationId, signal)
      : await fixInvalidTextInTenant(cp, migrationId, signal),
  );
}
