// `data-upgrade` runs: after the cloud application's version changed, bring the tenant's data
// (loaded from an older on-premises version) to the shape the cloud version expects, by applying
// the profile's data upgrade steps to the TENANT database. The source is only read for its license
// (the session binding); nothing is written to it.
//
//   (migration-runs.ts: the gate allows it — loaded data, not after go-live — the run is recorded
//   and claims the migration) → read the tenant's data version → apply each step above it, in
//   version order, one table result per step → record the version reached → (the gate releases
//   the migration)
//
// Steps are idempotent, so a run that failed half-way is simply run again, and a data-upgrade run
// whose worker died is executed again from its first pending step by the next worker.

import { parseConnectionUrl } from '../connectors/connection-url.ts';
import { openTarget, targetDialectFor } from '../connectors/registry.ts';
import { FerryError } from '../domain/errors.ts';
import type { RunStatus } from '../domain/run-status.ts';
import type { TableResult } from '../domain/table-result.ts';
import type { RunEventListener } from '../engine/events.ts';
import type { RunOutcome } from '../engine/execute-run.ts';
import type { RunRecord } from '../engine/run-store.ts';
import type {
  ApplicationProfile,
  DataUpgradeContext,
  DataUpgradeHook,
  DataUpgradeStep,
} from '../profiles/profile.ts';
import { compareVersions } from '../profiles/source-rows.ts';
import type { ControlPlane } from './control-plane.ts';

/** The steps a tenant at `current` still needs, in version order (all of them when unknown). */
export function pendingSteps(hook: DataUpgradeHook, current: string | null): DataUpgradeStep[] {
  return [...hook.steps]
    .sort((a, b) => compareVersions(a.version, b.version))
    .filter((s) => current === null || compareVersions(s.version, current) > 0);
}

/** Throws FERRY_NO_DATA_UPGRADE when the profile has no data upgrade steps. */
export function dataUpgradeHook(profile: ApplicationProfile, migrationId: string): DataUpgradeHook {
  const hook = profile.dataUpgrade;
  if (hook === undefined)
    throw new FerryError(
      'FERRY_NO_DATA_UPGRADE',
      `the ${profile.id} profile defines no data upgrade steps, so there is nothing a data-upgrade run of migration ${migrationId} could apply`,
    );
  return hook;
}

/**
 * Executes a data-upgrade run (its record exists, the gate claimed the migration: migration-runs.ts)
 * on the tenant: each step above the tenant's data version, in order, one table result per step.
 * Stops between steps when `signal` aborts (the run ends `cancelled`; run it again to go on).
 */
export async function applyDataUpgrade(input: {
  cp: ControlPlane;
  run: RunRecord;
  profile: ApplicationProfile;
  onEvent: RunEventListener;
  signal: AbortSignal;
}): Promise<RunOutcome> {
  const { cp, run, onEvent, signal } = input;
  const hook = dataUpgradeHook(input.profile, run.migrationId ?? run.id);
  const sourceUrl = parseConnectionUrl(run.sourceUrl);
  const targetUrl = parseConnectionUrl(run.targetUrl);
  const started = Date.now();
  await cp.store.updateRun(run.id, {
    status: 'running',
    startedAt: run.startedAt ?? new Date().toISOString(),
  });
  let status: RunStatus = 'failed';
  const tables: TableResult[] = [];
  try {
    const target = await openTarget(targetUrl);
    try {
      const ctx: DataUpgradeContext = {
        target,
        dialect: targetDialectFor(targetUrl),
        tables: await target.listTables(),
        signal,
      };
      const from = await hook.readVersion(ctx);
      const steps = pendingSteps(hook, from);
      onEvent({
        type: 'run-started',
        runId: run.id,
        resumed: false,
        source: sourceUrl.redacted,
        target: targetUrl.redacted,
        tables: [],
      });
      onEvent({
        type: 'step',
        runId: run.id,
        step: 'data-upgrade',
        detail:
          steps.length === 0
            ? `tenant data is at ${from ?? 'an unknown version'}: nothing to upgrade`
            : `tenant data ${from ?? '(unknown version)'} → ${steps[steps.length - 1]!.version}: ${steps.length} step(s)`,
      });
      status = 'succeeded';
      for (const step of steps) {
        if (signal.aborted) {
          status = 'cancelled';
          break;
        }
        onEvent({ type: 'step', runId: run.id, step: 'data-upgrade', detail: `${step.version} ${step.id}` });
        const t0 = Date.now();
        try {
          const result = await step.apply({ ...ctx, tables: await target.listTables() });
          tables.push({
            table: result.table,
            status: 'migrated',
            rowsRead: 0,
            rowsWritten: result.rowsChanged,
            rowsSkipped: 0,
            bytes: 0,
            durationMs: Date.now() - t0,
            messages: [{ level: 'info', text: `${step.version} ${step.id}: ${result.message}` }],
          });
        } catch (error) {
          const code = error instanceof FerryError ? error.code : 'FERRY_INTERNAL';
          tables.push({
            table: step.id,
            status: 'failed',
            rowsRead: 0,
            rowsWritten: 0,
            rowsSkipped: 0,
            bytes: 0,
            durationMs: Date.now() - t0,
            messages: [
              {
                level: 'error',
                code,
                text: `${step.version} ${step.id} failed: ${error instanceof Error ? error.message : String(error)}`,
                guidance:
                  'Fix the cause and run the data upgrade again: every step is idempotent, the ones done stay done.',
              },
            ],
          });
          onEvent({ type: 'table-failed', runId: run.id, table: step.id, code, message: String(error) });
          status = 'failed';
          break;
        }
      }
      const last = steps[steps.length - 1];
      if (status === 'succeeded' && last !== undefined)
        await hook.recordVersion({ ...ctx, tables: await target.listTables() }, last.version);
    } finally {
      await target.close();
    }
  } catch (error) {
    await cp.store.updateRun(run.id, {
      status: 'failed',
      finishedAt: new Date().toISOString(),
      error: { code: error instanceof FerryError ? error.code : 'FERRY_INTERNAL', message: String(error) },
    });
    throw error;
  }
  await cp.store.saveTableResults(run.id, tables);
  await cp.store.updateRun(run.id, {
    status,
    step: status === 'succeeded' ? 'done' : 'planned',
    finishedAt: new Date().toISOString(),
  });
  const durationMs = Date.now() - started;
  onEvent({ type: 'run-finished', runId: run.id, status, tables, durationMs });
  return { runId: run.id, status, tables, durationMs };
}
