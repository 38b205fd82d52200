// Every run writes a log file: `<ferry home>/logs/<run id>.jsonl`, one JSON event per line — the
// run's structured events (steps, chunks, verification, failures, the final table results) and,
// every ~2 s, a throughput sample (cumulative rows and bytes) for charts. Per-batch progress
// events are folded into the samples so the file stays small.

import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvent, RunEventListener } from '../engine/events.ts';

const sampleEveryMs = 2000;

export interface RunLog {
  listener: RunEventListener;
  /** Writes the last sample. */
  close(): void;
}

export function runLogFile(logDir: string, runId: string): string {
  return join(logDir, `${runId}.jsonl`);
}

/** Where a store's runs log: `<ferry home>/logs` (each process writes the runs it executes). */
export function runLogDir(store: { home: string }): string {
  return join(store.home, 'logs');
}

/** Appends one entry to a run's log outside its execution (e.g. a warning recorded after the load). */
export function appendRunLog(logDir: string, runId: string, entry: Record<string, unknown>): void {
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  appendFileSync(
    runLogFile(logDir, runId),
    JSON.stringify({ at: new Date().toISOString(), runId, ...entry }) + '\n',
  );
}

export function openRunLog(logDir: string, next: RunEventListener): RunLog {
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  let file: string | null = null;
  let rows = 0;
  let bytes = 0;
  let lastSample = 0;
  const write = (entry: Record<string, unknown>) => {
    if (file !== null)
      appendFileSync(file, JSON.stringify({ at: new Date().toISOString(), ...entry }) + '\n');
  };
  const sample = (runId: string) => {
    lastSample = Date.now();
    write({ type: 'sample', runId, rows, bytes });
  };
  return {
    listener(event: RunEvent) {
      file ??= runLogFile(logDir, event.runId);
      if (event.type === 'progress') {
        rows += event.rows;
        bytes += event.bytes;
        if (Date.now() - lastSample >= sampleEveryMs) sample(event.runId);
      } else {
        if (event.type === 'run-finished') sample(event.runId);
        write({ ...event });
      }
      next(event);
    },
    close() {
      /* every line is appended synchronously; nothing is buffered */
    },
  };
}
