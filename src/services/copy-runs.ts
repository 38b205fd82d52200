// Use cases for copying one database into a tenant: start a run, resume it, list runs.

import { randomBytes } from 'node:crypto';
import { parseConnectionUrl } from '../connectors/connection-url.ts';
import { openSource, openTarget, targetDialectFor } from '../connectors/registry.ts';
import { FerryError } from '../domain/errors.ts';
import { assertRunTransition, isFinished } from '../domain/run-status.ts';
import type { RunEventListener } from '../engine/events.ts';
import { executeRun, type RunOutcome } from '../engine/execute-run.ts';
import { planMigration, type MigrationPlan } from '../engine/plan.ts';
import type { RunOptions, RunRecord, RunStore } from '../engine/run-store.ts';
import { markRunFailed } from '../engine/run-failures.ts';
import { superviseExecution } from './run-control.ts';
import type { RunLease } from './run-lease.ts';

export const defaultRunOptions: Omit<RunOptions, 'replace'> = {
  parallel: 4,
  chunkRows: 100_000,
  batchRows: 500,
  batchBytes: 1 * 1024 * 1024,
};

export interface StartCopyRunInput {
  from: string;
  to: string;
  options: RunOptions;
  kind?: string;
  /** The migration the run belongs to, if any. */
  migrationId?: string;
  store: RunStore;
  /** The run's lease when the caller holds it already; otherwise the execution claims one (run-lease.ts). */
  lease?: RunLease;
  onEvent: RunEventListener;
  signal: AbortSignal;
  /**
   * Called once the run exists, before copying starts (to print its id, or to claim the migration
   * for it). When it throws, the run is marked failed with that error and nothing is copied.
   */
  onRunCreated?: (run: RunRecord) => void | Promise<void>;
}

/** A short, typeable run id: `run-` and 10 hex digits. */
export function newRunId(): string {
  return `run-${randomBytes(5).toString('hex')}`;
}

/** Plan a copy without touching the target: what `--dry-run` prints. */
export async function planCopy(
  from: string,
  to: string,
  options: Pick<RunOptions, 'tables' | 'exclude' | 'mappings'>,
): Promise<MigrationPlan> {
  const sourceUrl = parseConnectionUrl(from);
  const targetUrl = parseConnectionUrl(to);
  const targetDialect = targetDialectFor(targetUrl);
  const source = await openSource(sourceUrl);
  try {
    return planMigration(await source.listTables(), sourceUrl.dialect, targetDialect, options);
  } finally {
    await source.close();
  }
}

export type CreateCopyRunInput = Pick<
  StartCopyRunInput,
  'from' | 'to' | 'options' | 'kind' | 'migrationId' | 'store'
>;

/**
 * Plan a copy and record its run (status `queued`, step `planned`) without executing it: a worker
 * takes it from the queue later (`ferry migrate --queue`), through the same path as a resume.
 */
export async function createCopyRun(input: CreateCopyRunInput): Promise<RunRecord> {
  const sourceUrl = parseConnectionUrl(input.from);
  const targetUrl = parseConnectionUrl(input.to);
  const targetDialect = targetDialectFor(targetUrl);
  const source = await openSource(sourceUrl);
  let plan: MigrationPlan;
  try {
    plan = planMigration(await source.listTables(), sourceUrl.dialect, targetDialect, input.options);
  } finally {
    await source.close();
  }
  const target = await openTarget(targetUrl);
  try {
    const existing = (await target.listTables()).map((t) => t.name);
    if (existing.length > 0 && !input.options.replace) {
      const shown = existing
        .slice(0, 5)
        .map((n) => `"${n}"`)
        .join(', ');
      throw new FerryError(
        'FERRY_TARGET_NOT_EMPTY',
        `target ${targetUrl.redacted} already has ${existing.length} table(s) (${shown}${existing.length > 5 ? ', …' : ''})`,
        { details: { tables: existing } },
      );
    }
  } finally {
    await target.close();
  }
  return input.store.createRun({
    id: newRunId(),
    kind: input.kind ?? 'full',
    migrationId: input.migrationId ?? null,
    status: 'queued',
    step: 'planned',
    sourceUrl: input.from,
    targetUrl: input.to,
    sourceLocation: sourceUrl.redacted,
    targetLocation: targetUrl.redacted,
    options: input.options,
    plan,
  });
}

export async function startCopyRun(input: StartCopyRunInput): Promise<RunOutcome> {
  const run = await createCopyRun(input);
  try {
    await input.onRunCreated?.(run);
  } catch (error) {
    await markRunFailed(input.store, run.id, error);
    throw error;
  }
  assertRunTransition(run.id, run.status, 'running');
  return executeCopyRun(input.store, run, input);
}

export interface ResumeCopyRunInput {
  runId: string;
  store: RunStore;
  onEvent: RunEventListener;
  signal: AbortSignal;
  /** The run's lease when the caller holds it (a worker); otherwise the resume claims one. */
  lease?: RunLease;
}

export async function resumeCopyRun(input: ResumeCopyRunInput): Promise<RunOutcome> {
  const run = await input.store.getRun(input.runId);
  if (run === null)
    throw new FerryError('FERRY_RUN_NOT_FOUND', `there is no run ${input.runId} in this Ferry home`);
  if (isFinished(run.status) && run.step === 'done') {
    throw new FerryError('FERRY_RUN_NOT_RESUMABLE', `run ${run.id} already finished (${run.status})`);
  }
  if (run.status !== 'running') assertRunTransition(run.id, run.status, 'running');
  return executeCopyRun(input.store, run, input);
}

/**
 * Executes a copy run — for the first time when it is `queued` (started here, or taken from the
 * queue by a worker), else from its checkpoint — supervised: under a lease, logged (a resumed
 * run's log goes on in the same file), and reached by a pause or cancel asked from any process.
 */
function executeCopyRun(
  store: RunStore,
  run: RunRecord,
  how: { onEvent: RunEventListener; signal: AbortSignal; lease?: RunLease | undefined },
): Promise<RunOutcome> {
  const sourceUrl = parseConnectionUrl(run.sourceUrl);
  const targetUrl = parseConnectionUrl(run.targetUrl);
  return superviseExecution(
    store,
    run.id,
    how.signal,
    how.onEvent,
    (signal, onEvent) =>
      executeRun({
        store,
        run,
        openSource: () => openSource(sourceUrl),
        openTarget: () => openTarget(targetUrl),
        onEvent,
        signal,
        resumed: run.status !== 'queued',
      }),
    how.lease === undefined ? {} : { lease: how.lease },
  );
}
