// Run control: what an operator asked of a running run, throughput samples, and the scheduler's
// bookkeeping.
//
//   runs.requested_action       'pause' | 'cancel' | null: asked by any process (CLI, API, another
//                               server); the process executing the run polls it between chunks
//   runs.requested_at           ISO-8601 UTC of the request
//   run_throughput              one row per sample (every ~2 s while a run copies): cumulative rows
//                               and bytes done, and the rates over the interval since the previous
//                               sample, for charts
//   schedules.last_run_at       the due time of the last occurrence a scheduler claimed
//   schedules.last_run_id       the run it started (null when it was skipped)
//   schedules.last_outcome      'started' or why it was skipped, e.g. 'skipped: run … is running'

import type { Kysely, Migration } from 'kysely';

export interface RunThroughputTable {
  run_id: string;
  /** Sample number within the run, from 1 (a resume continues the numbering). */
  seq: number;
  at: string;
  rows_done: number;
  bytes_done: number;
  rows_per_second: number;
  bytes_per_second: number;
}

/** Columns 0011 adds to `runs` and `schedules` (merged with their tables' interfaces). */
export interface RunControlTables {
  runs: { requested_action?: string | null; requested_at?: string | null };
  schedules: { last_run_at?: string | null; last_run_id?: string | null; last_outcome?: string | null };
  run_throughput: RunThroughputTable;
}

export const runControlMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('runs').addColumn('requested_action', 'text').execute();
    await db.schema.alterTable('runs').addColumn('requested_at', 'text').execute();
    await db.schema
      .createTable('run_throughput')
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('rows_done', 'bigint', (c) => c.notNull())
      .addColumn('bytes_done', 'bigint', (c) => c.notNull())
      .addColumn('rows_per_second', 'double precision', (c) => c.notNull())
      .addColumn('bytes_per_second', 'double precision', (c) => c.notNull())
      .addPrimaryKeyConstraint('run_throughput_pk', ['run_id', 'seq'])
      .execute();
    await db.schema.alterTable('schedules').addColumn('last_run_at', 'text').execute();
    await db.schema.alterTable('schedules').addColumn('last_run_id', 'text').execute();
    await db.schema.alterTable('schedules').addColumn('last_outcome', 'text').execute();
  },
};
