// What a run tells the outside world while it works. The CLI draws bars or prints lines from
// these; `--json` prints them as they are, one per line.

import type { TableResult } from '../domain/table-result.ts';

export type RunEvent =
  | {
      type: 'run-started';
      runId: string;
      resumed: boolean;
      source: string;
      target: string;
      tables: {
        name: string;
        estimatedRows: number;
        estimatedBytes: number;
        doneRows: number;
        doneBytes: number;
      }[];
    }
  | { type: 'step'; runId: string; step: string; detail?: string }
  | { type: 'progress'; runId: string; table: string; rows: number; bytes: number }
  | {
      type: 'chunk-copied';
      runId: string;
      table: string;
      chunk: number;
      rows: number;
      bytes: number;
      durationMs: number;
    }
  | { type: 'table-copied'; runId: string; table: string; chunks: number }
  | { type: 'chunk-verified'; runId: string; table: string; chunk: number; ok: boolean }
  | { type: 'table-failed'; runId: string; table: string; code: string; message: string }
  | { type: 'run-finished'; runId: string; status: string; tables: TableResult[]; durationMs: number };

export type RunEventListener = (event: RunEvent) => void;
