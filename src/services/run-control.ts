// Pause, resume and cancel a run from any process, and sample its throughput.
//
// The process executing a run may not be the one the operator talks to (a `ferry worker`, another
// API server, a `ferry migrate` in another terminal), so requests go through the store:
//
//   pause RUN ─► runs.requested_action = 'pause' (only while `running`)
//   cancel RUN ─► `paused`: cancelled at once here (nobody executes it), the migration released;
//                 `queued`/`running`: runs.requested_action = 'cancel'
//   the executing process (RunSupervisor) polls the request every ~0.5 s and aborts its run's
//   signal with the matching reason; the executor stops taking chunks, lets the chunks in flight
//   finish and checkpoint, and ends `paused` (PAUSE_REASON) or `cancelled`
//   resume RUN ─► clears a leftover request, then continues from the checkpoint (copy-runs /
//                 migration-runs resume, the same path as after a kill)
//
// The supervisor also samples throughput every ~2 s into run_throughput (for charts).

import { FerryError } from '../domain/errors.ts';
import { isRunKind } from '../domain/migration-rules.ts';
import { CANCEL_REASON, PAUSE_REASON, type RunStatus } from '../domain/run-status.ts';
import type { RunEvent, RunEventListener } from '../engine/events.ts';
import type { RunOutcome } from '../engine/execute-run.ts';
import type { RunRecord, RunStore } from '../engine/run-store.ts';
import { Store } from '../store/open-store.ts';
import { RunControlRepository, type ThroughputSample } from '../store/run-control-repository.ts';
import type { ControlPlane } from './control-plane.ts';
import { createRunGate } from './run-gate.ts';
import { RunLease, processLeaseHolder, type LeaseHolder } from './run-lease.ts';
import { openRunLog, runLogDir } from './run-log.ts';

export function runControlRepo(store: Store): RunControlRepository {
  return new RunControlRepository(store.kysely);
}

async function requireRun(store: Store, runId: string): Promise<RunRecord> {
  const run = await store.getRun(runId);
  if (run === null) throw new FerryError('FERRY_RUN_NOT_FOUND', `there is no run ${runId}`);
  return run;
}

function refuse(run: RunRecord, action: string, why: string): FerryError {
  return new FerryError(
    'FERRY_ILLEGAL_TRANSITION',
    `run ${run.id} is ${run.status}: ${action} refused: ${why}`,
    {
      details: { runId: run.id, status: run.status },
    },
  );
}

/**
 * Asks the process executing `runId` to pause it at the next chunk boundary. Answers at once; the
 * run becomes `paused` once its chunks in flight are checkpointed (watch `ferry runs show RUN`).
 */
export async function requestPause(store: Store, runId: string): Promise<RunRecord> {
  const run = await requireRun(store, runId);
  const why: Partial<Record<RunStatus, string>> = {
    queued: 'it has not started yet; cancel it instead',
    paused: 'it is already paused; resume it with `ferry runs resume RUN`',
  };
  if (run.status !== 'running')
    throw refuse(run, 'pausing', why[run.status] ?? 'only a running run can be paused');
  if (!(await runControlRepo(store).request(runId, 'pause', ['running'], new Date().toISOString())))
    return requestPause(store, runId); // its status changed meanwhile: answer for the new one
  return run;
}

export interface CancelAnswer {
  runId: string;
  /** `cancelled`: done here (the run was paused); `cancel-requested`: its process stops it. */
  outcome: 'cancelled' | 'cancel-requested';
}

/** Cancels a paused run at once (releasing its migration), or asks the executing process to. */
export async function requestCancel(cp: ControlPlane, runId: string): Promise<CancelAnswer> {
  const run = await requireRun(cp.store, runId);
  const repo = runControlRepo(cp.store);
  if (run.status === 'paused') {
    if (!(await repo.setStatusIf(runId, 'paused', 'cancelled', { finishedAt: new Date().toISOString() })))
      return requestCancel(cp, runId);
    if (run.migrationId !== null && isRunKind(run.kind))
      await createRunGate(cp).runEnded(run.migrationId, runId, run.kind, 'cancelled');
    return { runId, outcome: 'cancelled' };
  }
  if (run.status !== 'running' && run.status !== 'queued')
    throw refuse(run, 'cancelling', 'it has ended already');
  if (!(await repo.request(runId, 'cancel', ['running', 'queued'], new Date().toISOString())))
    return requestCancel(cp, runId);
  return { runId, outcome: 'cancel-requested' };
}

/**
 * Before an explicit resume: drops a request left from before (a pause that was honoured, or one
 * made while no process executed the run), so the resumed run does not stop again at once.
 */
export async function clearRunRequest(store: Store, runId: string): Promise<void> {
  await runControlRepo(store).clearRequest(runId);
}

export function listThroughput(store: Store, runId: string): Promise<ThroughputSample[]> {
  return runControlRepo(store).listThroughput(runId);
}

export interface ExecutionOptions {
  /**
   * The run's lease, when the caller already holds it (a worker, or a migration run holding it
   * across its post-load steps). Otherwise the execution claims one for `holder` (default: a
   * holder unique to this execution in this process) and releases it at the end.
   */
  lease?: RunLease;
  holder?: LeaseHolder;
  /** Where the run's JSON-lines log goes (default `<store home>/logs`; null: none). */
  logDir?: string | null;
}

/**
 * Executes one run under a RunSupervisor: what every executor entry point (copy, incremental,
 * data-upgrade and documents-only runs) wraps its work in, so every process that executes a run —
 * the CLI, an API server, a worker — holds the run's lease (nothing executes it twice at once),
 * writes its log file (run-log.ts), honours pause and cancel requests and samples throughput. A
 * store without the control tables (an engine-only RunStore) runs unsupervised and unlogged.
 */
export async function superviseExecution(
  store: RunStore,
  runId: string,
  signal: AbortSignal,
  onEvent: RunEventListener,
  execute: (signal: AbortSignal, onEvent: RunEventListener) => Promise<RunOutcome>,
  options: ExecutionOptions = {},
): Promise<RunOutcome> {
  const controlled = store instanceof Store ? store : null;
  const lease =
    options.lease ?? (await RunLease.acquire(store, runId, options.holder ?? processLeaseHolder()));
  try {
    const logDir =
      options.logDir === undefined ? (controlled === null ? null : runLogDir(controlled)) : options.logDir;
    const logged = logDir === null ? onEvent : openRunLog(logDir, onEvent).listener;
    const supervisor = new RunSupervisor({
      store: controlled,
      signal: AbortSignal.any([signal, lease.signal]),
      onEvent: logged,
    });
    supervisor.attach(runId);
    try {
      return await execute(supervisor.signal, supervisor.onEvent);
    } finally {
      await supervisor.stop();
    }
  } finally {
    if (options.lease === undefined) await lease.release();
  }
}

export interface SuperviseOptions {
  /** The store, or null where there is none to poll (the run then only stops on `signal`). */
  store: Store | null;
  /** The caller's own signal (Ctrl-C, server shutdown): still honoured. */
  signal: AbortSignal;
  onEvent: RunEventListener;
  /** How often the request is polled, in ms (default 500). */
  pollMs?: number;
  /** How often a throughput sample is stored, in ms (default 2000). */
  sampleMs?: number;
}

/**
 * Wraps the execution of one run in this process: its `signal` aborts when an operator pauses or
 * cancels the run from anywhere, and its `onEvent` counts progress for the throughput samples.
 * Call `attach(runId)` once the run exists, and `stop()` when the executor returned.
 */
export class RunSupervisor {
  readonly signal: AbortSignal;
  readonly onEvent: RunEventListener;
  private readonly controller = new AbortController();
  private readonly repo: RunControlRepository | null;
  private runId: string | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private sampleTimer: NodeJS.Timeout | null = null;
  private pending: Promise<void> = Promise.resolve();
  private rowsDone = 0;
  private bytesDone = 0;
  private last = { at: Date.now(), rows: 0, bytes: 0 };
  private lastPoll = 0;

  constructor(private readonly options: SuperviseOptions) {
    this.repo = options.store === null ? null : runControlRepo(options.store);
    this.signal = AbortSignal.any([options.signal, this.controller.signal]);
    this.onEvent = (event: RunEvent) => {
      this.count(event);
      options.onEvent(event);
    };
  }

  attach(runId: string): void {
    if (this.repo === null || this.runId !== null) return;
    this.runId = runId;
    const repo = this.repo;
    this.pollTimer = setInterval(() => void this.poll(repo, runId), this.options.pollMs ?? 500);
    this.sampleTimer = setInterval(() => this.queueSample(), this.options.sampleMs ?? 2000);
  }

  /** Stops polling, stores the last sample, and drops a request the run ended before honouring. */
  async stop(): Promise<void> {
    if (this.pollTimer !== null) clearInterval(this.pollTimer);
    if (this.sampleTimer !== null) clearInterval(this.sampleTimer);
    this.pollTimer = this.sampleTimer = null;
    if (this.repo === null || this.runId === null) return;
    this.queueSample();
    await this.pending;
    await this.repo.clearRequest(this.runId).catch(() => undefined);
  }

  private async poll(repo: RunControlRepository, runId: string): Promise<void> {
    if (this.controller.signal.aborted) return;
    this.lastPoll = Date.now();
    try {
      const request = await repo.requested(runId);
      if (request === 'pause') this.controller.abort(PAUSE_REASON);
      else if (request === 'cancel') this.controller.abort(CANCEL_REASON);
    } catch {
      // The store is unreachable for a moment: the next poll asks again.
    }
  }

  private count(event: RunEvent): void {
    if (event.type === 'run-started') {
      // A resumed run starts from what earlier executions copied.
      this.rowsDone = event.tables.reduce((n, t) => n + t.doneRows, 0);
      this.bytesDone = event.tables.reduce((n, t) => n + t.doneBytes, 0);
      this.last = { at: Date.now(), rows: this.rowsDone, bytes: this.bytesDone };
    } else if (event.type === 'progress') {
      this.rowsDone += event.rows;
      this.bytesDone += event.bytes;
    } else if (event.type === 'chunk-copied' || event.type === 'table-copied') {
      // A chunk boundary: ask at once (at most every 100 ms) rather than wait for the timer.
      if (this.repo !== null && this.runId !== null && Date.now() - this.lastPoll >= 100)
        void this.poll(this.repo, this.runId);
    }
  }

  private queueSample(): void {
    const repo = this.repo;
    const runId = this.runId;
    if (repo === null || runId === null) return;
    const now = Date.now();
    const seconds = Math.max(0.001, (now - this.last.at) / 1000);
    const sample: Omit<ThroughputSample, 'seq'> = {
      at: new Date(now).toISOString(),
      rowsDone: this.rowsDone,
      bytesDone: this.bytesDone,
      rowsPerSecond: Math.round(((this.rowsDone - this.last.rows) / seconds) * 10) / 10,
      bytesPerSecond: Math.round((this.bytesDone - this.last.bytes) / seconds),
    };
    this.last = { at: now, rows: this.rowsDone, bytes: this.bytesDone };
    this.pending = this.pending.then(async () => {
      // A sample that cannot be stored (the store unreachable for a moment) is skipped: the next
      // one carries the cumulative counts.
      await repo.addThroughputSample(runId, sample).catch(() => undefined);
    });
  }
}
