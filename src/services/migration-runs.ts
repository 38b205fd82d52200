// Runs of a migration (`ferry run MIGRATION`, the API, the scheduler): one installation into its
// tenant, through the gate. Creating a run and executing it are two steps, so the run can execute
// in this process (the CLI, an embedded server) or in a `ferry worker` that takes it from the queue:
//
//   create   choose the kind (or take the one asked for; run-kind-choice.ts) → gate: may it run
//            now? → read the license → pre-migration checks (blocking ones stop every run but a
//            diagnostic) and users ready → record the run (`queued`, its plan or change window
//            fixed) → the gate claims the migration and binds the session to the license
//   execute  under the run's lease (run-lease.ts; nothing executes a run twice at once): read the
//            license again (changed since the session began: refused) → on its first execution
//            prepare the tenant (test: wipe it — database, users, app authorizations; live/final:
//            freeze the source) → the engine: copy, keys, verify (or apply changes, upload
//            documents, upgrade data) → post-load steps and the gate's release (run-post-load.ts)
//
// A resume (after a pause, a failure, a kill) is an execution of a run that is not queued: it
// continues from the checkpoint and finishes like a started run, through the same post-load path.
//
// Kinds: diagnostic (everything into a scratch copy of the tenant's kind of database, dropped
// afterwards: reports what would fail, writes nothing to the tenant), test, full and final (a
// full reload, which also overwrites what changed in the tenant during the parallel phase),
// incremental, recovery-missing-files (documents only), recovery-overwrite-test (a fresh tenant
// database, only new or changed documents), data-upgrade (the tenant's data only).

import { parseConnectionUrl } from '../connectors/connection-url.ts';
import { FerryError, isFerryError } from '../domain/errors.ts';
import { assertLicenseUnchanged, isRunKind, type RunKind } from '../domain/migration-rules.ts';
import { isFinished } from '../domain/run-status.ts';
import type { RunEventListener } from '../engine/events.ts';
import type { RunOutcome } from '../engine/execute-run.ts';
import type { RunRecord } from '../engine/run-store.ts';
import { markRunFailed } from '../engine/run-failures.ts';
import type { UploadReport } from '../storage/upload-documents.ts';
import { assertNoBlockingChecks, runChecks } from './checks.ts';
import type { ControlPlane } from './control-plane.ts';
import { createCopyRun, defaultRunOptions, newRunId, resumeCopyRun } from './copy-runs.ts';
import { applyDataUpgrade, dataUpgradeHook } from './data-upgrade.ts';
import {
  createIncrementalRun,
  readChangeLogPosition,
  recordChangeLogStart,
  resumeIncrementalRun,
} from './incremental-runs.ts';
import { getMigration } from './migrations.ts';
import { superviseExecution } from './run-control.ts';
import { createRunGate } from './run-gate.ts';
import { chooseRunKind, type RunKindChoice } from './run-kind-choice.ts';
import { processLeaseHolder, RunLease } from './run-lease.ts';
import { finishMigrationRun, type MigrationRunOutcome } from './run-post-load.ts';
import {
  diagnosticTarget,
  dropDiagnosticScratch,
  lastLoad,
  prepareMigrationRun,
  uploadPreparedDocuments,
  type PreparedRun,
} from './run-preparation.ts';
import { assertMappingsUnchangedSince } from './table-mappings.ts';
import { wipeTenantData } from './tenants.ts';
import { assertUsersReady } from './users.ts';

export { chooseRunKind, type RunKindChoice } from './run-kind-choice.ts';
export type { MigrationRunOutcome } from './run-post-load.ts';

/** The kinds this service runs today; the others are refused with a clear message. */
const supportedKinds: readonly RunKind[] = [
  'diagnostic',
  'test',
  'full',
  'incremental',
  'final',
  'recovery-missing-files',
  'recovery-overwrite-test',
  'data-upgrade',
];

export interface CreateMigrationRunInput {
  cp: ControlPlane;
  migrationId: string;
  /** Omitted: chosen as DESIGN.md says, and `onKindChosen` tells which and why. */
  kind?: RunKind;
  /** Chunks copied at once (default 4). */
  parallel?: number;
  /** Rows per chunk, the unit of checkpoints and verification (default 100,000). */
  chunkRows?: number;
  onKindChosen?: (choice: RunKindChoice) => void;
}

export interface MigrationRunInput extends CreateMigrationRunInput {
  onEvent: RunEventListener;
  signal: AbortSignal;
  onRunCreated?: (runId: string) => void;
}

export interface CreatedMigrationRun {
  run: RunRecord;
  kind: RunKind;
  /** How the kind was chosen; null when it was asked for. */
  choice: RunKindChoice | null;
  /** What was read from the installation to create it (an execution in this process reuses it). */
  prepared: PreparedRun;
}

/** Creates the run (`queued`) and claims the migration for it; nothing is copied yet. */
export async function createMigrationRun(input: CreateMigrationRunInput): Promise<CreatedMigrationRun> {
  const { cp } = input;
  const migration = await getMigration(cp, input.migrationId);
  let choice: RunKindChoice | null = null;
  let kind = input.kind;
  if (kind === undefined) {
    choice = await chooseRunKind(cp, migration);
    kind = choice.kind;
    input.onKindChosen?.(choice);
  }
  const gate = createRunGate(cp);
  // The phase decides first: after go-live nothing may run, whatever the kind.
  await gate.assertRunAllowed(migration.id, kind);
  if (!supportedKinds.includes(kind)) {
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `run kind "${kind}" is not available yet; use one of ${supportedKinds.join(', ')}`,
    );
  }
  const prepared = await prepareMigrationRun(cp, migration.id);
  if (kind === 'data-upgrade') {
    // Works on the tenant only: no source checks, no copy (services/data-upgrade.ts).
    dataUpgradeHook(prepared.profile, migration.id);
  } else if (kind !== 'diagnostic') {
    const checks = await runChecks(prepared.installation, { profile: prepared.profile });
    assertNoBlockingChecks(checks.results);
    // Every user who should log in needs a plan and a unique, valid username first.
    await assertUsersReady(cp, migration.id);
  }
  const run = await recordRun(cp, prepared, kind, input);
  // Claims the migration (one run at a time), moves the phase, sets the tenant in-migration, and
  // binds the session to the license (or refuses: it changed since the first run).
  try {
    await gate.runStarted(migration.id, run.id, kind, prepared.license);
  } catch (error) {
    await markRunFailed(cp.store, run.id, error);
    throw error;
  }
  return { run, kind, choice, prepared };
}

async function recordRun(
  cp: ControlPlane,
  prepared: PreparedRun,
  kind: RunKind,
  input: CreateMigrationRunInput,
): Promise<RunRecord> {
  const { store } = cp;
  const migrationId = prepared.migration.id;
  const from = prepared.installation.database;
  const tenantUrl = prepared.tenant.databaseUrl;
  switch (kind) {
    case 'data-upgrade':
    case 'recovery-missing-files':
      return store.createRun({
        id: newRunId(),
        kind,
        migrationId,
        status: 'queued',
        step: 'planned',
        sourceUrl: from,
        targetUrl: tenantUrl,
        sourceLocation: parseConnectionUrl(from).redacted,
        targetLocation: parseConnectionUrl(tenantUrl).redacted,
        options: { ...defaultRunOptions, replace: false },
        plan: null,
      });
    case 'incremental': {
      const previousRunId = await lastLoad(cp, migrationId);
      // It reuses that load's plan: refused when the mappings changed since (a reload applies them).
      const previous = await store.getRun(previousRunId);
      if (previous !== null)
        assertMappingsUnchangedSince(migrationId, previous, prepared.tableOptions.mappings);
      return createIncrementalRun({
        store,
        previousRunId,
        from,
        to: tenantUrl,
        options: {
          ...(input.parallel === undefined ? {} : { parallel: input.parallel }),
          ...(input.chunkRows === undefined ? {} : { chunkRows: input.chunkRows }),
        },
      });
    }
    case 'diagnostic':
    case 'test':
    case 'full':
    case 'final':
    case 'recovery-overwrite-test': {
      // Where the source's change log stands now (when it has one): the next incremental run
      // applies every change from here on.
      const changeLogStart = kind === 'diagnostic' ? null : await readChangeLogPosition(from);
      const run = await createCopyRun({
        from,
        to: kind === 'diagnostic' ? diagnosticTarget(prepared.tenant, store.home) : tenantUrl,
        kind,
        migrationId,
        options: {
          ...defaultRunOptions,
          parallel: input.parallel ?? defaultRunOptions.parallel,
          chunkRows: input.chunkRows ?? defaultRunOptions.chunkRows,
          // Every kind copied here reloads the tenant's tables from scratch.
          replace: true,
          ...prepared.tableOptions,
        },
        store,
      });
      await recordChangeLogStart({ store, runId: run.id, position: changeLogStart });
      return run;
    }
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** Creates the run and executes it in this process (the CLI, an embedded server). */
export async function startMigrationRun(input: MigrationRunInput): Promise<MigrationRunOutcome> {
  const { run, prepared } = await createMigrationRun(input);
  input.onRunCreated?.(run.id);
  return executeMigrationRun(input.cp, run.id, { onEvent: input.onEvent, signal: input.signal, prepared });
}

export interface ExecuteMigrationRunOptions {
  onEvent: RunEventListener;
  signal: AbortSignal;
  /** The run's lease when the caller holds it (a worker); otherwise it is claimed here, or refused. */
  lease?: RunLease;
  /**
   * What `createMigrationRun` read from the installation a moment ago in this process: the source
   * is not introspected (tables, license, companies) a second time. Other executions read it anew.
   */
  prepared?: PreparedRun;
}

/**
 * Executes a run of a migration: a queued one for the first time, or one that stopped (paused,
 * failed, cancelled, killed) from its last checkpoint. Refused with FERRY_RUN_LEASED while another
 * process executes it; with FERRY_LICENSE_CHANGED when the company name or serial number changed
 * since the session began.
 */
export async function executeMigrationRun(
  cp: ControlPlane,
  runId: string,
  options: ExecuteMigrationRunOptions,
): Promise<MigrationRunOutcome> {
  const run = await cp.store.getRun(runId);
  if (run === null) throw new FerryError('FERRY_RUN_NOT_FOUND', `there is no run ${runId} in this store`);
  if (run.migrationId === null || !isRunKind(run.kind))
    throw new FerryError('FERRY_INTERNAL', `run ${runId} is not a run of a migration`);
  const lease = options.lease ?? (await RunLease.acquire(cp.store, runId, processLeaseHolder()));
  try {
    return await executeLeased(cp, run, run.kind, { ...options, lease });
  } finally {
    if (options.lease === undefined) await lease.release();
  }
}

/** Resume a migration's run from its last checkpoint (the license is read again). */
export function resumeMigrationRun(
  cp: ControlPlane,
  runId: string,
  onEvent: RunEventListener,
  signal: AbortSignal,
  options: { lease?: RunLease } = {},
): Promise<MigrationRunOutcome> {
  return executeMigrationRun(cp, runId, { onEvent, signal, ...options });
}

async function executeLeased(
  cp: ControlPlane,
  run: RunRecord,
  kind: RunKind,
  options: ExecuteMigrationRunOptions & { lease: RunLease },
): Promise<MigrationRunOutcome> {
  const migrationId = run.migrationId!;
  const firstExecution = run.status === 'queued';
  const prepared =
    options.prepared === undefined
      ? await prepareMigrationRun(cp, migrationId)
      : // The gate bound the session and claimed the migration since: only that is read again.
        { ...options.prepared, migration: await getMigration(cp, migrationId) };
  const gate = createRunGate(cp);
  try {
    // The license first: a changed one refuses every start and every resume, finished run or not.
    assertLicenseUnchanged(prepared.migration, prepared.license);
    assertResumable(run, kind);
    // Re-claims the migration for this run (it holds it already unless the run ended).
    await gate.runStarted(migrationId, run.id, kind, prepared.license);
  } catch (error) {
    // A queued run that may never start must not wait in the queue for ever (a worker would take
    // it again at every sweep): it fails, and releases the migration it was created with.
    if (firstExecution) await endFailed(cp, run.id, kind, migrationId, error);
    throw error;
  }
  const scratchUrl = kind === 'diagnostic' ? run.targetUrl : undefined;
  let outcome: RunOutcome;
  let documents: UploadReport | null = null;
  try {
    if (firstExecution) await prepareTenant(kind, prepared);
    outcome = await executeKind(cp, run, kind, prepared, options, (report) => (documents = report));
  } catch (error) {
    await endFailed(cp, run.id, kind, migrationId, error);
    if (scratchUrl !== undefined) await dropDiagnosticScratch(scratchUrl).catch(() => undefined);
    throw error;
  }
  try {
    return await finishMigrationRun({
      cp,
      kind,
      prepared,
      outcome,
      documents,
      ...(scratchUrl === undefined ? {} : { scratchUrl }),
      signal: options.signal,
    });
  } catch (error) {
    // The data is loaded but a post-load step failed (documents, the user registry): the run
    // records why and releases its migration; a resume repeats the post-load steps.
    await endFailed(cp, run.id, kind, migrationId, error, { evenIfEnded: true });
    throw error;
  } finally {
    if (scratchUrl !== undefined && outcome.status !== 'paused')
      await dropDiagnosticScratch(scratchUrl).catch(() => undefined);
  }
}

function assertResumable(run: RunRecord, kind: RunKind): void {
  const ended = isFinished(run.status) || run.status === 'failed' || run.status === 'cancelled';
  if (kind === 'data-upgrade' && ended)
    throw new FerryError(
      'FERRY_RUN_NOT_RESUMABLE',
      `run ${run.id} is a data upgrade that ended (${run.status}): start a new one (\`ferry run MIGRATION --kind data-upgrade\`); its steps are idempotent`,
    );
  if (isFinished(run.status) && (run.step === 'done' || run.plan === null))
    throw new FerryError('FERRY_RUN_NOT_RESUMABLE', `run ${run.id} already finished (${run.status})`);
}

/** Before a run's first execution: a test run starts from an empty tenant, a live one freezes the source. */
async function prepareTenant(kind: RunKind, prepared: PreparedRun): Promise<void> {
  // Wiping drops every table of the tenant: its migrated database, its user registry and its app
  // authorizations (and its documents).
  if (kind === 'test') await wipeTenantData(prepared.tenant);
  if (kind === 'full' || kind === 'final') await prepared.profile.freeze.freeze(prepared.installation);
}

function executeKind(
  cp: ControlPlane,
  run: RunRecord,
  kind: RunKind,
  prepared: PreparedRun,
  options: ExecuteMigrationRunOptions & { lease: RunLease },
  onDocuments: (report: UploadReport | null) => void,
): Promise<RunOutcome> {
  const { store } = cp;
  const { onEvent, signal, lease } = options;
  switch (kind) {
    case 'incremental':
      return resumeIncrementalRun({ store, runId: run.id, onEvent, signal, lease });
    case 'data-upgrade':
      return superviseExecution(
        store,
        run.id,
        signal,
        onEvent,
        (supervised, events) =>
          applyDataUpgrade({ cp, run, profile: prepared.profile, onEvent: events, signal: supervised }),
        { lease },
      );
    case 'recovery-missing-files':
      return superviseExecution(
        store,
        run.id,
        signal,
        onEvent,
        (supervised, events) => uploadDocumentsOnly(cp, run, prepared, events, supervised, onDocuments),
        { lease },
      );
    case 'diagnostic':
    case 'test':
    case 'full':
    case 'final':
    case 'recovery-overwrite-test':
      return resumeCopyRun({ runId: run.id, store, onEvent, signal, lease });
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/**
 * `recovery-missing-files`: the tenant database stays as it is; only documents that were missing
 * (or failed) in the previous upload and are in the archive now, and changed files, are uploaded.
 */
async function uploadDocumentsOnly(
  cp: ControlPlane,
  run: RunRecord,
  prepared: PreparedRun,
  onEvent: RunEventListener,
  signal: AbortSignal,
  onDocuments: (report: UploadReport | null) => void,
): Promise<RunOutcome> {
  const started = Date.now();
  await cp.store.updateRun(run.id, {
    status: 'running',
    startedAt: run.startedAt ?? new Date().toISOString(),
  });
  onEvent({
    type: 'run-started',
    runId: run.id,
    resumed: run.status !== 'queued',
    source: run.sourceLocation,
    target: run.targetLocation,
    tables: [],
  });
  onEvent({ type: 'step', runId: run.id, step: 'documents', detail: 'missing and changed documents only' });
  const documents = await uploadPreparedDocuments(cp, prepared, run.id, 'missing-files', signal);
  onDocuments(documents);
  const status =
    documents !== null && documents.failed.length > 0
      ? 'failed'
      : signal.aborted
        ? 'cancelled'
        : documents !== null && documents.missing.length > 0
          ? 'succeeded-with-warnings'
          : 'succeeded';
  await cp.store.updateRun(run.id, {
    status,
    step: status === 'succeeded' || status === 'succeeded-with-warnings' ? 'done' : 'planned',
    finishedAt: new Date().toISOString(),
  });
  const durationMs = Date.now() - started;
  onEvent({ type: 'run-finished', runId: run.id, status, tables: [], durationMs });
  return { runId: run.id, status, tables: [], durationMs };
}

/**
 * After an error: the run records it (unless its executor already ended it, or — `evenIfEnded` — a
 * post-load step failed after the engine ended it), and the migration is released if this run
 * holds it. A refusal because another process holds the run changes nothing.
 */
async function endFailed(
  cp: ControlPlane,
  runId: string,
  kind: RunKind,
  migrationId: string,
  error: unknown,
  how: { evenIfEnded?: boolean } = {},
): Promise<void> {
  if (isFerryError(error, 'FERRY_RUN_LEASED')) return;
  const run = await cp.store.getRun(runId);
  if (run !== null && (how.evenIfEnded === true || run.status === 'queued' || run.status === 'running'))
    await markRunFailed(cp.store, runId, error);
  const migration = await getMigration(cp, migrationId);
  if (migration.activeRunId === runId)
    await createRunGate(cp)
      .runEnded(migrationId, runId, kind, 'failed')
      .catch(() => undefined);
}
