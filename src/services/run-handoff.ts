// Handing runs from an API server to the `ferry worker` processes (the PostgreSQL store's job
// queue): a run the server created, and a run it is asked to resume. The server executes neither;
// a worker takes the run from the queue, claims its lease and executes it (run-worker.ts).
//
//   new run ─► bind its idempotency key ─► offer it to the queue ─┬─ ok: a worker takes it
//                                                                  └─ either failed: the run fails
//              with the reason, and the migration it claimed is released (nothing would execute it)
//   resume ─► refused now (409) when it cannot go on: another process holds its lease, its status
//             does not allow it, or — for a migration's run — the gate refuses it (license changed,
//             another run holds the migration, a company being initialized) ─► the run is set
//             `running` again (a pause or cancel request left from before dropped) ─► offered to the
//             queue; the worker continues it from its last checkpoint
//
// The gate is asked here, before the run is queued, because a worker that is refused can only
// report the refusal in its log: the run would go back to the queue at every sweep.

import { FerryError } from '../domain/errors.ts';
import { assertLicenseUnchanged, isRunKind } from '../domain/migration-rules.ts';
import { assertRunTransition, isFinished } from '../domain/run-status.ts';
import type { RunRecord, RunStore } from '../engine/run-store.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import { Store } from '../store/open-store.ts';
import type { ControlPlane } from './control-plane.ts';
import { getMigration } from './migrations.ts';
import { runControlRepo } from './run-control.ts';
import { createRunGate } from './run-gate.ts';
import { leasedElsewhere } from './run-lease.ts';
import { prepareMigrationRun } from './run-preparation.ts';
import { queueRun } from './run-worker.ts';

function describe(error: unknown): { code: string; message: string } {
  return {
    code: error instanceof FerryError ? error.code : 'FERRY_INTERNAL',
    message: error instanceof Error ? error.message : String(error),
  };
}

/**
 * Offers a run just created (`queued`) to the workers, after `bind` (its idempotency key). When
 * either fails the run is failed with the reason and its migration released, and the error is thrown.
 */
export async function handNewRunToWorkers(
  store: RunStore,
  queue: JobQueue,
  cp: ControlPlane | null,
  runId: string,
  bind: (runId: string) => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  try {
    await bind(runId);
    await queueRun(store, queue, runId);
  } catch (error) {
    await abandonRun(store, cp, runId, error).catch(() => undefined);
    throw error;
  }
}

async function abandonRun(
  store: RunStore,
  cp: ControlPlane | null,
  runId: string,
  error: unknown,
): Promise<void> {
  const run = await store.getRun(runId);
  if (run === null) return;
  await store.updateRun(runId, {
    status: 'failed',
    finishedAt: new Date().toISOString(),
    error: describe(error),
  });
  if (cp === null || run.migrationId === null || !isRunKind(run.kind)) return;
  const migration = await getMigration(cp, run.migrationId);
  if (migration.activeRunId === runId)
    await createRunGate(cp).runEnded(run.migrationId, runId, run.kind, 'failed');
}

/**
 * Resumes `run` through the workers: checks now that it may go on (throws the refusal otherwise),
 * sets it `running` and offers it to the queue.
 */
export async function resumeThroughWorkers(
  store: RunStore,
  queue: JobQueue,
  cp: ControlPlane | null,
  run: RunRecord,
): Promise<void> {
  const held = await leasedElsewhere(store, run.id);
  if (held !== null) throw held;
  if (run.status !== 'queued' && run.status !== 'running') assertRunTransition(run.id, run.status, 'running');
  if (cp !== null && run.migrationId !== null && isRunKind(run.kind)) {
    const ended = isFinished(run.status) || run.status === 'failed' || run.status === 'cancelled';
    if (run.kind === 'data-upgrade' && ended)
      throw new FerryError(
        'FERRY_RUN_NOT_RESUMABLE',
        `run ${run.id} is a data upgrade that ended (${run.status}): start a new one (\`ferry run MIGRATION --kind data-upgrade\`); its steps are idempotent`,
      );
    if (isFinished(run.status) && run.plan === null)
      throw new FerryError('FERRY_RUN_NOT_RESUMABLE', `run ${run.id} already finished (${run.status})`);
    // The worker asks again when it executes; a refusal here answers the caller now.
    const prepared = await prepareMigrationRun(cp, run.migrationId);
    assertLicenseUnchanged(prepared.migration, prepared.license);
    await createRunGate(cp).runStarted(run.migrationId, run.id, run.kind, prepared.license);
  }
  if (run.status !== 'queued') {
    // Also drops a pause or cancel request left from before, so the run does not stop again at once.
    const moved =
      store instanceof Store
        ? await runControlRepo(store).setStatusIf(run.id, run.status, 'running', { finishedAt: null })
        : (await store.updateRun(run.id, { status: 'running', finishedAt: null }), true);
    if (!moved)
      throw new FerryError(
        'FERRY_ILLEGAL_TRANSITION',
        `run ${run.id} changed while it was being resumed (it was ${run.status}): look at it again and retry`,
        { details: { runId: run.id, status: run.status } },
      );
  } else if (store instanceof Store) {
    await runControlRepo(store).clearRequest(run.id);
  }
  await queueRun(store, queue, run.id);
}
