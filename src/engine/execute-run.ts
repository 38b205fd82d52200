// The executor: applies a stored plan to the target, step by step, checkpointing each step so a
// killed process can be resumed from where it stopped.
//
//   planned → tables-created → chunks-planned → copied → keyed → verified → done
//
// Errors: a table-level error (a value that does not fit, a table dropped from the source) fails
// that table and the run goes on with the others; a run-level error (full disk, lost connection)
// stops the run, which stays resumable.

import type { SourceConnection, TargetConnection } from '../connectors/types.ts';
import { FerryError } from '../domain/errors.ts';
import { chunkSignal, isPauseRequest, type RunStatus } from '../domain/run-status.ts';
import type { TableResult } from '../domain/table-result.ts';
import { integerRanges } from './chunk-planner.ts';
import { copyChunk, copyKeysetTable, emptyChunk, type CopyContext } from './copy-chunks.ts';
import type { RunEventListener } from './events.ts';
import type { TablePlan } from './plan.ts';
import { finishRun, markRunFailed, openRunSessions, RunFailures } from './run-failures.ts';
import { stepReached, type ChunkRecord, type RunRecord, type RunStep, type RunStore } from './run-store.ts';
import { runBounded } from './session-slots.ts';
import { verifyChunks } from './verify-chunks.ts';

export interface ExecuteOptions {
  store: RunStore;
  run: RunRecord;
  openSource(): Promise<SourceConnection>;
  openTarget(): Promise<TargetConnection>;
  onEvent: RunEventListener;
  /** Aborting stops new chunks; chunks in flight finish and are checkpointed. */
  signal: AbortSignal;
  resumed: boolean;
}

export interface RunOutcome {
  runId: string;
  status: RunStatus;
  tables: TableResult[];
  durationMs: number;
}

export async function executeRun(options: ExecuteOptions): Promise<RunOutcome> {
  const { store, run, onEvent, signal } = options;
  const plan = run.plan;
  if (plan === null) throw new FerryError('FERRY_INTERNAL', `run ${run.id} has no plan`);
  const started = Date.now();
  const copyable = plan.tables.filter((t) => t.copy);
  const failures = new RunFailures(run.id, onEvent);
  const fail = (table: string, error: unknown) => failures.record(table, error);
  let step: RunStep = run.step;
  const setStep = async (next: RunStep) => {
    step = next;
    await store.updateRun(run.id, { step: next });
    onEvent({ type: 'step', runId: run.id, step: next });
  };
  const sessions = await openRunSessions(run.options.parallel, options);
  const { main, slots } = sessions;
  try {
    await store.updateRun(run.id, {
      status: 'running',
      startedAt: run.startedAt ?? new Date().toISOString(),
    });

    if (!stepReached(step, 'tables-created')) {
      await main.target.dropTables(copyable.map((t) => t.target.name));
      for (const table of copyable) await main.target.execute(table.ddl.create);
      await setStep('tables-created');
    }

    if (!stepReached(step, 'chunks-planned')) {
      for (const table of copyable)
        await store.insertChunks(run.id, await planChunks(table, main.source, run));
      await setStep('chunks-planned');
    }

    let chunks = await store.listChunks(run.id);
    onEvent({
      type: 'run-started',
      runId: run.id,
      resumed: options.resumed,
      source: run.sourceLocation,
      target: run.targetLocation,
      tables: copyable.map((t) => {
        const done = chunks.filter(
          (c) => c.table === t.target.name && c.status !== 'pending' && c.status !== 'copying',
        );
        return {
          name: t.target.name,
          estimatedRows: t.source.estimatedRows,
          estimatedBytes: t.source.estimatedBytes,
          doneRows: done.reduce((n, c) => n + c.rowsRead, 0),
          doneBytes: done.reduce((n, c) => n + c.bytes, 0),
        };
      }),
    });

    if (!stepReached(step, 'copied')) {
      const ctx: CopyContext = {
        runId: run.id,
        store,
        options: run.options,
        // A pause or cancel lets the chunks in flight finish; only other aborts reach them.
        signal: chunkSignal(signal),
        onProgress: (table, rows, bytes) => onEvent({ type: 'progress', runId: run.id, table, rows, bytes }),
        onChunkCopied: (table, chunk) =>
          onEvent({
            type: 'chunk-copied',
            runId: run.id,
            table,
            chunk: chunk.index,
            rows: chunk.rowsRead,
            bytes: chunk.bytes,
            durationMs: chunk.durationMs,
          }),
      };
      const tasks = copyTasks(copyable, chunks);
      const openTasks = new Map<string, number>();
      for (const task of tasks)
        openTasks.set(task.plan.target.name, (openTasks.get(task.plan.target.name) ?? 0) + 1);
      const taskDone = (table: string) => {
        const left = (openTasks.get(table) ?? 1) - 1;
        openTasks.set(table, left);
        if (left === 0 && !failures.byTable.has(table)) {
          const rows = chunks.filter((c) => c.table === table).length;
          onEvent({ type: 'table-copied', runId: run.id, table, chunks: rows });
        }
      };
      const writers = Math.min(run.options.parallel, main.target.maxConcurrentWriters);
      await runBounded(
        tasks,
        writers,
        (task) =>
          failures.byTable.has(task.plan.target.name)
            ? Promise.resolve()
            : slots.with(async (sessions) => {
                if (task.kind === 'chunk') await copyChunk(ctx, task.plan, task.chunk, sessions);
                else await copyKeysetTable(ctx, task.plan, task.chunks, sessions);
                taskDone(task.plan.target.name);
              }),
        (task, error) => fail(task.plan.target.name, error),
        () => signal.aborted,
      );
      failures.throwIfFatal();
      // A pause ends `paused` (resumable, the migration stays held); anything else is a cancel.
      if (signal.aborted) return await finish(isPauseRequest(signal) ? 'paused' : 'cancelled');
      await setStep('copied');
    }

    if (!stepReached(step, 'keyed')) {
      const steps = new Map((await store.listTableSteps(run.id)).map((s) => [s.table, s]));
      const loaded = copyable.filter((t) => !failures.byTable.has(t.target.name));
      await runBounded(
        loaded.filter((t) => steps.get(t.target.name)?.keysDone !== true),
        run.options.parallel,
        (table) =>
          slots.with(async ({ target }) => {
            onEvent({ type: 'step', runId: run.id, step: 'keys', detail: table.target.name });
            await target.execute(table.ddl.keys);
            await store.setTableStep(run.id, table.target.name, { keysDone: true });
          }),
        (table, error) => fail(table.target.name, error),
      );
      failures.throwIfFatal();
      for (const table of loaded.filter((t) => !failures.byTable.has(t.target.name))) {
        if (steps.get(table.target.name)?.foreignKeysDone === true) continue;
        try {
          await main.target.execute(table.ddl.foreignKeys);
          await store.setTableStep(run.id, table.target.name, { foreignKeysDone: true });
        } catch (error) {
          fail(table.target.name, error);
        }
      }
      failures.throwIfFatal();
      await setStep('keyed');
    }

    chunks = await store.listChunks(run.id);
    await verifyChunks({
      runId: run.id,
      store,
      plans: copyable.filter((t) => !failures.byTable.has(t.target.name)),
      chunks,
      slots,
      parallel: run.options.parallel,
      onEvent,
      onError: fail,
    });
    failures.throwIfFatal();
    await setStep('verified');
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
      // A failed run goes back to its copy step: a resume retries what failed and skips what is done.
      recordStep: async (status) => {
        if (forced === null) await setStep(status === 'failed' ? 'chunks-planned' : 'done');
      },
    });
  }
}

type CopyTask =
  | { kind: 'chunk'; plan: TablePlan; chunk: ChunkRecord }
  | { kind: 'keyset'; plan: TablePlan; chunks: ChunkRecord[] };

function copyTasks(tables: TablePlan[], chunks: ChunkRecord[]): CopyTask[] {
  const tasks: CopyTask[] = [];
  for (const plan of tables) {
    const own = chunks.filter((c) => c.table === plan.target.name);
    // A chunk that failed verification is copied again over its recorded range, whatever the chunking.
    for (const chunk of own) if (chunk.status === 'mismatch') tasks.push({ kind: 'chunk', plan, chunk });
    if (plan.chunking.kind === 'keyset') {
      const last = own[own.length - 1];
      const open = own.some((c) => c.status === 'pending' || c.status === 'copying');
      if (open || (last !== undefined && last.upper !== null))
        tasks.push({ kind: 'keyset', plan, chunks: own });
      continue;
    }
    for (const chunk of own) {
      if (chunk.status === 'pending' || chunk.status === 'copying')
        tasks.push({ kind: 'chunk', plan, chunk });
    }
  }
  // Longest first (LPT scheduling): what cannot be split (keyset and whole-table copies) and the
  // biggest chunks start early, the small ones fill the gaps, so no session copies alone at the end.
  // Ties keep plan order, then chunk order.
  const chunksOf = new Map<string, number>();
  for (const c of chunks) chunksOf.set(c.table, (chunksOf.get(c.table) ?? 0) + 1);
  const estimate = (task: CopyTask): number =>
    task.kind === 'keyset'
      ? task.plan.source.estimatedBytes
      : task.plan.source.estimatedBytes / Math.max(1, chunksOf.get(task.plan.target.name) ?? 1);
  return tasks
    .map((task, order) => ({ task, order, bytes: estimate(task) }))
    .sort((a, b) => b.bytes - a.bytes || a.order - b.order)
    .map((t) => t.task);
}

async function planChunks(
  table: TablePlan,
  source: SourceConnection,
  run: RunRecord,
): Promise<ChunkRecord[]> {
  // Chunk records are keyed by the target table; the key bounds come from the source table.
  const name = table.target.name;
  switch (table.chunking.kind) {
    case 'integer-range': {
      const bounds = await source.integerKeyBounds(table.source.name, table.chunking.column);
      if (bounds === null) return [emptyChunk(name, 0, null, null)];
      return integerRanges(
        bounds.min,
        bounds.max,
        table.source.estimatedRows,
        run.options.chunkRows,
        table.source.estimatedBytes,
      ).map((r, i) => emptyChunk(name, i, r.lower, r.upper));
    }
    case 'keyset':
    case 'whole-table':
      return [emptyChunk(name, 0, null, null)];
    default: {
      const never: never = table.chunking;
      return never;
    }
  }
}
