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
    // Progress events are many and small: keep only the last one per table in the replay buffer.
    if (event.type === 'progress') {
      const i = list.findIndex((e) => e.type === 'progress' && e.table === event.table);
      if (i >= 0) list.splice(i, 1);
    }
    list.push(stamped);
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
