// The queue port: how runs reach whoever executes them. Services submit a run (its row already
// exists in the store) and workers take runs; the embedded default executes them in the same
// process (`in-process-queue.ts`), the scale-out one shares them between `ferry worker` processes
// on any number of machines through pg-boss (`pg-boss-queue.ts`). A queue only carries run ids:
// which run may execute where is decided by the run's lease in the store, not by the queue.

/** One unit of work: execute (or continue) this run from its last checkpoint. */
export interface RunJob {
  runId: string;
}

/**
 * Executes one job. `signal` aborts when the queue stops: stop at the next chunk boundary and
 * leave the run resumable. A thrown error is logged by the queue; the job is not retried (the
 * run's own status says what happened, and the lease sweep re-queues unfinished runs).
 */
export type RunJobHandler = (job: RunJob, signal: AbortSignal) => Promise<void>;

/**
 * One company's initialization (services/company-initialization.ts): its row in the store says
 * `queued`; the job runs the profile's `initialize` hook for it. Queued once per migration and company.
 */
export interface CompanyInitializationJob {
  migrationId: string;
  companyId: string;
}

/** Executes one company initialization; `signal` aborts when the queue stops. Errors are the handler's to record. */
export type CompanyInitializationJobHandler = (
  job: CompanyInitializationJob,
  signal: AbortSignal,
) => Promise<void>;

/** Both kinds of job a queue delivers, named as in pg-boss (`ferry-runs`, `ferry-company-initializations`). */
export type QueuedJob =
  | { name: 'run'; run: RunJob }
  | { name: 'company-initialization'; companyInitialization: CompanyInitializationJob };

/** The key a job is queued under at most once (a run id, or migration and company). */
export function jobKey(job: QueuedJob): string {
  return job.name === 'run'
    ? job.run.runId
    : JSON.stringify([job.companyInitialization.migrationId, job.companyInitialization.companyId]);
}

export interface StartOptions {
  /** Jobs executed at once per kind (default 1). */
  concurrency?: number;
  /** Also take company initialization jobs, with this handler (default: leave them to others). */
  companyInitializations?: CompanyInitializationJobHandler;
}

export interface StopOptions {
  /** Wait for the jobs in flight to reach a chunk boundary (default true). */
  graceful?: boolean;
  /** How long to wait for them, in milliseconds (default 30 000). */
  timeoutMs?: number;
}

export interface JobQueue {
  readonly kind: 'in-process' | 'pg-boss';
  /** Hand a run to the queue. False when it was already waiting there (queued once per run). */
  submit(job: RunJob): Promise<boolean>;
  /** Hand a company initialization to the queue. False when it was already waiting there. */
  submitCompanyInitialization(job: CompanyInitializationJob): Promise<boolean>;
  /** Start taking jobs, at most `concurrency` at once (default 1). */
  start(handler: RunJobHandler, options?: StartOptions): Promise<void>;
  /** Stop taking jobs and abort the ones in flight (their runs stop at a chunk boundary). */
  stop(options?: StopOptions): Promise<void>;
}

export const defaultStopTimeoutMs = 30_000;

/** Resolves when `work` settles or after `timeoutMs`, whichever comes first. */
export async function settleWithin(work: Promise<unknown>[], timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([Promise.allSettled(work).then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
