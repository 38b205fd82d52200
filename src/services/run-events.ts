// In-process publish/subscribe of run events, so the HTTP API can stream a run's progress (SSE)
// while the engine works. Each run keeps its latest events so a late subscriber sees where it is.

import type { RunEvent } from '../engine/events.ts';

type Listener = (event: RunEvent & { at: string }) => void;

const keep = 200;

export class RunEventBus {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly recent = new Map<string, (RunEvent & { at: string })[]>();

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
    for (const listener of this.listeners.get(event.runId) ?? []) listener(stamped);
  }

  /** Replays the recent events, then calls `listener` for each new one until unsubscribed. */
  subscribe(runId: string, listener: Listener): () => void {
    for (const event of this.recent.get(runId) ?? []) listener(event);
    const set = this.listeners.get(runId) ?? new Set();
    set.add(listener);
    this.listeners.set(runId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(runId);
    };
  }
}
