// Runs of a migration (`ferry run MIGRATION`): one installation into its tenant, through the gate.
//
//   choose the kind (or take the one asked for) → gate: may it run now? → read the license →
//   pre-migration checks (blocking ones stop every run but a diagnostic) → prepare the tenant
//   (test: wipe it; live/final: freeze the source) → copy, keys, verify (the engine) → the gate
//   moves the phase and the tenant state on.
//
// Kinds handled here: diagnostic (everything into a scratch copy of the tenant's kind of
// database, dropped afterwards: reports what would fail, writes nothing to the tenant), test,
// full and final (a full reload, which also overwrites what changed in the tenant during the
// parallel phase).

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseConnectionUrl } from '../connectors/connection-url.ts';
import { openSource, openTarget } from '../connectors/registry.ts';
import type { Installation } from '../domain/installation.ts';
import type { TableMappings } from '../domain/table-mappings.ts';
import { FerryError } from '../domain/errors.ts';
import type { RunKind } from '../domain/migration-rules.ts';
import type { RunEventListener } from '../engine/events.ts';
import type { RunOutcome } from '../engine/execute-run.ts';
import type { ApplicationProfile, License } from '../profiles/profile.ts';
import type { MigrationRecord, TenantRecord } from '../store/migration-repository.ts';
import { assertNoBlockingChecks, runChecks } from './checks.ts';
import type { ControlPlane } from './control-plane.ts';
import { defaultRunOptions, newRunId, resumeCopyRun, startCopyRun } from './copy-runs.ts';
import { readInstallation } from './installation-file.ts';
import {
  readChangeLogPosition,
  recordChangeLogStart,
  resumeIncrementalRun,
  startIncrementalRun,
} from './incremental-runs.ts';
import { getMigration } from './migrations.ts';
import { assertMappingsUnchangedSince, tableMappingsForRun } from './table-mappings.ts';
import { uploadMigrationDocuments } from './document-uploads.ts';
import type { UploadReport } from '../storage/upload-documents.ts';
import type { UploadMode } from '../storage/document-outcomes.ts';
import { createRunGate } from './run-gate.ts';
import { reportInvalidTextOfDiagnostic, sanitizeAfterLoad } from './sanitize.ts';
import { startDataUpgradeRun } from './data-upgrade.ts';
import { writeTenantUserRegistry } from './tenant-user-registry.ts';
import { getTenant, wipeTenantData } from './tenants.ts';
import { assertUsersReady } from './users.ts';
import { sendUserEmails } from './welcome-emails.ts';

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

export interface MigrationRunInput {
  cp: ControlPlane;
  migrationId: string;
  /** Omitted: chosen as DESIGN.md says, and `onKindChosen` tells why. */
  kind?: RunKind;
  parallel?: number;
  onEvent: RunEventListener;
  signal: AbortSignal;
  onKindChosen?: (kind: RunKind, reason: string) => void;
  onRunCreated?: (runId: string) => void;
}

export interface MigrationRunOutcome extends RunOutcome {
  kind: RunKind;
  /** The document upload of this run; null when the application has no archive or the kind moves none. */
  documents: UploadReport | null;
}

/** No earlier run: an initial upload as a test run (the source stays untouched). */
export async function chooseRunKind(
  cp: ControlPlane,
  migration: MigrationRecord,
): Promise<{ kind: RunKind; reason: string }> {
  const earlier = await cp.store.listRunsOfMigration(migration.id);
  if (earlier.length === 0) {
    return {
      kind: 'test',
      reason:
        'no earlier run of this migration: an initial upload as a test run, which leaves the source untouched ' +
        '(ask for --kind full for the live first migration)',
    };
  }
  if (migration.phase === 'approved' || migration.phase === 'final-migration') {
    return { kind: 'final', reason: `the migration is ${migration.phase}: the final migration is next` };
  }
  return {
    kind: 'incremental',
    reason:
      `an earlier run exists (${earlier[0]!.id}): an incremental run brings the tenant up to date; ` +
      'for documents found since, ask for --kind recovery-missing-files (the tenant database stays as it is)',
  };
}

interface Prepared {
  migration: MigrationRecord;
  profile: ApplicationProfile;
  installation: Installation;
  tenant: TenantRecord;
  license: License;
  /** Which tables, and the migration's table mappings (renames, splits, exclusions). */
  tableOptions: { tables?: string[]; exclude?: string[]; mappings?: TableMappings };
}

async function prepare(cp: ControlPlane, migrationId: string): Promise<Prepared> {
  const migration = await getMigration(cp, migrationId);
  const profile = await cp.profiles(migration.profileId);
  const installation = await readInstallation(migration.installationPath);
  const tenant = await getTenant(cp, migration.tenantId);
  const mappings = await tableMappingsForRun(cp, migration.id);
  const source = await openSource(installation.database);
  try {
    const tables = await source.listTables();
    const ctx = { installation, source, tables };
    const license = await profile.license.read(ctx);
    // Tables the application never migrates (e.g. permissions) stay out; the setup checklist lists them.
    const excluded = tables
      .map((t) => t.name)
      .filter((name) =>
        profile.excludedTables.some((e) =>
          typeof e.table === 'string' ? e.table === name : e.table.test(name),
        ),
      );
    let selected: string[] | undefined;
    if (migration.selectedCompanies !== null) {
      const companies = await profile.companies.list(ctx);
      const chosen = companies.filter((c) => migration.selectedCompanies!.includes(c.id));
      selected = [
        ...new Set([...profile.companies.sharedTables(tables), ...chosen.flatMap((c) => c.tables)]),
      ].filter((name) => !excluded.includes(name));
    }
    return {
      migration,
      profile,
      installation,
      tenant,
      license,
      tableOptions: {
        ...(selected === undefined ? { exclude: excluded } : { tables: selected }),
        ...(mappings === undefined ? {} : { mappings }),
      },
    };
  } finally {
    await source.close();
  }
}

function uploadModeFor(kind: RunKind): UploadMode {
  if (kind === 'recovery-overwrite-test') return 'overwrite-test';
  if (kind === 'recovery-missing-files') return 'missing-files';
  // Incremental and final runs follow earlier uploads: blobs already there with the same
  // checksum are skipped ('unchanged') in every mode.
  return 'initial';
}

/** Documents that failed to upload fail the run; missing ones are listed (the run still counts). */
async function withDocumentOutcome(
  cp: ControlPlane,
  outcome: RunOutcome,
  documents: UploadReport | null,
): Promise<RunOutcome> {
  if (documents === null || documents.failed.length === 0) return outcome;
  await cp.store.updateRun(outcome.runId, {
    status: 'failed',
    error: {
      code: 'FERRY_DOCUMENTS_FAILED',
      message: `${documents.failed.length} document(s) failed to upload`,
    },
  });
  return { ...outcome, status: 'failed' };
}

/**
 * `recovery-missing-files`: the tenant database stays as it is; only documents that were missing
 * (or failed) in the previous upload and are in the archive now, and changed files, are uploaded.
 */
async function documentsOnlyRun(
  cp: ControlPlane,
  prepared: Prepared,
  migrationId: string,
  gate: ReturnType<typeof createRunGate>,
  claim: (runId: string) => Promise<void>,
  signal: AbortSignal,
): Promise<MigrationRunOutcome> {
  const started = Date.now();
  const source = parseConnectionUrl(prepared.installation.database);
  const target = parseConnectionUrl(prepared.tenant.databaseUrl);
  const run = await cp.store.createRun({
    id: newRunId(),
    kind: 'recovery-missing-files',
    migrationId,
    status: 'queued',
    step: 'planned',
    sourceUrl: prepared.installation.database,
    targetUrl: prepared.tenant.databaseUrl,
    sourceLocation: source.redacted,
    targetLocation: target.redacted,
    options: { ...defaultRunOptions, replace: false },
    plan: null,
  });
  await claim(run.id);
  await cp.store.updateRun(run.id, { status: 'running', startedAt: new Date().toISOString() });
  let documents: UploadReport | null = null;
  try {
    documents = await uploadMigrationDocuments({
      cp,
      migrationId,
      runId: run.id,
      installation: prepared.installation,
      profile: prepared.profile,
      tenant: prepared.tenant,
      mode: 'missing-files',
      signal,
    });
  } catch (error) {
    await cp.store.updateRun(run.id, { status: 'failed', finishedAt: new Date().toISOString() });
    await gate.runEnded(migrationId, run.id, 'recovery-missing-files', 'failed');
    throw error;
  }
  const status =
    documents !== null && documents.failed.length > 0
      ? 'failed'
      : documents !== null && documents.missing.length > 0
        ? 'succeeded-with-warnings'
        : 'succeeded';
  await cp.store.updateRun(run.id, { status, step: 'done', finishedAt: new Date().toISOString() });
  await gate.runEnded(migrationId, run.id, 'recovery-missing-files', status);
  return {
    runId: run.id,
    status,
    tables: [],
    durationMs: Date.now() - started,
    kind: 'recovery-missing-files',
    documents,
  };
}

/** The last run that loaded the tenant (what an incremental run brings up to date). */
async function lastLoad(cp: ControlPlane, migrationId: string): Promise<string> {
  const loads = (await cp.store.listRunsOfMigration(migrationId)).filter(
    (r) =>
      ['test', 'full', 'final', 'incremental'].includes(r.kind) &&
      (r.status === 'succeeded' || r.status === 'succeeded-with-warnings'),
  );
  const last = loads[0];
  if (last === undefined) {
    throw new FerryError(
      'FERRY_ILLEGAL_TRANSITION',
      `migration ${migrationId} has no completed load yet: an incremental run needs one`,
      {
        hint: 'Run a test or full run first: `ferry run MIGRATION --kind test`.',
      },
    );
  }
  return last.id;
}

/** Where a diagnostic run writes: a scratch database of the tenant's kind, next to it. */
function diagnosticTarget(tenant: TenantRecord, home: string): { url: string; cleanup(): Promise<void> } {
  const parsed = parseConnectionUrl(tenant.databaseUrl);
  if (parsed.dialect === 'sqlite') {
    const path = join(home, 'tenants', tenant.id, 'diagnostic.db');
    const remove = () => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    };
    remove();
    return { url: `sqlite:${path}`, cleanup: () => Promise.resolve(remove()) };
  }
  const url = new URL(tenant.databaseUrl);
  url.searchParams.set('schema', `${parsed.schema ?? 'public'}_diagnostic`);
  const scratch = url.toString();
  return {
    url: scratch,
    async cleanup() {
      const target = await openTarget(scratch);
      try {
        await target.dropTables((await target.listTables()).map((t) => t.name));
      } finally {
        await target.close();
      }
    },
  };
}

export async function startMigrationRun(input: MigrationRunInput): Promise<MigrationRunOutcome> {
  const { cp } = input;
  const migration = await getMigration(cp, input.migrationId);
  let kind = input.kind;
  if (kind === undefined) {
    const chosen = await chooseRunKind(cp, migration);
    kind = chosen.kind;
    input.onKindChosen?.(chosen.kind, chosen.reason);
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
  if (kind === 'data-upgrade') {
    // Works on the tenant only: no source checks, no copy (services/data-upgrade.ts).
    const outcome = await startDataUpgradeRun({
      cp,
      migrationId: migration.id,
      onEvent: input.onEvent,
      signal: input.signal,
      onRunCreated: (runId) => input.onRunCreated?.(runId),
    });
    return { ...outcome, kind, documents: null };
  }
  const prepared = await prepare(cp, migration.id);

  if (kind !== 'diagnostic') {
    const checks = await runChecks(prepared.installation, { profile: prepared.profile });
    assertNoBlockingChecks(checks.results);
    // Every user who should log in needs a plan and a unique, valid username first.
    await assertUsersReady(cp, migration.id);
  }

  const scratch = kind === 'diagnostic' ? diagnosticTarget(prepared.tenant, cp.store.home) : null;
  const runKind = kind;
  // Claims the migration (one run at a time), moves the phase, sets the tenant in-migration, and
  // binds the session to the license (or refuses: it changed since the first run).
  const claim = async (runId: string) => {
    await gate.runStarted(migration.id, runId, runKind, prepared.license);
    input.onRunCreated?.(runId);
  };
  try {
    let outcome: RunOutcome;
    if (runKind === 'recovery-missing-files') {
      return await documentsOnlyRun(cp, prepared, migration.id, gate, claim, input.signal);
    }
    if (runKind === 'incremental') {
      const previousRunId = await lastLoad(cp, migration.id);
      // It reuses that load's plan: refused when the mappings changed since (a reload applies them).
      const previous = await cp.store.getRun(previousRunId);
      if (previous !== null)
        assertMappingsUnchangedSince(migration.id, previous, prepared.tableOptions.mappings);
      outcome = await startIncrementalRun({
        store: cp.store,
        previousRunId,
        from: prepared.installation.database,
        to: prepared.tenant.databaseUrl,
        onEvent: input.onEvent,
        signal: input.signal,
        ...(input.parallel === undefined ? {} : { options: { parallel: input.parallel } }),
        onRunCreated: (run) => claim(run.id),
      });
    } else {
      // Where the source's change log stands now (when it has one): the next incremental run
      // applies every change from here on.
      const changeLogStart =
        runKind === 'diagnostic' ? null : await readChangeLogPosition(prepared.installation.database);
      outcome = await startCopyRun({
        logDir: join(cp.store.home, 'logs'),
        from: prepared.installation.database,
        to: scratch?.url ?? prepared.tenant.databaseUrl,
        kind: runKind,
        migrationId: migration.id,
        options: {
          ...defaultRunOptions,
          parallel: input.parallel ?? defaultRunOptions.parallel,
          // Every kind copied here reloads the tenant's tables from scratch.
          replace: true,
          ...prepared.tableOptions,
        },
        store: cp.store,
        onEvent: input.onEvent,
        signal: input.signal,
        onRunCreated: async (run) => {
          await claim(run.id);
          await recordChangeLogStart({ store: cp.store, runId: run.id, position: changeLogStart });
          // A test run starts from an empty tenant; overwriting a test keeps its documents, so only
          // new or changed ones are uploaded again.
          if (runKind === 'test') await wipeTenantData(prepared.tenant);
          if (runKind === 'full' || runKind === 'final')
            await prepared.profile.freeze.freeze(prepared.installation);
        },
      });
    }
    // A paused run keeps the migration (no other run starts) until it is resumed or cancelled.
    if (outcome.status === 'paused') return { ...outcome, kind: runKind, documents: null };
    const succeeded = outcome.status === 'succeeded' || outcome.status === 'succeeded-with-warnings';
    let documents: UploadReport | null = null;
    if (succeeded && runKind !== 'diagnostic') {
      documents = await uploadMigrationDocuments({
        cp,
        migrationId: migration.id,
        runId: outcome.runId,
        installation: prepared.installation,
        profile: prepared.profile,
        tenant: prepared.tenant,
        mode: uploadModeFor(runKind),
        signal: input.signal,
      });
      outcome = await withDocumentOutcome(cp, outcome, documents);
      await afterLoad(cp, migration.id, prepared.tenant, runKind);
      // With `ferry sanitize MIGRATION --on-load on`, invalid characters are fixed in the tenant copy.
      if (runKind === 'test' || runKind === 'full' || runKind === 'final')
        outcome = await sanitizeAfterLoad(cp, migration.id, outcome, input.signal);
    }
    // A diagnostic run counts invalid characters in its scratch copy before the copy is dropped.
    if (scratch !== null)
      outcome = await reportInvalidTextOfDiagnostic(cp, migration.id, outcome, scratch.url, input.signal);
    await gate.runEnded(migration.id, outcome.runId, runKind, endOutcome(outcome.status));
    return { ...outcome, kind: runKind, documents };
  } catch (error) {
    const active = (await getMigration(cp, migration.id)).activeRunId;
    if (active !== null) await gate.runEnded(migration.id, active, runKind, 'failed').catch(() => undefined);
    throw error;
  } finally {
    await scratch?.cleanup();
  }
}

/**
 * After the tenant's data is loaded: its user registry gets the users with their plans and
 * usernames; after a live load (not a test run, whose tenant nobody logs in to) the welcome emails
 * and the migrator's user summary go out, when the migration asks for them.
 */
async function afterLoad(
  cp: ControlPlane,
  migrationId: string,
  tenant: TenantRecord,
  kind: RunKind,
): Promise<void> {
  const target = await openTarget(tenant.databaseUrl);
  try {
    await writeTenantUserRegistry(cp, migrationId, target);
  } finally {
    await target.close();
  }
  if (kind === 'full' || kind === 'final') await sendUserEmails(cp, migrationId);
}

function endOutcome(
  status: RunOutcome['status'],
): 'succeeded' | 'succeeded-with-warnings' | 'failed' | 'cancelled' {
  switch (status) {
    case 'succeeded':
    case 'succeeded-with-warnings':
    case 'failed':
    case 'cancelled':
      return status;
    default:
      return 'failed';
  }
}

/**
 * Resume a migration's run from its last checkpoint. The license is read again: if the company
 * name or serial number changed since the session began, the resume is refused.
 */
export async function resumeMigrationRun(
  cp: ControlPlane,
  runId: string,
  onEvent: RunEventListener,
  signal: AbortSignal,
): Promise<MigrationRunOutcome> {
  const run = await cp.store.getRun(runId);
  if (run === null)
    throw new FerryError('FERRY_RUN_NOT_FOUND', `there is no run ${runId} in this Ferry home`);
  if (run.migrationId === null)
    throw new FerryError('FERRY_INTERNAL', `run ${runId} belongs to no migration`);
  const kind = run.kind as RunKind;
  if (kind === 'data-upgrade')
    throw new FerryError(
      'FERRY_RUN_NOT_RESUMABLE',
      `run ${runId} is a data upgrade: start a new one (\`ferry run MIGRATION --kind data-upgrade\`); its steps are idempotent`,
    );
  const prepared = await prepare(cp, run.migrationId);
  const gate = createRunGate(cp);
  await gate.runStarted(run.migrationId, run.id, kind, prepared.license);
  let outcome: RunOutcome =
    kind === 'incremental'
      ? await resumeIncrementalRun({ store: cp.store, runId, onEvent, signal })
      : await resumeCopyRun({ runId, store: cp.store, onEvent, signal, logDir: join(cp.store.home, 'logs') });
  // Paused again: the run keeps the migration.
  if (outcome.status === 'paused') return { ...outcome, kind, documents: null };
  let documents: UploadReport | null = null;
  const succeeded = outcome.status === 'succeeded' || outcome.status === 'succeeded-with-warnings';
  // A resumed load finishes like a started one: documents, then the tenant's user registry.
  if (succeeded && kind !== 'diagnostic' && kind !== 'recovery-missing-files') {
    documents = await uploadMigrationDocuments({
      cp,
      migrationId: run.migrationId,
      runId,
      installation: prepared.installation,
      profile: prepared.profile,
      tenant: prepared.tenant,
      mode: uploadModeFor(kind),
      signal,
    });
    outcome = await withDocumentOutcome(cp, outcome, documents);
    await afterLoad(cp, run.migrationId, prepared.tenant, kind);
  }
  await gate.runEnded(run.migrationId, run.id, kind, endOutcome(outcome.status));
  return { ...outcome, kind, documents };
}
