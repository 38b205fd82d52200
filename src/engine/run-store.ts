// The engine's narrow port to the control-plane store: a run, its chunks (the checkpoints) and
// its table results. The embedded SQLite store and the PostgreSQL store both implement it.

import type { Cell, ChunkChecksum } from '../connectors/types.ts';
import type { RunStatus } from '../domain/run-status.ts';
import type { TableResult } from '../domain/table-result.ts';
import type { MigrationPlan, PlanOptions } from './plan.ts';

export type RunStep =
  'planned' | 'tables-created' | 'chunks-planned' | 'copied' | 'keyed' | 'verified' | 'done';

export const runSteps: readonly RunStep[] = [
  'planned',
  'tables-created',
  'chunks-planned',
  'copied',
  'keyed',
  'verified',
  'done',
];

export function stepReached(current: RunStep, wanted: RunStep): boolean {
  return runSteps.indexOf(current) >= runSteps.indexOf(wanted);
}

export interface RunOptions extends PlanOptions {
  /** Chunks copied at once (each with its own source and target session). */
  parallel: number;
  /** Rows per chunk: the unit of checkpointing and verification. */
  chunkRows: number;
  /** Rows per batch handed from reader to writer. */
  batchRows: number;
  /** Bytes per batch at most (large values end a batch early). */
  batchBytes: number;
  /** Drop conflicting target tables first. */
  replace: boolean;
}

export interface RunRecord {
  id: string;
  kind: string;
  /** The migration the run belongs to; null for a plain copy (`ferry migrate`). */
  migrationId: string | null;
  status: RunStatus;
  step: RunStep;
  /** Full URLs, passwords included: only for reconnecting on resume. Never print. */
  sourceUrl: string;
  targetUrl: string;
  sourceLocation: string;
  targetLocation: string;
  options: RunOptions;
  plan: MigrationPlan | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
}

export type ChunkStatus = 'pending' | 'copying' | 'copied' | 'verified' | 'mismatch';

export interface ChunkRecord {
  table: string;
  index: number;
  lower: Cell[] | null;
  upper: Cell[] | null;
  status: ChunkStatus;
  rowsRead: number;
  rowsWritten: number;
  bytes: number;
  durationMs: number;
  /** Zero dates and invalid UTF-8 seen while reading this chunk. */
  warnings: { invalidUtf8: number; zeroDates: number };
  source: ChunkChecksum | null;
  target: ChunkChecksum | null;
}

export interface TableStepRecord {
  table: string;
  keysDone: boolean;
  foreignKeysDone: boolean;
}

export interface RunStore {
  createRun(run: Omit<RunRecord, 'createdAt' | 'startedAt' | 'finishedAt' | 'error'>): Promise<RunRecord>;
  getRun(id: string): Promise<RunRecord | null>;
  listRuns(limit: number): Promise<RunRecord[]>;
  updateRun(
    id: string,
    patch: Partial<Pick<RunRecord, 'status' | 'step' | 'plan' | 'startedAt' | 'finishedAt' | 'error'>>,
  ): Promise<void>;
  listChunks(runId: string): Promise<ChunkRecord[]>;
  insertChunks(runId: string, chunks: ChunkRecord[]): Promise<void>;
  updateChunk(runId: string, table: string, index: number, patch: Partial<ChunkRecord>): Promise<void>;
  deleteChunksAfter(runId: string, table: string, index: number): Promise<void>;
  listTableSteps(runId: string): Promise<TableStepRecord[]>;
  setTableStep(runId: string, table: string, patch: Partial<Omit<TableStepRecord, 'table'>>): Promise<void>;
  saveTableResults(runId: string, results: TableResult[]): Promise<void>;
  /** The run an earlier request with this idempotency key created, if any. */
  runForIdempotencyKey(key: string): Promise<string | null>;
  rememberIdempotencyKey(key: string, runId: string): Promise<void>;
  listTableResults(runId: string): Promise<TableResult[]>;
  close(): Promise<void>;
}
