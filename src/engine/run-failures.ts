// What the executors (full copy and incremental) share: their sessions, which errors stop the
// whole run, how a table's failure is recorded and announced, and how a run is closed — with its
// table results, or as failed with the error that stopped it.

import { isFerryError } from '../domain/errors.ts';
import type { RunStatus } from '../domain/run-status.ts';
import type { RunEventListener } from './events.ts';
import type { RunOutcome } from './execute-run.ts';
import type { MigrationPlan } from './plan.ts';
import { buildTableResults, runStatusFrom, type TableFailure } from './run-results.ts';
import type { RunStore } from './run-store.ts';
import { SessionSlots, type SessionPair } from './session-slots.ts';

/** Errors after which no other table can make progress either: the run stops, resumable. */
const runFatalCodes = new Set([
  'FERRY_DISK_FULL',
  'FERRY_HOST_UNREACHABLE',
  'FERRY_AUTH_FAILED',
  'FERRY_DATABASE_NOT_FOUND',
]);

export function toFailure(error: unknown): TableFailure {
  if (isFerryError(error)) return { code: error.code, message: error.message, hint: error.hint };
  return {
    code: 'FERRY_INTERNAL',
    message: error instanceof Error ? error.message : String(error),
    hint: 'This is a bug in Ferry. Please report it with the output of --verbose.',
  };
}

/** Table failures of one run; the first run-fatal error (or bug) is kept to be thrown. */
export class RunFailures {
  readonly byTable = new Map<string, TableFailure>();
  fatal: unknown = null;

  constructor(
    private readonly runId: string,
    private readonly onEvent: RunEventListener,
  ) {}

  /** Records `error` against `table`; true when it must stop the run (for runBounded's onError). */
  record(table: string, error: unknown): boolean {
    const isFatal = !isFerryError(error) || runFatalCodes.has(error.code);
    if (isFatal) this.fatal ??= error;
    if (!this.byTable.has(table)) {
      const f = toFailure(error);
      this.byTable.set(table, f);
      this.onEvent({ type: 'table-failed', runId: this.runId, table, code: f.code, message: f.message });
    }
    return isFatal;
  }

  throwIfFatal(): void {
    if (this.fatal !== null) throw this.fatal;
  }
}

export async function markRunFailed(store: RunStore, runId: string, error: unknown): Promise<void> {
  const failure = toFailure(error);
  await store.updateRun(runId, {
    status: 'failed',
    finishedAt: new Date().toISOString(),
    error: { code: failure.code, message: failure.message },
  });
}

export interface FinishRunInput {
  store: RunStore;
  runId: string;
  plan: MigrationPlan;
  failures: RunFailures;
  /** A status decided by the caller (e.g. cancelled); null: from the table results. */
  forced: RunStatus | null;
  startedAt: number;
  onEvent: RunEventListener;
  /** Records the run's step for its final status (each executor has its own steps). */
  recordStep(status: RunStatus): Promise<void>;
}

/** Table results from the chunks, the run's final status, and the run-finished event. */
export async function finishRun(input: FinishRunInput): Promise<RunOutcome> {
  const { store, runId } = input;
  const tables = buildTableResults(input.plan, await store.listChunks(runId), input.failures.byTable);
  const status = input.forced ?? runStatusFrom(tables);
  await store.saveTableResults(runId, tables);
  await input.recordStep(status);
  await store.updateRun(runId, { status, finishedAt: new Date().toISOString(), error: null });
  const durationMs = Date.now() - input.startedAt;
  input.onEvent({ type: 'run-finished', runId, status, tables, durationMs });
  return { runId, status, tables, durationMs };
}

/** The main session pair and `parallel` more, opened lazily; `close` closes them all. */
export async function openRunSessions(
  parallel: number,
  open: { openSource(): Promise<SessionPair['source']>; openTarget(): Promise<SessionPair['target']> },
): Promise<{ main: SessionPair; slots: SessionSlots; close(): Promise<void> }> {
  const main: SessionPair = { source: await open.openSource(), target: await open.openTarget() };
  const slots = new SessionSlots(Math.max(1, parallel), async () => ({
    source: await open.openSource(),
    target: await open.openTarget(),
  }));
  return {
    main,
    slots,
    async close() {
      await slots.close();
      await Promise.allSettled([main.source.close(), main.target.close()]);
    },
  };
}
