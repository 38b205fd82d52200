// Runs, their chunk checkpoints, per-table steps and table results.

import type { Kysely, Migration } from 'kysely';

export const runsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('step', 'text', (c) => c.notNull())
      .addColumn('source_url', 'text', (c) => c.notNull())
      .addColumn('target_url', 'text', (c) => c.notNull())
      .addColumn('source_location', 'text', (c) => c.notNull())
      .addColumn('target_location', 'text', (c) => c.notNull())
      .addColumn('options_json', 'text', (c) => c.notNull())
      .addColumn('plan_json', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('finished_at', 'text')
      .addColumn('error_json', 'text')
      .execute();
    await db.schema
      .createTable('run_chunks')
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('table_name', 'text', (c) => c.notNull())
      .addColumn('chunk_index', 'integer', (c) => c.notNull())
      .addColumn('lower_json', 'text')
      .addColumn('upper_json', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('rows_read', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('rows_written', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('duration_ms', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('warnings_json', 'text', (c) => c.notNull())
      .addColumn('source_rows', 'bigint')
      .addColumn('source_sum', 'text')
      .addColumn('target_rows', 'bigint')
      .addColumn('target_sum', 'text')
      .addPrimaryKeyConstraint('run_chunks_pk', ['run_id', 'table_name', 'chunk_index'])
      .execute();
    await db.schema
      .createTable('run_table_steps')
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('table_name', 'text', (c) => c.notNull())
      .addColumn('keys_done', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('foreign_keys_done', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('run_table_steps_pk', ['run_id', 'table_name'])
      .execute();
    await db.schema
      .createTable('table_results')
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('table_name', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('rows_read', 'bigint', (c) => c.notNull())
      .addColumn('rows_written', 'bigint', (c) => c.notNull())
      .addColumn('rows_skipped', 'bigint', (c) => c.notNull())
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .addColumn('duration_ms', 'bigint', (c) => c.notNull())
      .addColumn('messages_json', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('table_results_pk', ['run_id', 'table_name'])
      .execute();
  },
};
