// A worker takes runs from the queue and executes them under a lease, so a run never executes
// twice at once and a dead worker's run is taken over from its last checkpoint.
//
//   job arrives ─► claim the lease (compare-and-set: free, expired or ours) ─┬─ taken by a live
//                                                                            │  worker: skip
//                  ▼                                                         ▼
//   run still queued/running? ─► execute as a resume (queued runs start at step `planned`,
//                  │             running ones continue after their last checkpoint), renewing
//                  │             the lease every renewMs; a lost lease aborts the run
//                  ▼
//   release the lease; stopped by a graceful shutdown: the run goes back to `running` and to the
//   queue, for another worker
//
// Every worker also sweeps: runs `queued`/`running` whose lease expired (their worker died, or
// nobody took them yet) are submitted again; the queue keeps one waiting job per run.

import type { RunEvent } from '../engine/events.ts';
import type { RunOutcome } from '../engine/execute-run.ts';
import type { RunStore } from '../engine/run-store.ts';
import type { JobQueue, RunJob, StopOptions } from '../queue/job-queue.ts';
import type { ControlPlane } from './control-plane.ts';
import { companyInitializationHandler } from './company-initialization.ts';
import { resumeCopyRun } from './copy-runs.ts';
import { resumeMigrationRun } from './migration-runs.ts';
import { RunLease } from './run-lease.ts';

export type WorkerEvent =
  | { type: 'worker-started'; worker: string; version: string; queue: string; concurrency: number }
  | {
      type: 'run-claimed';
      worker: string;
      runId: string;
      status: string;
      step: string;
      /** Chunks already copied by earlier workers (kept, not copied again). */
      chunksDone: number;
      chunksTotal: number;
    }
  | { type: 'run-skipped'; worker: string; runId: string; reason: string }
  | { type: 'run-released'; worker: string; runId: string; status: string }
  | { type: 'run-requeued'; worker: string; runId: string; reason: 'lease-expired' | 'shutdown' }
  | { type: 'lease-lost'; worker: string; runId: string }
  | { type: 'run-error'; worker: string; runId: string; code: string; message: string }
  | { type: 'worker-stopped'; worker: string }
  | (RunEvent & { worker: string });

export interface RunWorkerOptions {
  store: RunStore;
  queue: JobQueue;
  /** Needed for runs of a migration (they resume through the migration's gate). */
  controlPlane?: ControlPlane;
  /** Unique among the workers sharing the store, e.g. `host-pid`. */
  workerId: string;
  /** This worker's Ferry version, recorded with its leases. */
  version: string;
  /** How long a lease lasts without renewal, in ms (default 30 000). A dead worker's run waits this long. */
  leaseMs?: number;
  /** Lease renewal period in ms (default leaseMs / 3). */
  renewMs?: number;
  /** Sweep period in ms (default leaseMs / 3). */
  sweepMs?: number;
  onEvent?: (event: WorkerEvent) => void;
}

export const defaultLeaseMs = 30_000;

/** Hand an existing run (its row created, e.g. by `createCopyRun`) to the queue's workers. */
export async function queueRun(store: RunStore, queue: JobQueue, runId: string): Promise<boolean> {
  await store.offerRunToQueue(runId);
  return queue.submit({ runId });
}

export class RunWorker {
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private readonly sweepMs: number;
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> = Promise.resolve();
  private readonly emit: (event: WorkerEvent) => void;

  constructor(private readonly options: RunWorkerOptions) {
    this.leaseMs = options.leaseMs ?? defaultLeaseMs;
    this.renewMs = options.renewMs ?? Math.max(100, Math.floor(this.leaseMs / 3));
    this.sweepMs = options.sweepMs ?? Math.max(100, Math.floor(this.leaseMs / 3));
    this.emit = options.onEvent ?? (() => undefined);
  }

  get id(): string {
    return this.options.workerId;
  }

  async start(concurrency = 1): Promise<void> {
    const cp = this.options.controlPlane;
    await this.options.queue.start((job, signal) => this.execute(job, signal), {
      concurrency,
      // With a control plane, the worker also takes company initializations (their lease is the company's).
      ...(cp === undefined
        ? {}
        : {
            companyInitializations: companyInitializationHandler(cp, {
              workerId: this.id,
              leaseMs: this.leaseMs,
            }),
          }),
    });
    this.emit({
      type: 'worker-started',
      worker: this.id,
      version: this.options.version,
      queue: this.options.queue.kind,
      concurrency,
    });
    await this.sweep();
    this.sweepTimer = setInterval(() => {
      this.sweeping = this.sweeping.then(() => this.sweep());
    }, this.sweepMs);
  }

  /** Stop taking runs; runs in flight stop at a chunk boundary, release their lease and are re-queued. */
  async stop(options: StopOptions = {}): Promise<void> {
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    await this.sweeping;
    await this.options.queue.stop(options);
    this.emit({ type: 'worker-stopped', worker: this.id });
  }

  /** Queue again every run whose lease expired. */
  async sweep(): Promise<void> {
    try {
      for (const runId of await this.options.store.listRunsWithExpiredLease(100)) {
        if (await this.options.queue.submit({ runId }))
          this.emit({ type: 'run-requeued', worker: this.id, runId, reason: 'lease-expired' });
      }
    } catch (error) {
      // The store or the queue is unreachable for a moment: the next sweep tries again.
      this.emit({ type: 'run-error', worker: this.id, runId: '', ...describe(error) });
    }
  }

  private async execute(job: RunJob, stopping: AbortSignal): Promise<void> {
    const { store } = this.options;
    const worker = this.id;
    const runId = job.runId;
    const lease = await RunLease.tryAcquire(
      store,
      runId,
      { owner: worker, version: this.options.version, ttlMs: this.leaseMs, renewMs: this.renewMs },
      { queued: true, onLost: () => this.emit({ type: 'lease-lost', worker, runId }) },
    );
    if (lease === null) {
      this.emit({ type: 'run-skipped', worker, runId, reason: 'another worker holds its lease' });
      return;
    }
    let requeue = false;
    try {
      const run = await store.getRun(runId);
      if (run === null || (run.status !== 'queued' && run.status !== 'running')) {
        this.emit({
          type: 'run-skipped',
          worker,
          runId,
          reason: run === null ? 'no such run' : `the run is ${run.status}`,
        });
        return;
      }
      const chunks = await store.listChunks(runId);
      this.emit({
        type: 'run-claimed',
        worker,
        runId,
        status: run.status,
        step: run.step,
        chunksDone: chunks.filter((c) => c.status !== 'pending' && c.status !== 'copying').length,
        chunksTotal: chunks.length,
      });
      const signal = AbortSignal.any([stopping, lease.signal]);
      const onEvent = (event: RunEvent) => this.emit({ ...event, worker });
      let outcome: RunOutcome;
      if (run.migrationId !== null && this.options.controlPlane !== undefined)
        outcome = await resumeMigrationRun(this.options.controlPlane, runId, onEvent, signal, { lease });
      else outcome = await resumeCopyRun({ runId, store, onEvent, signal, lease });
      if (outcome.status === 'cancelled' && !lease.isLost && stopping.aborted) {
        // Stopped by this worker's shutdown, not by an operator: the run goes on elsewhere.
        await store.updateRun(runId, { status: 'running', finishedAt: null });
        requeue = true;
      }
      this.emit({
        type: 'run-released',
        worker,
        runId,
        status: requeue ? 'running' : outcome.status,
      });
    } catch (error) {
      this.emit({ type: 'run-error', worker, runId, ...describe(error) });
    } finally {
      await lease.release();
    }
    if (requeue && (await queueRun(store, this.options.queue, runId).catch(() => false)))
      this.emit({ type: 'run-requeued', worker, runId, reason: 'shutdown' });
  }
}

function describe(error: unknown): { code: string; message: string } {
  const code =
    typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
      ? error.code
      : 'FERRY_INTERNAL';
  return { code, message: error instanceof Error ? error.message : String(error) };
}
