// Idempotency keys of run-creating API requests (the same key always answers with the same run),
// and the migration a run belongs to (null for a plain `ferry migrate` copy).

import type { Kysely, Migration } from 'kysely';

export const runRequestsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('run_requests')
      .addColumn('idempotency_key', 'text', (c) => c.primaryKey())
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.alterTable('runs').addColumn('migration_id', 'text').execute();
  },
};
