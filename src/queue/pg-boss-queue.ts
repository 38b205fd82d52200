// The scale-out queue: pg-boss in the control plane's PostgreSQL database, in its own schema
// (`ferry_jobs`), shared by any number of `ferry worker` processes on any number of machines.
//
// One queue, `ferry-runs`, with pg-boss's `short` policy: at most one waiting job per singleton
// key, and the key is the run id, so a run is queued once however often it is submitted (by
// `ferry migrate --queue`, a graceful shutdown, or every worker's lease sweep). pg-boss decides
// who gets a job; whether the job may execute is the run lease's decision (see run-worker.ts):
// pg-boss retries are off, and its job expiry is set past any run's length, so a dead worker's
// run comes back through the lease sweep and not through pg-boss. A second queue,
// `ferry-company-initializations`, carries company initialization jobs (key: migration and company)
// to the same workers; their lease lives on the company's row (services/company-initialization.ts).

import pg from 'pg';
import PgBoss from 'pg-boss';
import { parseConnectionUrl } from '../connectors/connection-url.ts';
import { FerryError } from '../domain/errors.ts';
import {
  defaultStopTimeoutMs,
  jobKey,
  settleWithin,
  type CompanyInitializationJob,
  type JobQueue,
  type RunJob,
  type RunJobHandler,
  type StartOptions,
  type StopOptions,
} from './job-queue.ts';

export const runQueueName = 'ferry-runs';
/** Company initializations (one job per migration and company), taken by the same workers. */
export const companyInitializationQueueName = 'ferry-company-initializations';
export const defaultJobSchema = 'ferry_jobs';
const setupLockKey = 'ferry:pg-boss-queue-setup';

export interface PgBossQueueOptions {
  /** The store's PostgreSQL URL, password included (never printed: errors show the redacted form). */
  url: string;
  /** pg-boss's schema (default `ferry_jobs`). */
  schema?: string;
  /** How often an idle worker asks for a job, in seconds (default 1; pg-boss's minimum is 0.5). */
  pollingIntervalSeconds?: number;
  /** Run pg-boss maintenance (job expiry, archiving) in this process: workers do, submitters don't. */
  supervise?: boolean;
  /** pg-boss's background errors (a lost connection while polling); the queue keeps going. */
  onError?: (error: unknown) => void;
}

export class PgBossQueue implements JobQueue {
  readonly kind = 'pg-boss' as const;
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private workerIds: string[] = [];
  private stopped = false;

  private constructor(
    private readonly boss: PgBoss,
    private readonly pollingIntervalSeconds: number,
  ) {}

  /** Connects, installs or upgrades pg-boss's schema when needed, and makes sure the queue exists. */
  static async open(options: PgBossQueueOptions): Promise<PgBossQueue> {
    const url = parseConnectionUrl(options.url);
    if (url.dialect !== 'postgres')
      throw new FerryError(
        'FERRY_URL_INVALID',
        `the job queue needs the PostgreSQL store (postgres://…), got "${url.redacted}"`,
      );
    const supervise = options.supervise ?? true;
    const boss = new PgBoss({
      host: url.host ?? 'localhost',
      port: url.port ?? 5432,
      ...(url.user === null ? {} : { user: url.user }),
      ...(url.password === null ? {} : { password: url.password }),
      ...(url.database === null ? {} : { database: url.database }),
      schema: options.schema ?? defaultJobSchema,
      application_name: 'ferry-queue',
      max: 4,
      supervise,
      schedule: false,
      migrate: true,
    });
    boss.on('error', (error) => options.onError?.(error));
    // Two pg-boss create_queue calls at once deadlock each other (each inserts the queue row, then
    // adds a foreign key to the queue table): workers starting together take turns here.
    const lock = new pg.Client({
      host: url.host ?? 'localhost',
      port: url.port ?? 5432,
      ...(url.user === null ? {} : { user: url.user }),
      ...(url.password === null ? {} : { password: url.password }),
      ...(url.database === null ? {} : { database: url.database }),
      application_name: 'ferry-queue-setup',
    });
    lock.on('error', () => undefined);
    try {
      await lock.connect();
      await lock.query('SELECT pg_advisory_lock(hashtext($1))', [setupLockKey]);
      await boss.start();
      for (const name of [runQueueName, companyInitializationQueueName]) {
        if ((await boss.getQueue(name)) !== null) continue;
        await boss.createQueue(name, {
          name,
          policy: 'short',
          retryLimit: 0,
          // pg-boss fails a job that runs longer than this; the lease, not pg-boss, guards the job.
          expireInSeconds: 23 * 3600,
        });
      }
    } catch (cause) {
      await boss.stop({ graceful: false, close: true }).catch(() => undefined);
      throw new FerryError(
        'FERRY_HOST_UNREACHABLE',
        `could not open the job queue in ${url.redacted} (schema ${options.schema ?? defaultJobSchema})`,
        { cause },
      );
    } finally {
      // Ending the session releases the advisory lock.
      await lock.end().catch(() => undefined);
    }
    return new PgBossQueue(boss, options.pollingIntervalSeconds ?? 1);
  }

  async submit(job: RunJob): Promise<boolean> {
    const id = await this.boss.send(
      runQueueName,
      { runId: job.runId },
      { singletonKey: job.runId, retryLimit: 0, expireInSeconds: 23 * 3600 },
    );
    return id !== null;
  }

  async submitCompanyInitialization(job: CompanyInitializationJob): Promise<boolean> {
    const data = { migrationId: job.migrationId, companyId: job.companyId };
    const id = await this.boss.send(companyInitializationQueueName, data, {
      singletonKey: jobKey({ name: 'company-initialization', companyInitialization: data }),
      retryLimit: 0,
      expireInSeconds: 23 * 3600,
    });
    return id !== null;
  }

  async start(handler: RunJobHandler, options: StartOptions = {}): Promise<void> {
    const concurrency = Math.max(1, options.concurrency ?? 1);
    const initialize = options.companyInitializations;
    for (let i = 0; initialize !== undefined && i < concurrency; i++) {
      const id = await this.boss.work<CompanyInitializationJob>(
        companyInitializationQueueName,
        { batchSize: 1, pollingIntervalSeconds: this.pollingIntervalSeconds },
        async (jobs) => {
          for (const job of jobs) {
            if (this.stopped) return;
            const controller = new AbortController();
            const { migrationId, companyId } = job.data;
            const done = initialize({ migrationId, companyId }, controller.signal);
            this.running.set(job.id, { controller, done: done.catch(() => undefined) });
            try {
              await done;
            } finally {
              this.running.delete(job.id);
            }
          }
        },
      );
      this.workerIds.push(id);
    }
    for (let i = 0; i < concurrency; i++) {
      // Each pg-boss worker is one polling loop that takes one job at a time.
      const id = await this.boss.work<RunJob>(
        runQueueName,
        { batchSize: 1, pollingIntervalSeconds: this.pollingIntervalSeconds },
        async (jobs) => {
          for (const job of jobs) {
            if (this.stopped) return;
            const controller = new AbortController();
            const done = handler({ runId: job.data.runId }, controller.signal);
            this.running.set(job.id, { controller, done: done.catch(() => undefined) });
            try {
              await done;
            } finally {
              this.running.delete(job.id);
            }
          }
        },
      );
      this.workerIds.push(id);
    }
  }

  async stop(options: StopOptions = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const timeoutMs = options.timeoutMs ?? defaultStopTimeoutMs;
    for (const id of this.workerIds) await this.boss.offWork({ id });
    const entries = [...this.running.values()];
    for (const e of entries) e.controller.abort();
    if (options.graceful ?? true)
      await settleWithin(
        entries.map((e) => e.done),
        timeoutMs,
      );
    await this.boss.stop({ graceful: options.graceful ?? true, timeout: 5_000, close: true });
  }
}
