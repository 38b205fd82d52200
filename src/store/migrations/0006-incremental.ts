// Incremental runs: the change-log position each run leaves for the next one, which earlier run
// an incremental run continues from (and its change-log window), and per table how far into that
// window the run has applied changes (its checkpoint: a SIGKILL resumes after it).

import type { Kysely, Migration } from 'kysely';

export interface ChangeLogPositionsTable {
  run_id: string;
  /** Change-log seq (canonical integer text) from which the next incremental run reads. */
  position: string;
  recorded_at: string;
}

export interface IncrementalRunsTable {
  run_id: string;
  previous_run_id: string;
  method: string;
  /** Change-log window (from, to] of a change-log run; null for a checksum run. */
  from_position: string | null;
  to_position: string | null;
}

export interface IncrementalTablesTable {
  run_id: string;
  table_name: string;
  /** Every change of this table with seq ≤ this position is applied on the target. */
  consumed_position: string | null;
  rows_deleted: number;
}

export interface IncrementalTables {
  change_log_positions: ChangeLogPositionsTable;
  incremental_runs: IncrementalRunsTable;
  incremental_tables: IncrementalTablesTable;
}

export const incrementalMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('change_log_positions')
      .addColumn('run_id', 'text', (c) => c.primaryKey().references('runs.id').onDelete('cascade'))
      .addColumn('position', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('incremental_runs')
      .addColumn('run_id', 'text', (c) => c.primaryKey().references('runs.id').onDelete('cascade'))
      .addColumn('previous_run_id', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('from_position', 'text')
      .addColumn('to_position', 'text')
      .execute();
    await db.schema
      .createTable('incremental_tables')
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('table_name', 'text', (c) => c.notNull())
      .addColumn('consumed_position', 'text')
      .addColumn('rows_deleted', 'bigint', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('incremental_tables_pk', ['run_id', 'table_name'])
      .execute();
  },
};
