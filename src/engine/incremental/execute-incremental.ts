// The incremental executor: brings a target that an earlier run loaded up to date with the source,
// moving only what changed, then verifies. Two methods (see docs/incremental.md):
//
//   change-log  the source's change log (triggers, connectors' change-tracking.ts) names every key
//               changed in the window (from, to]; per table those keys are deleted on the target
//               and copied again from the source, in batches, checkpointed per table. A table the
//               log does not track is reconciled by checksum instead.
//   checksum    every table is compared range by range with in-database checksums and what
//               differs is copied again (checksum-reconcile.ts); finds target-side edits too.
//
//   planned → copied → done   (status: queued → running → succeeded · succeeded-with-warnings · failed)
//
// Tables run in parallel (`parallel` sessions; one writer for a SQLite target). A resume reads the
// same window again and skips, per table, every key at or before its checkpoint.

import type { Cell, SourceConnection, TargetConnection } from '../../connectors/types.ts';
import { FerryError } from '../../domain/errors.ts';
import { chunkSignal, isPauseRequest, type RunStatus } from '../../domain/run-status.ts';
import { emptyChunk } from '../copy-chunks.ts';
import type { RunEventListener } from '../events.ts';
import type { RunOutcome } from '../execute-run.ts';
import type { TablePlan } from '../plan.ts';
import { finishRun, markRunFailed, openRunSessions, RunFailures } from '../run-failures.ts';
import type { ChunkRecord, RunRecord, RunStore } from '../run-store.ts';
import { runBounded } from '../session-slots.ts';
import { applyTableChanges, emptyCounts, type ApplyContext } from './apply-changes.ts';
import { readChangeSet, type TableChanges } from './change-set.ts';
import { reconcileTable } from './checksum-reconcile.ts';
import type { IncrementalRunRecord, IncrementalStore } from './incremental-store.ts';
import { verifyTable } from './verify-changes.ts';

export interface IncrementalExecuteOptions {
  store: RunStore;
  incremental: IncrementalStore;
  run: RunRecord;
  record: IncrementalRunRecord;
  /** The previous run's chunks (keyset ranges for the checksum method). */
  previousChunks: ChunkRecord[];
  openSource(): Promise<SourceConnection>;
  openTarget(): Promise<TargetConnection>;
  onEvent: RunEventListener;
  signal: AbortSignal;
  resumed: boolean;
}

type TableTask =
  | { kind: 'changes'; plan: TablePlan; key: string[]; changes: TableChanges | undefined }
  | { kind: 'reconcile'; plan: TablePlan };

export async function executeIncrementalRun(options: IncrementalExecuteOptions): Promise<RunOutcome> {
  const { store, incremental, run, record, onEvent, signal } = options;
  const plan = run.plan;
  if (plan === null) throw new FerryError('FERRY_INTERNAL', `run ${run.id} has no plan`);
  const started = Date.now();
  const copyable = plan.tables.filter((t) => t.copy);
  const failures = new RunFailures(run.id, onEvent);
  const fail = (table: string, error: unknown) => failures.record(table, error);
  const sessions = await openRunSessions(run.options.parallel, options);
  const { main, slots } = sessions;
  try {
    await store.updateRun(run.id, {
      status: 'running',
      startedAt: run.startedAt ?? new Date().toISOString(),
    });
    let chunks = await store.listChunks(run.id);
    if (chunks.length === 0) {
      await store.insertChunks(
        run.id,
        copyable.map((t) => emptyChunk(t.target.name, 0, null, null)),
      );
      chunks = await store.listChunks(run.id);
    }
    onEvent({
      type: 'run-started',
      runId: run.id,
      resumed: options.resumed,
      source: run.sourceLocation,
      target: run.targetLocation,
      tables: copyable.map((t) => ({
        name: t.target.name,
        estimatedRows: t.source.estimatedRows,
        estimatedBytes: t.source.estimatedBytes,
        doneRows: 0,
        doneBytes: 0,
      })),
    });

    // What to do per table.
    const tasks: TableTask[] = [];
    if (record.method === 'change-log') {
      const tracking = main.source.changeTracking;
      if (tracking === undefined || record.fromPosition === null || record.toPosition === null) {
        throw new FerryError('FERRY_INTERNAL', `run ${run.id} is a change-log run without a change log`);
      }
      const status = await tracking.changeTrackingStatus();
      const tracked = new Map(status.tables.map((t) => [t.table, t.key]));
      onEvent({
        type: 'step',
        runId: run.id,
        step: 'reading-changes',
        detail: `${record.fromPosition}..${record.toPosition}`,
      });
      const changeSet = await readChangeSet(tracking, record.fromPosition, record.toPosition, signal);
      for (const table of copyable) {
        const key = tracked.get(table.source.name);
        if (key === undefined) tasks.push({ kind: 'reconcile', plan: table });
        else tasks.push({ kind: 'changes', plan: table, key, changes: changeSet.get(table.source.name) });
      }
    } else {
      for (const table of copyable) tasks.push({ kind: 'reconcile', plan: table });
    }

    const progress = new Map((await incremental.listTableProgress(run.id)).map((p) => [p.table, p]));
    // A pause or cancel lets the batches in flight finish; only other aborts reach them.
    const ctx: ApplyContext = {
      runId: run.id,
      store,
      incremental,
      options: run.options,
      signal: chunkSignal(signal),
      onEvent,
    };
    const writers = Math.max(1, Math.min(run.options.parallel, main.target.maxConcurrentWriters));
    const chunkOf = (table: string) => chunks.find((c) => c.table === table)!;

    await runBounded(
      tasks,
      writers,
      (task) =>
        slots.with(async (sessions) => {
          const table = task.plan.target.name;
          const chunk = chunkOf(table);
          if (task.kind === 'reconcile') {
            const counts = emptyCounts();
            const previous = options.previousChunks.filter((c) => c.table === table);
            const r = await reconcileTable(ctx, task.plan, previous, sessions, counts);
            await incremental.saveTableProgress(run.id, {
              table,
              consumedPosition: null,
              rowsDeleted: r.rowsDeleted,
            });
            const ok = r.source.rows === r.target.rows && r.source.sum === r.target.sum;
            await store.updateChunk(run.id, table, chunk.index, {
              status: ok ? 'verified' : 'mismatch',
              rowsRead: counts.rowsRead,
              rowsWritten: counts.rowsWritten,
              bytes: counts.bytes,
              warnings: counts.warnings,
              source: r.source,
              target: r.target,
            });
            onEvent({ type: 'chunk-verified', runId: run.id, table, chunk: chunk.index, ok });
            return;
          }
          const changes = task.changes ?? { keys: [], wholeTableSeq: null, lastSeq: 0n, entries: 0 };
          if (changes.entries > 0) {
            await applyTableChanges(ctx, task.plan, task.key, changes, progress.get(table), chunk, sessions);
          }
          onEvent({ type: 'table-copied', runId: run.id, table, chunks: 1 });
          const whole = changes.entries > 0 && (changes.wholeTableSeq !== null || task.key.length === 0);
          const keys: Cell[][] | null = whole ? null : changes.keys.map((k) => k.key);
          const v = await verifyTable(task.plan, task.key, keys, sessions);
          if (v.sourceRows !== v.targetRows) {
            fail(
              table,
              new FerryError(
                'FERRY_VERIFY_MISMATCH',
                `table "${table}" has ${v.sourceRows} rows on the source and ${v.targetRows} on the target after the incremental run`,
                { details: { table, sourceRows: v.sourceRows, targetRows: v.targetRows } },
              ),
            );
          }
          await store.updateChunk(run.id, table, chunk.index, {
            status: v.ok ? 'verified' : 'mismatch',
            source: v.source,
            target: v.target,
          });
          onEvent({ type: 'chunk-verified', runId: run.id, table, chunk: chunk.index, ok: v.ok });
        }),
      (task, error) => fail(task.plan.target.name, error),
      () => signal.aborted,
    );
    failures.throwIfFatal();
    if (signal.aborted) return await finish(isPauseRequest(signal) ? 'paused' : 'cancelled');
    return await finish(null);
  } catch (error) {
    await markRunFailed(store, run.id, error);
    throw error;
  } finally {
    await sessions.close();
  }

  function finish(forced: RunStatus | null): Promise<RunOutcome> {
    return finishRun({
      store,
      runId: run.id,
      plan: plan!,
      failures,
      forced,
      startedAt: started,
      onEvent,
      // A failed run stays resumable: a resume applies what is left and verifies again.
      recordStep: async (status) => {
        if (forced === null && status !== 'failed') await store.updateRun(run.id, { step: 'done' });
      },
    });
  }
}
