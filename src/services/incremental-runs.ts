// Use cases for incremental runs: bring a tenant that an earlier run loaded up to date with the
// source, moving only what changed (docs/incremental.md), and the change tracking they rely on.
//
//   enableChangeTracking(from)       install the change log + triggers on the source (once, on request)
//   recordChangeLogStart(…)          a full run remembers the change-log position it started from
//   createIncrementalRun(…)          record the run and its change window (queued), for a worker
//   startIncrementalRun(…)           create it and apply the changes since the previous run, then verify
//   resumeIncrementalRun(…)          continue a killed or failed incremental run from its checkpoints
//   reconcileByChecksum(…)           the checksum method on its own (a final run overwriting tenant edits)

import { parseConnectionUrl } from '../connectors/connection-url.ts';
import { openSource, openTarget } from '../connectors/registry.ts';
import type { ChangeTrackingStatus, TrackedTable } from '../connectors/types.ts';
import { newRunId } from './copy-runs.ts';
import { FerryError } from '../domain/errors.ts';
import { assertRunTransition, isFinished } from '../domain/run-status.ts';
import type { RunEventListener } from '../engine/events.ts';
import type { RunOutcome } from '../engine/execute-run.ts';
import { executeIncrementalRun } from '../engine/incremental/execute-incremental.ts';
import type { IncrementalMethod, IncrementalRunRecord } from '../engine/incremental/incremental-store.ts';
import type { RunOptions, RunRecord } from '../engine/run-store.ts';
import { markRunFailed } from '../engine/run-failures.ts';
import { IncrementalRepository } from '../store/incremental-repository.ts';
import type { Store } from '../store/open-store.ts';
import { superviseExecution } from './run-control.ts';
import type { RunLease } from './run-lease.ts';

export type { IncrementalMethod } from '../engine/incremental/incremental-store.ts';

/** Install change tracking on every table of the source (or the named ones). */
export async function enableChangeTracking(from: string, tables?: string[]): Promise<TrackedTable[]> {
  const source = await openSource(parseConnectionUrl(from));
  try {
    const tracking = requireTracking(source.changeTracking, source.location);
    const all = await source.listTables();
    const unknown = (tables ?? []).filter((n) => !all.some((t) => t.name === n));
    if (unknown.length > 0) {
      throw new FerryError(
        'FERRY_TABLE_NOT_FOUND',
        `the source has no table named ${unknown.map((n) => `"${n}"`).join(', ')}`,
        {
          details: { tables: unknown },
        },
      );
    }
    return await tracking.installChangeTracking(
      tables === undefined ? all : all.filter((t) => tables.includes(t.name)),
    );
  } finally {
    await source.close();
  }
}

/** Remove the change log and every trigger Ferry installed on the source. */
export async function disableChangeTracking(from: string): Promise<void> {
  const source = await openSource(parseConnectionUrl(from));
  try {
    await requireTracking(source.changeTracking, source.location).uninstallChangeTracking();
  } finally {
    await source.close();
  }
}

export async function changeTrackingStatus(from: string): Promise<ChangeTrackingStatus> {
  const source = await openSource(parseConnectionUrl(from));
  try {
    return (
      (await source.changeTracking?.changeTrackingStatus()) ?? { installed: false, tables: [], lastSeq: '0' }
    );
  } finally {
    await source.close();
  }
}

function requireTracking<T>(tracking: T | undefined, location: string): T {
  if (tracking === undefined) {
    throw new FerryError('FERRY_CHANGE_TRACKING_UNAVAILABLE', `${location} offers no change tracking`);
  }
  return tracking;
}

/** The source's current change-log position, or null when it has no change tracking installed. */
export async function readChangeLogPosition(from: string): Promise<string | null> {
  const status = await changeTrackingStatus(from);
  return status.installed ? status.lastSeq : null;
}

export interface RecordChangeLogStartInput {
  store: Store;
  runId: string;
  /** The source URL; its current position is read when `position` is not given. */
  from?: string;
  /** A position read before the run started copying (readChangeLogPosition). */
  position?: string | null;
}

/**
 * Remember the change-log position a full run started from, so the next incremental run applies
 * every change made from then on. Read the position before the copy starts (an earlier position
 * only makes the next incremental run apply a few changes twice, which is harmless). Returns the
 * recorded position, or null when the source tracks no changes (nothing is recorded).
 */
export async function recordChangeLogStart(input: RecordChangeLogStartInput): Promise<string | null> {
  const position =
    input.position !== undefined
      ? input.position
      : input.from === undefined
        ? null
        : await readChangeLogPosition(input.from);
  if (position === null) return null;
  await new IncrementalRepository(input.store.kysely).recordPosition(input.runId, position);
  return position;
}

export interface CreateIncrementalRunInput {
  store: Store;
  /** The run whose target this one brings up to date (a full run, or the last incremental run). */
  previousRunId: string;
  from: string;
  to: string;
  /** Default: `change-log` when the source tracks changes and the previous run recorded a position, else `checksum`. */
  method?: IncrementalMethod;
  /** Overrides of the previous run's options (parallel, batch sizes, chunk rows). */
  options?: Partial<Pick<RunOptions, 'parallel' | 'chunkRows' | 'batchRows' | 'batchBytes'>>;
}

export interface StartIncrementalRunInput extends CreateIncrementalRunInput {
  onEvent: RunEventListener;
  signal: AbortSignal;
  /** Called once the run exists, before anything moves (e.g. to claim the migration); may refuse by throwing. */
  onRunCreated?: (run: RunRecord) => void | Promise<void>;
  /** The run's lease when the caller holds it already; otherwise the execution claims one. */
  lease?: RunLease;
}

export async function startIncrementalRun(input: StartIncrementalRunInput): Promise<RunOutcome> {
  const { store } = input;
  const run = await createIncrementalRun(input);
  try {
    await input.onRunCreated?.(run);
  } catch (error) {
    await markRunFailed(store, run.id, error);
    throw error;
  }
  assertRunTransition(run.id, run.status, 'running');
  const record = await new IncrementalRepository(store.kysely).getIncrementalRun(run.id);
  if (record === null) throw new FerryError('FERRY_INTERNAL', `run ${run.id} lost its incremental record`);
  return execute(store, run, record, input.onEvent, input.signal, false, input.lease);
}

/**
 * Records an incremental run (status `queued`, its change window fixed) without executing it:
 * `startIncrementalRun` executes it at once, a worker takes it from the queue later
 * (`resumeIncrementalRun` starts a queued run for the first time).
 */
export async function createIncrementalRun(input: CreateIncrementalRunInput): Promise<RunRecord> {
  const { store } = input;
  const incremental = new IncrementalRepository(store.kysely);
  const previous = await store.getRun(input.previousRunId);
  if (previous === null) {
    throw new FerryError('FERRY_RUN_NOT_FOUND', `there is no run ${input.previousRunId} in this Ferry home`);
  }
  if (previous.status !== 'succeeded' && previous.status !== 'succeeded-with-warnings') {
    throw new FerryError(
      'FERRY_ILLEGAL_TRANSITION',
      `run ${previous.id} is ${previous.status}: an incremental run continues only from a run that succeeded`,
      { hint: `Resume run ${previous.id} first, then start the incremental run from it.` },
    );
  }
  if (previous.plan === null) throw new FerryError('FERRY_INTERNAL', `run ${previous.id} has no plan`);
  const sourceUrl = parseConnectionUrl(input.from);
  const targetUrl = parseConnectionUrl(input.to);

  const source = await openSource(sourceUrl);
  let status: ChangeTrackingStatus;
  try {
    status = (await source.changeTracking?.changeTrackingStatus()) ?? {
      installed: false,
      tables: [],
      lastSeq: '0',
    };
  } finally {
    await source.close();
  }
  const fromPosition = await incremental.positionAfter(previous.id);
  const changeLogReady = status.installed && fromPosition !== null;
  const method: IncrementalMethod = input.method ?? (changeLogReady ? 'change-log' : 'checksum');
  if (method === 'change-log' && !changeLogReady) {
    throw new FerryError(
      'FERRY_CHANGE_TRACKING_UNAVAILABLE',
      status.installed
        ? `run ${previous.id} recorded no change-log position of ${sourceUrl.redacted}, so the changes since it are unknown`
        : `${sourceUrl.redacted} has no change tracking installed`,
    );
  }
  const record: Omit<IncrementalRunRecord, 'runId'> = {
    previousRunId: previous.id,
    method,
    fromPosition: method === 'change-log' ? fromPosition : null,
    toPosition: method === 'change-log' ? status.lastSeq : null,
  };
  const run = await store.createRun({
    id: newRunId(),
    kind: 'incremental',
    migrationId: previous.migrationId ?? null,
    status: 'queued',
    step: 'planned',
    sourceUrl: input.from,
    targetUrl: input.to,
    sourceLocation: sourceUrl.redacted,
    targetLocation: targetUrl.redacted,
    options: { ...previous.options, ...input.options, replace: false },
    plan: previous.plan,
  });
  await incremental.createIncrementalRun({ ...record, runId: run.id });
  // The next run continues from the end of this one's window (or, for a checksum run on a tracked
  // source, from the position when it started comparing).
  if (status.installed) await incremental.recordPosition(run.id, status.lastSeq);
  return run;
}

export interface ResumeIncrementalRunInput {
  store: Store;
  runId: string;
  onEvent: RunEventListener;
  signal: AbortSignal;
  /** The run's lease when the caller holds it (a worker); otherwise the resume claims one. */
  lease?: RunLease;
}

export async function resumeIncrementalRun(input: ResumeIncrementalRunInput): Promise<RunOutcome> {
  const run = await input.store.getRun(input.runId);
  if (run === null)
    throw new FerryError('FERRY_RUN_NOT_FOUND', `there is no run ${input.runId} in this Ferry home`);
  const record = await new IncrementalRepository(input.store.kysely).getIncrementalRun(run.id);
  if (record === null) {
    throw new FerryError('FERRY_RUN_NOT_RESUMABLE', `run ${run.id} is not an incremental run`);
  }
  if (isFinished(run.status) && run.step === 'done') {
    throw new FerryError('FERRY_RUN_NOT_RESUMABLE', `run ${run.id} already finished (${run.status})`);
  }
  if (run.status !== 'running') assertRunTransition(run.id, run.status, 'running');
  // A queued run (taken from the job queue) starts here for the first time.
  return execute(input.store, run, record, input.onEvent, input.signal, run.status !== 'queued', input.lease);
}

async function execute(
  store: Store,
  run: RunRecord,
  record: IncrementalRunRecord,
  onEvent: RunEventListener,
  signal: AbortSignal,
  resumed: boolean,
  lease: RunLease | undefined,
): Promise<RunOutcome> {
  const sourceUrl = parseConnectionUrl(run.sourceUrl);
  const targetUrl = parseConnectionUrl(run.targetUrl);
  const previousChunks = await store.listChunks(record.previousRunId);
  // Supervised: under a lease, logged, a pause or cancel asked from any process reaches it.
  return superviseExecution(
    store,
    run.id,
    signal,
    onEvent,
    (supervised, events) =>
      executeIncrementalRun({
        store,
        incremental: new IncrementalRepository(store.kysely),
        run,
        record,
        previousChunks,
        openSource: () => openSource(sourceUrl),
        openTarget: () => openTarget(targetUrl),
        onEvent: events,
        signal: supervised,
        resumed,
      }),
    lease === undefined ? {} : { lease },
  );
}

/**
 * The checksum method on its own: compare source and target table by table and copy again what
 * differs — including rows changed, added or deleted on the target (what a final run overwrites).
 */
export function reconcileByChecksum(input: Omit<StartIncrementalRunInput, 'method'>): Promise<RunOutcome> {
  return startIncrementalRun({ ...input, method: 'checksum' });
}
