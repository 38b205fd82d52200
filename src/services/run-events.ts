// In-process publish/subscribe of run events, so the HTTP API can stream a run's progress (SSE)
// while the engine works. Each run keeps its latest events so a late subscriber sees where it is.
//
// A run's replay buffer lives while the run executes here and for `forgetFinishedAfterMs` after its
// run-finished event (default 5 minutes), then it is dropped — at once when nobody is subscribed,
// otherwise when the last subscriber leaves. A run that starts again (a resume) before then keeps it.
// Afterwards the API follows the run through the store instead (store-run-events.ts).

import type { RunEvent } from '../engine/events.ts';

type Listener = (event: RunEvent & { at: string }) => void;

const keep = 200;

export const defaultForgetFinishedAfterMs = 5 * 60_000;

export interface RunEventBusOptions {
  /** How long a finished run's events stay for late subscribers, in ms (default 300 000). */
  forgetFinishedAfterMs?: number;
}

export class RunEventBus {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly recent = new Map<string, (RunEvent & { at: string })[]>();
  /** Runs that finished, with the timer that drops their buffer. */
  private readonly expiring = new Map<string, NodeJS.Timeout>();
  /** Finished long enough ago, kept only until their last subscriber leaves. */
  private readonly expired = new Set<string>();
  private readonly forgetAfterMs: number;

  constructor(options: RunEventBusOptions = {}) {
    this.forgetAfterMs = options.forgetFinishedAfterMs ?? defaultForgetFinishedAfterMs;
  }

  publish(event: RunEvent): void {
    const stamped = { ...event, at: new Date().toISOString() };
    const list = this.recent.get(event.runId) ?? [];
    // Progress events are many and small: the replay buffer keeps one per table, summing the
    // increments it replaces, so a late subscriber still counts every row copied so far.
    let kept = stamped;
    // A run that starts again (resumed after a pause or a failure) is no longer finished: a late
    // subscriber must not see the earlier run-finished and close its stream at once.
    if (event.type === 'run-started') {
      for (let i = list.length - 1; i >= 0; i--) if (list[i]!.type === 'run-finished') list.splice(i, 1);
      this.keepBuffer(event.runId);
    }
    if (event.type === 'progress') {
      const i = list.findIndex((e) => e.type === 'progress' && e.table === event.table);
      const earlier = list[i];
      if (earlier?.type === 'progress') {
        kept = {
          ...event,
          at: stamped.at,
          rows: earlier.rows + event.rows,
          bytes: earlier.bytes + event.bytes,
        };
        list.splice(i, 1);
      }
    }
    list.push(kept);
    if (list.length > keep) list.splice(0, list.length - keep);
    this.recent.set(event.runId, list);
    if (event.type === 'run-finished') this.forgetLater(event.runId);
    for (const listener of this.listeners.get(event.runId) ?? []) listener(stamped);
  }

  /** Whether events of `runId` are buffered here (it executes, or finished lately, in this process). */
  has(runId: string): boolean {
    return this.recent.has(runId);
  }

  /** Drops the buffer of `runId` (it goes on elsewhere: what is buffered here is out of date). */
  forget(runId: string): void {
    this.keepBuffer(runId);
    this.recent.delete(runId);
  }

  /** Replays the recent events, then calls `listener` for each new one until unsubscribed. */
  subscribe(runId: string, listener: Listener): () => void {
    for (const event of this.recent.get(runId) ?? []) listener(event);
    const set = this.listeners.get(runId) ?? new Set();
    set.add(listener);
    this.listeners.set(runId, set);
    return () => {
      set.delete(listener);
      if (set.size > 0 || this.listeners.get(runId) !== set) return;
      this.listeners.delete(runId);
      if (this.expired.delete(runId)) this.recent.delete(runId);
    };
  }

  /** Stops the timers (a server closing); the buffers stay until the bus is dropped. */
  close(): void {
    for (const timer of this.expiring.values()) clearTimeout(timer);
    this.expiring.clear();
  }

  private forgetLater(runId: string): void {
    this.keepBuffer(runId);
    const timer = setTimeout(() => {
      this.expiring.delete(runId);
      if (this.listeners.has(runId)) this.expired.add(runId);
      else this.recent.delete(runId);
    }, this.forgetAfterMs);
    // A finished run's buffer never keeps the process alive.
    timer.unref();
    this.expiring.set(runId, timer);
  }

  private keepBuffer(runId: string): void {
    const timer = this.expiring.get(runId);
    if (timer !== undefined) clearTimeout(timer);
    this.expiring.delete(runId);
    this.expired.delete(runId);
  }
}
