// A fixed number of (source, target) session pairs, opened lazily and handed to one task at a time:
// the engine's unit of parallelism. Each task gets its own sessions, so connections are never
// shared between concurrent chunks.

import type { SourceConnection, TargetConnection } from '../connectors/types.ts';

export interface SessionPair {
  source: SourceConnection;
  target: TargetConnection;
}

export class SessionSlots {
  private readonly idle: SessionPair[] = [];
  private readonly all: SessionPair[] = [];
  private opening = 0;
  private readonly waiters: ((pair: SessionPair) => void)[] = [];

  constructor(
    private readonly size: number,
    private readonly open: () => Promise<SessionPair>,
  ) {}

  private async acquire(): Promise<SessionPair> {
    const pair = this.idle.pop();
    if (pair !== undefined) return pair;
    if (this.all.length + this.opening < this.size) {
      this.opening++;
      try {
        const opened = await this.open();
        this.all.push(opened);
        return opened;
      } finally {
        this.opening--;
      }
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(pair: SessionPair): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter(pair);
    else this.idle.push(pair);
  }

  async with<T>(task: (pair: SessionPair) => Promise<T>): Promise<T> {
    const pair = await this.acquire();
    try {
      return await task(pair);
    } finally {
      this.release(pair);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all.flatMap((p) => [p.source.close(), p.target.close()]));
    this.all.length = 0;
    this.idle.length = 0;
  }
}

/**
 * Run `tasks` with at most `concurrency` at once. A task error is passed to `onError`; when it
 * returns true the remaining tasks are not started (run-fatal errors such as a full disk).
 */
export async function runBounded<T>(
  items: T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
  onError: (item: T, error: unknown) => boolean,
  shouldStop: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  let stopped = false;
  const worker = async () => {
    while (!stopped && !shouldStop() && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        if (onError(item, error)) stopped = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}
