// The control plane's own tables, as Kysely sees them. Timestamps are ISO-8601 UTC text; JSON
// columns hold text so the same schema works on SQLite and PostgreSQL.

import type { ControlPlaneTables } from './control-plane-tables.ts';
import type { DocumentTables } from './migrations/0004-documents.ts';
import type { DataQualityTables } from './migrations/0009-data-quality.ts';
import type { CompanyInitializationTables } from './migrations/0010-company-initializations.ts';
import type { IncrementalTables } from './migrations/0006-incremental.ts';
import type { TableMappingTables } from './migrations/0008-table-mappings.ts';
import type { RunControlTables } from './migrations/0011-run-control.ts';
import type { ScaleOutRunTables } from './migrations/0013-scale-out-runs.ts';
import type { UsersTables } from './users-tables.ts';

export interface RunsTable {
  id: string;
  kind: string;
  migration_id: string | null;
  status: string;
  step: string;
  source_url: string;
  target_url: string;
  source_location: string;
  target_location: string;
  options_json: string;
  plan_json: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error_json: string | null;
  /** Lease columns (migration 0007): optional on insert, null when no worker holds the run. */
  lease_owner?: string | null;
  lease_expires_at?: string | null;
  lease_version?: string | null;
}

export interface RunChunksTable {
  run_id: string;
  table_name: string;
  chunk_index: number;
  lower_json: string | null;
  upper_json: string | null;
  status: string;
  rows_read: number;
  rows_written: number;
  bytes: number;
  duration_ms: number;
  warnings_json: string;
  source_rows: number | null;
  source_sum: string | null;
  target_rows: number | null;
  target_sum: string | null;
}

export interface RunTableStepsTable {
  run_id: string;
  table_name: string;
  keys_done: number;
  foreign_keys_done: number;
}

export interface TableResultsTable {
  run_id: string;
  table_name: string;
  status: string;
  rows_read: number;
  rows_written: number;
  rows_skipped: number;
  bytes: number;
  duration_ms: number;
  messages_json: string;
}

export interface RunRequestsTable {
  idempotency_key: string;
  run_id: string;
  created_at: string;
}

export interface RunStoreTables {
  run_requests: RunRequestsTable;
  runs: RunsTable;
  run_chunks: RunChunksTable;
  run_table_steps: RunTableStepsTable;
  table_results: TableResultsTable;
}

/** Every table of the store; each area adds its own tables interface here. */
export type StoreDatabase = RunStoreTables &
  ControlPlaneTables &
  DocumentTables &
  UsersTables &
  IncrementalTables &
  DataQualityTables &
  TableMappingTables &
  CompanyInitializationTables &
  RunControlTables &
  ScaleOutRunTables;
