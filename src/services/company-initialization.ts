// Company initialization (issue 4): on an operator's request, one job per company runs the
// profile's `companies.initialize` hook against the migration's tenant. Jobs go through the queue
// port — in-process with the SQLite store, pg-boss (`ferry worker`) with the PostgreSQL store — and
// each company's row in the store (company-initialization-repository.ts) says how its job stands.
//
// While a company's job is `queued` or `running` the company is busy: initializing it again is
// refused with FERRY_COMPANY_BUSY, and so is everything that would change the tenant under it
// (company-busy.ts). A busy company cannot stay locked forever: a queued job no worker took within
// `queuedTimeoutMs`, and a running job whose worker stopped renewing its lease, count as failed
// from then on. Initialization does not start while a run holds the migration.

import { hostname } from 'node:os';
import { redactUrl } from '../connectors/connection-url.ts';
import { openSource, openTarget } from '../connectors/registry.ts';
import type { SourceConnection, TargetConnection } from '../connectors/types.ts';
import { isBusy, type CompanyInitializationStatus } from '../domain/company-initialization.ts';
import { FerryError, isFerryError } from '../domain/errors.ts';
import type { Installation } from '../domain/installation.ts';
import type { Company, CompanyInitContext } from '../profiles/profile.ts';
import { InProcessQueue } from '../queue/in-process-queue.ts';
import type {
  CompanyInitializationJob,
  CompanyInitializationJobHandler,
  JobQueue,
} from '../queue/job-queue.ts';
import type { CompanyInitializationRecord } from '../store/company-initialization-repository.ts';
import type { MigrationRecord } from '../store/migration-repository.ts';
import { companyBusyError, failExpiredInitializations, initializationsRepo } from './company-busy.ts';
import { type ControlPlane, migrationsRepo, nowIso } from './control-plane.ts';
import { readInstallation } from './installation-file.ts';
import { getMigration } from './migrations.ts';
import { tenantSetup } from './tenant-setup.ts';

/** How long a queued job waits for a worker before it counts as failed (10 minutes). */
export const defaultQueuedTimeoutMs = 10 * 60_000;
/** How long a running job's lease lasts without renewal (30 s; renewed every third of it). */
export const defaultInitializationLeaseMs = 30_000;

export interface CompanyInitializationView {
  companyId: string;
  companyName: string;
  status: CompanyInitializationStatus;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** What the profile's hook did, once succeeded. */
  summary: string | null;
  /** Why it failed. */
  error: { code: string; message: string } | null;
  /** The worker executing it, while running. */
  worker: string | null;
}

export interface CompanyInitializations {
  migrationId: string;
  companies: CompanyInitializationView[];
}

const repo = initializationsRepo;

function view(r: CompanyInitializationRecord): CompanyInitializationView {
  return {
    companyId: r.companyId,
    companyName: r.companyName,
    status: r.status,
    queuedAt: r.queuedAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    summary: r.summary,
    error: r.error,
    worker: r.status === 'running' ? r.leaseOwner : null,
  };
}

/** Each company's last initialization job (companies never initialized are not listed). */
export async function listCompanyInitializations(
  cp: ControlPlane,
  migrationId: string,
): Promise<CompanyInitializations> {
  await getMigration(cp, migrationId);
  await failExpiredInitializations(cp, migrationId);
  return { migrationId, companies: (await repo(cp).list(migrationId)).map(view) };
}

// A run of the migration does not start while one of its companies is busy (the run gate asks):
export { assertNoCompanyBusyForRun, assertSelectionChangeAllowed } from './company-busy.ts';

// ---- starting ------------------------------------------------------------------------------------

async function withSource<T>(
  installation: Installation,
  use: (source: SourceConnection) => Promise<T>,
): Promise<T> {
  const source = await openSource(installation.database);
  try {
    return await use(source);
  } finally {
    await source.close();
  }
}

function assertInitializable(migration: MigrationRecord): void {
  if (migration.phase === 'live' || migration.phase === 'abandoned')
    throw new FerryError(
      'FERRY_ILLEGAL_TRANSITION',
      `migration ${migration.id} is ${migration.phase}: its companies can no longer be initialized`,
      { details: { migrationId: migration.id, phase: migration.phase } },
    );
}

export interface StartCompanyInitializationOptions {
  /** How long a queued job waits for a worker before it counts as failed, in ms (default 10 min). */
  queuedTimeoutMs?: number;
}

/**
 * Queues one initialization job per company: the given ids (each must be a selected company of
 * the migration), or null for every selected company. All or none: when one of them is busy,
 * nothing is queued and FERRY_COMPANY_BUSY names it. Answers with the queued jobs.
 */
export async function startCompanyInitializations(
  cp: ControlPlane,
  migrationId: string,
  companyIds: string[] | null,
  queue: JobQueue,
  options: StartCompanyInitializationOptions = {},
): Promise<CompanyInitializations> {
  const migration = await getMigration(cp, migrationId);
  assertInitializable(migration);
  // A run (running, queued or paused) holds the migration and changes the tenant: not now.
  const active = await migrationsRepo(cp).activeRun(migration);
  if (active !== null)
    throw new FerryError(
      'FERRY_ILLEGAL_TRANSITION',
      `migration ${migrationId} is held by ${active.kind} run ${active.id} (${active.status}): companies are initialized while no run changes the tenant; start the initialization after the run has ended`,
      { details: { migrationId, runId: active.id, runStatus: active.status } },
    );
  const profile = await cp.profiles(migration.profileId);
  if (profile.companies.initialize === undefined)
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `the ${profile.id} profile has no company initialization: its companies need none`,
    );
  const installation = await readInstallation(migration.installationPath);
  const companies = await withSource(installation, async (source) =>
    profile.companies.list({ installation, source, tables: await source.listTables() }),
  );
  const selected = companies.filter(
    (c) => migration.selectedCompanies === null || migration.selectedCompanies.includes(c.id),
  );
  let targets = selected;
  if (companyIds !== null) {
    const unknown = companyIds.filter((id) => !selected.some((c) => c.id === id));
    if (companyIds.length === 0 || unknown.length > 0)
      throw new FerryError(
        'FERRY_INVALID_ARGUMENT',
        companyIds.length === 0
          ? 'name at least one company to initialize, or none for every selected company'
          : `not a selected company of migration ${migrationId}: ${unknown.map((id) => JSON.stringify(id)).join(', ')}; ` +
              `\`ferry migration companies ${migrationId}\` lists the companies and which are selected`,
        { details: { companies: unknown } },
      );
    targets = selected.filter((c) => companyIds.includes(c.id));
  }
  await failExpiredInitializations(cp, migrationId);
  const queuedAt = nowIso(cp);
  const takeBy = new Date(Date.parse(queuedAt) + (options.queuedTimeoutMs ?? defaultQueuedTimeoutMs));
  const { busy } = await repo(cp).queue(
    migrationId,
    targets.map((c) => ({ id: c.id, name: c.name })),
    { queuedAt, takeBy: takeBy.toISOString() },
  );
  if (busy.length > 0) {
    const rows = (await repo(cp).list(migrationId)).filter((r) => busy.includes(r.companyId));
    throw companyBusyError(migrationId, rows, 'the initialization cannot start');
  }
  for (const company of targets)
    await queue.submitCompanyInitialization({ migrationId, companyId: company.id });
  const ids = new Set(targets.map((c) => c.id));
  const rows = await repo(cp).list(migrationId);
  return { migrationId, companies: rows.filter((r) => ids.has(r.companyId)).map(view) };
}

// ---- executing ---------------------------------------------------------------------------------

export interface CompanyInitializationWorkerOptions {
  /** Unique among the processes sharing the store, e.g. `host-pid`. */
  workerId: string;
  /** Lease length in ms (default 30 000), renewed every third of it. */
  leaseMs?: number;
}

function describeError(error: unknown): { code: string; message: string } {
  return {
    code: isFerryError(error) ? error.code : 'FERRY_COMPANY_INITIALIZATION_FAILED',
    message: redactUrl(error instanceof Error ? error.message : String(error)),
  };
}

async function initializeCompany(
  cp: ControlPlane,
  job: CompanyInitializationJob,
  signal: AbortSignal,
): Promise<string> {
  const migration = await getMigration(cp, job.migrationId);
  const profile = await cp.profiles(migration.profileId);
  const initialize = profile.companies.initialize;
  if (initialize === undefined)
    throw new FerryError('FERRY_INVALID_ARGUMENT', `the ${profile.id} profile has no company initialization`);
  const tenantRecord = await migrationsRepo(cp).getTenant(migration.tenantId);
  if (tenantRecord === null)
    throw new FerryError(
      'FERRY_TENANT_NOT_FOUND',
      `migration ${migration.id} has no tenant ${migration.tenantId}`,
    );
  const installation = await readInstallation(migration.installationPath);
  return withSource(installation, async (source) => {
    const tables = await source.listTables();
    const company: Company | undefined = (
      await profile.companies.list({ installation, source, tables })
    ).find((c) => c.id === job.companyId);
    if (company === undefined)
      throw new FerryError(
        'FERRY_COMPANY_INITIALIZATION_FAILED',
        `company ${JSON.stringify(job.companyId)} is no longer in the source of migration ${migration.id}`,
      );
    const tenant: TargetConnection = await openTarget(tenantRecord.databaseUrl);
    try {
      const ctx: CompanyInitContext = {
        installation,
        source,
        tables,
        signal,
        tenantId: tenantRecord.id,
        tenant,
        setup: tenantSetup(tenant, signal),
      };
      return (await initialize(ctx, company)).summary;
    } finally {
      await tenant.close();
    }
  });
}

/**
 * Executes one job under a lease on the company's row: claims it (only a queued job whose
 * deadline has not passed), renews the lease while the hook works, and records the outcome. A job
 * that is no longer queued (taken by another worker, failed by its deadline) is skipped.
 */
export async function executeCompanyInitialization(
  cp: ControlPlane,
  job: CompanyInitializationJob,
  signal: AbortSignal,
  options: CompanyInitializationWorkerOptions,
): Promise<CompanyInitializationStatus | 'skipped'> {
  const leaseMs = options.leaseMs ?? defaultInitializationLeaseMs;
  const owner = options.workerId;
  const { migrationId, companyId } = job;
  const expiry = () => new Date(Date.now() + leaseMs).toISOString();
  const claimed = await repo(cp).claim(migrationId, companyId, {
    owner,
    startedAt: nowIso(cp),
    expiresAt: expiry(),
  });
  if (!claimed) return 'skipped';
  let renewing = Promise.resolve();
  const timer = setInterval(
    () => {
      renewing = renewing.then(async () => {
        // An unreachable store is retried at the next tick; the lease lasts three of them.
        await repo(cp)
          .renew(migrationId, companyId, owner, expiry())
          .catch(() => false);
      });
    },
    Math.max(50, Math.floor(leaseMs / 3)),
  );
  try {
    const summary = await initializeCompany(cp, job, signal);
    clearInterval(timer);
    await renewing;
    const ok = await repo(cp).finish(migrationId, companyId, owner, {
      status: 'succeeded',
      summary,
      finishedAt: nowIso(cp),
    });
    return ok ? 'succeeded' : 'failed';
  } catch (error) {
    clearInterval(timer);
    await renewing;
    await repo(cp).finish(migrationId, companyId, owner, {
      status: 'failed',
      error: describeError(error),
      finishedAt: nowIso(cp),
    });
    return 'failed';
  }
}

/** The queue handler a worker (or the embedded queue) takes company initialization jobs with. */
export function companyInitializationHandler(
  cp: ControlPlane,
  options: CompanyInitializationWorkerOptions,
): CompanyInitializationJobHandler {
  return async (job, signal) => {
    await executeCompanyInitialization(cp, job, signal, options);
  };
}

/**
 * The embedded setup's executor (SQLite store): an in-process queue that takes company
 * initializations in this process. Runs are not queued here (they execute in the process that
 * starts them), so a run job reaching it is a bug and is refused.
 */
export async function startInProcessCompanyInitializer(
  cp: ControlPlane,
  options: Partial<CompanyInitializationWorkerOptions> = {},
): Promise<InProcessQueue> {
  const queue = new InProcessQueue();
  await queue.start(
    (job) => Promise.reject(new FerryError('FERRY_INTERNAL', `run ${job.runId} reached the company queue`)),
    {
      companyInitializations: companyInitializationHandler(cp, {
        workerId: options.workerId ?? `${hostname()}-${process.pid}`,
        ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
      }),
    },
  );
  return queue;
}

/**
 * Waits until none of `companyIds` (default: every company with a job) is busy, polling the store
 * every `pollMs` (default 500), and answers with their jobs.
 */
export async function waitForCompanyInitializations(
  cp: ControlPlane,
  migrationId: string,
  companyIds: string[] | null,
  options: { pollMs?: number; signal?: AbortSignal } = {},
): Promise<CompanyInitializations> {
  for (;;) {
    const all = await listCompanyInitializations(cp, migrationId);
    const watched = all.companies.filter((c) => companyIds === null || companyIds.includes(c.companyId));
    if (!watched.some((c) => isBusy(c.status))) return { migrationId, companies: watched };
    options.signal?.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}
