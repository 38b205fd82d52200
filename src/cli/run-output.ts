// Shared by the commands that run something: progress mode, graceful Ctrl-C, and the final report.

import type { RunEventListener } from '../engine/events.ts';
import { createProgressRenderer, type ProgressRenderer } from './progress.ts';

export interface GlobalOptions {
  home?: string;
  /** Control-plane store URL (PostgreSQL); absent: the SQLite file in the home. */
  store?: string;
  /** A Ferry server (`ferry serve`) to act through instead of the local store: its base URL. */
  server?: string;
  /** The operator token sent to --server as `Authorization: Bearer …`. Never printed. */
  token?: string;
  verbose: boolean;
  json: boolean;
}

export function progressFor(options: GlobalOptions): ProgressRenderer {
  if (options.json) return createProgressRenderer('json');
  return createProgressRenderer(process.stderr.isTTY ? 'tty' : 'plain');
}

/**
 * First Ctrl-C / SIGTERM: stop taking new chunks, let the ones in flight finish and checkpoint.
 * Second: exit at once (the run stays resumable from its last checkpoint).
 */
export function gracefulSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) {
      process.stderr.write(
        '\nferry: stopping after the chunks in flight; press Ctrl-C again to stop at once\n',
      );
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

export function combine(...listeners: RunEventListener[]): RunEventListener {
  return (event) => {
    for (const l of listeners) l(event);
  };
}
