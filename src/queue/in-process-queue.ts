// The embedded queue: jobs run in this process, in submission order, at most `concurrency` of each
// kind (runs, company initializations) at once. Used with the SQLite store (one process owns the
// control plane) and in tests.

import {
  defaultStopTimeoutMs,
  jobKey,
  settleWithin,
  type CompanyInitializationJob,
  type CompanyInitializationJobHandler,
  type JobQueue,
  type QueuedJob,
  type RunJob,
  type RunJobHandler,
  type StartOptions,
  type StopOptions,
} from './job-queue.ts';

export class InProcessQueue implements JobQueue {
  readonly kind = 'in-process' as const;
  private readonly waiting: QueuedJob[] = [];
  private readonly running = new Map<
    string,
    { name: QueuedJob['name']; controller: AbortController; done: Promise<void> }
  >();
  private handlers: {
    run: RunJobHandler;
    companyInitialization: CompanyInitializationJobHandler | null;
  } | null = null;
  private concurrency = 1;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly onError: (job: QueuedJob, error: unknown) => void = () => undefined) {}

  submit(job: RunJob): Promise<boolean> {
    return Promise.resolve(this.enqueue({ name: 'run', run: { runId: job.runId } }));
  }

  submitCompanyInitialization(job: CompanyInitializationJob): Promise<boolean> {
    const { migrationId, companyId } = job;
    return Promise.resolve(
      this.enqueue({ name: 'company-initialization', companyInitialization: { migrationId, companyId } }),
    );
  }

  start(handler: RunJobHandler, options: StartOptions = {}): Promise<void> {
    this.handlers = { run: handler, companyInitialization: options.companyInitializations ?? null };
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.pump();
    return Promise.resolve();
  }

  async stop(options: StopOptions = {}): Promise<void> {
    this.handlers = null;
    const entries = [...this.running.values()];
    for (const e of entries) e.controller.abort();
    if (options.graceful ?? true)
      await settleWithin(
        entries.map((e) => e.done),
        options.timeoutMs ?? defaultStopTimeoutMs,
      );
  }

  /** Jobs submitted and not yet started. */
  get pending(): number {
    return this.waiting.length;
  }

  /** Resolves once nothing is waiting or running. */
  idle(): Promise<void> {
    if (this.waiting.length === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueue(job: QueuedJob): boolean {
    const key = jobKey(job);
    if (this.waiting.some((j) => jobKey(j) === key)) return false;
    this.waiting.push(job);
    this.pump();
    return true;
  }

  private runningOf(name: QueuedJob['name']): number {
    let n = 0;
    for (const entry of this.running.values()) if (entry.name === name) n++;
    return n;
  }

  private pump(): void {
    const handlers = this.handlers;
    for (let i = 0; handlers !== null && i < this.waiting.length;) {
      const job = this.waiting[i]!;
      const key = jobKey(job);
      const initialize = handlers.companyInitialization;
      const handler =
        job.name === 'run'
          ? (signal: AbortSignal) => handlers.run(job.run, signal)
          : initialize === null
            ? null
            : (signal: AbortSignal) => initialize(job.companyInitialization, signal);
      // A kind nobody here takes, or one at its concurrency, waits; the same job already executing
      // here is dropped (its lease keeps a second copy out anyway).
      if (handler === null || this.runningOf(job.name) >= this.concurrency) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      if (this.running.has(key)) continue;
      const controller = new AbortController();
      const done = Promise.resolve()
        .then(() => handler(controller.signal))
        .catch((error: unknown) => this.onError(job, error))
        .finally(() => {
          this.running.delete(key);
          this.pump();
        });
      this.running.set(key, { name: job.name, controller, done });
    }
    if (this.waiting.length === 0 && this.running.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
