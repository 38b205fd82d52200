// Following a run through the store: what GET /api/v1/runs/:runId/events streams for a run that
// does not execute in this process (a `ferry worker`, another server, a `ferry run` elsewhere).
// The process executing the run records its step, its chunks (the checkpoints) and its table
// results as it goes; polling them (about every second) and comparing with the previous poll gives
// the events:
//
//   first poll        run-started  the run as it stands (tables with rows estimated and done so far),
//                                   `status`, `step`, `via: 'store'`
//   every poll        step         when the run's step changed
//                     progress     per table, the rows and bytes of the chunks checkpointed since
//                     table-copied once per table, when its last chunk is checkpointed
//                     table-finished once per table result recorded (the engine records them at the end)
//                     snapshot     when anything changed: status, step, who executes it, rows and
//                                   chunks done
//   at the end        run-finished once the run is succeeded, succeeded-with-warnings, failed,
//                                   cancelled or paused and no process holds its lease (a worker
//                                   stopping gracefully sets its run `cancelled` for a moment and back
//                                   to `running` while it still holds the lease); then nothing more
//
// `run-started`, `step`, `progress`, `table-copied` and `run-finished` have the shapes of the
// engine's events (engine/events.ts), so the CLI's progress renderer draws either stream. Progress
// moves at chunk boundaries here (the engine's own events move with every batch).

import type { RunStatus } from '../domain/run-status.ts';
import type { TableResult } from '../domain/table-result.ts';
import type { RunEvent } from '../engine/events.ts';
import type { ChunkRecord, RunRecord, RunStore } from '../engine/run-store.ts';

type EngineEvent<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

export type StoreRunEvent =
  | (EngineEvent<'run-started'> & { status: RunStatus; step: string; via: 'store' })
  | EngineEvent<'step'>
  | EngineEvent<'progress'>
  | EngineEvent<'table-copied'>
  | ({ type: 'table-finished'; runId: string } & TableResult)
  | {
      type: 'snapshot';
      runId: string;
      status: RunStatus;
      step: string;
      /** The process holding the run's lease (a worker id), null when none does. */
      executor: string | null;
      rowsDone: number;
      bytesDone: number;
      chunks: { total: number; done: number; verified: number };
      tables: { total: number; copied: number };
    }
  | (EngineEvent<'run-finished'> & { error: { code: string; message: string } | null });

export const defaultStorePollMs = 1000;

const endedStatuses: readonly RunStatus[] = [
  'succeeded',
  'succeeded-with-warnings',
  'failed',
  'cancelled',
  'paused',
];

const chunkDone = (c: ChunkRecord) => c.status !== 'pending' && c.status !== 'copying';

function liveLeaseOwner(run: RunRecord, now: number): string | null {
  const lease = run.lease ?? null;
  return lease !== null && Date.parse(lease.expiresAt) > now ? lease.owner : null;
}

/**
 * Compares what the store says about one run with what it said at the previous `poll()` and
 * answers the events in between. `ended` is true once run-finished was answered (or the run is gone).
 */
export class StoreRunFollower {
  private started = false;
  private step = '';
  private snapshot = '';
  private readonly reported = new Map<string, { rows: number; bytes: number }>();
  private readonly copied = new Set<string>();
  private readonly finished = new Set<string>();
  private done = false;

  constructor(
    private readonly store: RunStore,
    readonly runId: string,
  ) {}

  get ended(): boolean {
    return this.done;
  }

  async poll(now = Date.now()): Promise<StoreRunEvent[]> {
    if (this.done) return [];
    const runId = this.runId;
    const run = await this.store.getRun(runId);
    if (run === null) {
      this.done = true;
      return [];
    }
    const [chunks, results] = await Promise.all([
      this.store.listChunks(runId),
      this.store.listTableResults(runId),
    ]);
    const plans = (run.plan?.tables ?? []).filter((t) => t.copy);
    const events: StoreRunEvent[] = [];

    const doneByTable = new Map<string, { rows: number; bytes: number }>();
    for (const c of chunks.filter(chunkDone)) {
      const sum = doneByTable.get(c.table) ?? { rows: 0, bytes: 0 };
      sum.rows += c.rowsRead;
      sum.bytes += c.bytes;
      doneByTable.set(c.table, sum);
    }

    if (!this.started) {
      this.started = true;
      this.step = run.step;
      events.push({
        type: 'run-started',
        runId,
        resumed: run.status !== 'queued',
        source: run.sourceLocation,
        target: run.targetLocation,
        tables: plans.map((t) => ({
          name: t.target.name,
          estimatedRows: t.source.estimatedRows,
          estimatedBytes: t.source.estimatedBytes,
          doneRows: doneByTable.get(t.target.name)?.rows ?? 0,
          doneBytes: doneByTable.get(t.target.name)?.bytes ?? 0,
        })),
        status: run.status,
        step: run.step,
        via: 'store',
      });
      for (const [table, sum] of doneByTable) this.reported.set(table, { ...sum });
    } else if (run.step !== this.step) {
      this.step = run.step;
      events.push({ type: 'step', runId, step: run.step });
    }

    for (const [table, sum] of doneByTable) {
      const before = this.reported.get(table) ?? { rows: 0, bytes: 0 };
      // A chunk copied again (its verification failed) does not count twice.
      if (sum.rows <= before.rows && sum.bytes <= before.bytes) continue;
      events.push({
        type: 'progress',
        runId,
        table,
        rows: Math.max(0, sum.rows - before.rows),
        bytes: Math.max(0, sum.bytes - before.bytes),
      });
      this.reported.set(table, {
        rows: Math.max(sum.rows, before.rows),
        bytes: Math.max(sum.bytes, before.bytes),
      });
    }

    for (const plan of plans) {
      const table = plan.target.name;
      if (this.copied.has(table)) continue;
      const own = chunks.filter((c) => c.table === table);
      if (own.length === 0 || !own.every(chunkDone)) continue;
      // A keyset table plans its chunks as it goes: copied once the last one is open-ended.
      if (plan.chunking.kind === 'keyset' && own[own.length - 1]!.upper !== null) continue;
      this.copied.add(table);
      events.push({ type: 'table-copied', runId, table, chunks: own.length });
    }

    for (const result of results) {
      if (this.finished.has(result.table)) continue;
      this.finished.add(result.table);
      events.push({ type: 'table-finished', runId, ...result });
    }

    const executor = liveLeaseOwner(run, now);
    const snapshot: Extract<StoreRunEvent, { type: 'snapshot' }> = {
      type: 'snapshot',
      runId,
      status: run.status,
      step: run.step,
      executor,
      rowsDone: [...doneByTable.values()].reduce((n, s) => n + s.rows, 0),
      bytesDone: [...doneByTable.values()].reduce((n, s) => n + s.bytes, 0),
      chunks: {
        total: chunks.length,
        done: chunks.filter(chunkDone).length,
        verified: chunks.filter((c) => c.status === 'verified').length,
      },
      tables: { total: plans.length, copied: this.copied.size },
    };
    const key = JSON.stringify(snapshot);
    if (key !== this.snapshot) {
      this.snapshot = key;
      events.push(snapshot);
    }

    if (endedStatuses.includes(run.status) && executor === null) {
      this.done = true;
      const startedAt = run.startedAt === null ? null : Date.parse(run.startedAt);
      const finishedAt = run.finishedAt === null ? now : Date.parse(run.finishedAt);
      events.push({
        type: 'run-finished',
        runId,
        status: run.status,
        tables: results,
        durationMs: startedAt === null ? 0 : Math.max(0, finishedAt - startedAt),
        error: run.error,
      });
    }
    return events;
  }
}

export interface FollowInStoreOptions {
  onEvent: (event: StoreRunEvent) => void;
  /** Aborting stops following (the client went away). */
  signal: AbortSignal;
  /** Poll period in ms (default 1000). */
  pollMs?: number;
}

/**
 * Polls the store for `runId` and calls `onEvent` for each change until the run ends (after its
 * run-finished event), is gone, or `signal` aborts. A poll that fails (the store unreachable for a
 * moment) is tried again at the next period.
 */
export async function followRunInStore(
  store: RunStore,
  runId: string,
  options: FollowInStoreOptions,
): Promise<void> {
  const follower = new StoreRunFollower(store, runId);
  const pollMs = options.pollMs ?? defaultStorePollMs;
  while (!options.signal.aborted) {
    try {
      for (const event of await follower.poll()) {
        if (options.signal.aborted) return;
        options.onEvent(event);
      }
    } catch {
      // The next poll asks again.
    }
    if (follower.ended) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, pollMs);
      function done() {
        clearTimeout(timer);
        options.signal.removeEventListener('abort', done);
        resolve();
      }
      options.signal.addEventListener('abort', done, { once: true });
    });
  }
}
