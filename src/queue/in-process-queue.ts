// The embedded queue: jobs run in this process, at most `concurrency` at once, in submission
// order. Used with the SQLite store (one process owns the control plane) and in tests.

import {
  defaultStopTimeoutMs,
  settleWithin,
  type JobQueue,
  type RunJob,
  type RunJobHandler,
  type StopOptions,
} from './job-queue.ts';

export class InProcessQueue implements JobQueue {
  readonly kind = 'in-process' as const;
  private readonly waiting: RunJob[] = [];
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private handler: RunJobHandler | null = null;
  private concurrency = 1;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly onError: (job: RunJob, error: unknown) => void = () => undefined) {}

  submit(job: RunJob): Promise<boolean> {
    if (this.waiting.some((j) => j.runId === job.runId)) return Promise.resolve(false);
    this.waiting.push({ runId: job.runId });
    this.pump();
    return Promise.resolve(true);
  }

  start(handler: RunJobHandler, options: { concurrency?: number } = {}): Promise<void> {
    this.handler = handler;
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.pump();
    return Promise.resolve();
  }

  async stop(options: StopOptions = {}): Promise<void> {
    this.handler = null;
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

  private pump(): void {
    const handler = this.handler;
    while (handler !== null && this.running.size < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      // The same run already executing here: its lease keeps a second copy out anyway.
      if (this.running.has(job.runId)) continue;
      const controller = new AbortController();
      const done = Promise.resolve()
        .then(() => handler(job, controller.signal))
        .catch((error: unknown) => this.onError(job, error))
        .finally(() => {
          this.running.delete(job.runId);
          this.pump();
        });
      this.running.set(job.runId, { controller, done });
    }
    if (this.waiting.length === 0 && this.running.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
