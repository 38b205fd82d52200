// The incremental executor's narrow port to the control-plane store (next to the RunStore): the
// change-log position a run leaves for its successor, the incremental run's own record, and its
// per-table checkpoints. `src/store/incremental-repository.ts` implements it over Kysely.

export type IncrementalMethod = 'change-log' | 'checksum';

export interface IncrementalRunRecord {
  runId: string;
  previousRunId: string;
  method: IncrementalMethod;
  /** Change-log window (from, to] a change-log run applies; null for a checksum run. */
  fromPosition: string | null;
  toPosition: string | null;
}

export interface TableProgress {
  table: string;
  /** Every change of the table with seq ≤ this is applied on the target; null before the first batch. */
  consumedPosition: string | null;
  rowsDeleted: number;
}

export interface IncrementalStore {
  /** Remember the change-log position from which the run after `runId` reads. */
  recordPosition(runId: string, position: string): Promise<void>;
  positionAfter(runId: string): Promise<string | null>;
  createIncrementalRun(record: IncrementalRunRecord): Promise<void>;
  getIncrementalRun(runId: string): Promise<IncrementalRunRecord | null>;
  listTableProgress(runId: string): Promise<TableProgress[]>;
  saveTableProgress(runId: string, progress: TableProgress): Promise<void>;
}
