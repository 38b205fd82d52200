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
  /** The worker holding the run right now (scale-out queue); null or absent when none does. */
  lease?: RunLease | null;
}

/** A worker's hold on a run: while it is not expired, no other worker executes the run. */
export interface RunLease {
  /** Worker id (`ferry worker --worker-id`). */
  owner: string;
  /** The worker's Ferry version, for `check for update`. */
  version: string | null;
  /** ISO-8601 UTC; the worker renews it while it works. */
  expiresAt: string;
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
  createRun(
    run: Omit<RunRecord, 'createdAt' | 'startedAt' | 'finishedAt' | 'error' | 'lease'>,
  ): Promise<RunRecord>;
  getRun(id: string): Promise<RunRecord | null>;
  listRuns(limit: number): Promise<RunRecord[]>;
  /** Every run of a migration, newest first. */
  listRunsOfMigration(migrationId: string): Promise<RunRecord[]>;
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

  // Leases (scale-out queue): compare-and-set on the run row, so a run never executes twice at
  // once and a dead worker's run is taken over once its lease expired. Times are the caller's
  // clock in ISO-8601 UTC: keep the workers' clocks in sync (NTP) well within the lease time.

  /** Take the run's lease when it is free, expired, or already this owner's. True when taken. */
  claimRunLease(runId: string, lease: { owner: string; version: string; ttlMs: number }): Promise<boolean>;
  /** Extend this owner's lease; false when the owner no longer holds it (another worker took it). */
  renewRunLease(runId: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Give the lease up (expired at once: if the run is unfinished, the sweep queues it again). */
  releaseRunLease(runId: string, owner: string): Promise<void>;
  /** Hand a run to the queue: claimable by any worker, and queued again by the sweep until one does. */
  offerRunToQueue(runId: string): Promise<void>;
  /** Queue-managed runs still `queued` or `running` whose lease expired: their worker is gone. */
  listRunsWithExpiredLease(limit: number): Promise<string[]>;
  close(): Promise<void>;
}
