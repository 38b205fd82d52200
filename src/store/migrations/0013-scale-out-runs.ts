// Runs in scale-out: who may sweep a run, idempotency keys reserved before a run exists, warnings
// recorded on a run after its data loaded, and the heartbeats of servers, workers and agents.
//
//   runs.dispatch        'queue' once a run was handed to the job queue (offered, or claimed by a
//                        `ferry worker`): only those are swept and queued again when their lease
//                        expires. A run executed by the process that started it (`ferry run`,
//                        `ferry migrate`, an embedded server) also holds a lease while it executes,
//                        so nothing executes it twice at once, but it is never swept (null).
//   idempotency_keys     one row per (scope, key): inserted before the run is created (the unique
//                        key makes two concurrent requests with the same key create one run),
//                        run_id set once the run exists; scope is the route and the migration, e.g.
//                        `POST /api/v1/migrations/m-1/runs`. (Replaces run_requests, which is kept
//                        unread for the keys recorded before this migration.)
//   run_warnings         what went wrong after a run's data loaded without failing it (e.g. welcome
//                        emails that could not be sent), with what to do
//   process_heartbeats   `ferry serve`, `ferry worker` and agents (runtime key): id, role, version,
//                        the migration of the agent's runtime key, first and last seen

import { sql, type Kysely, type Migration } from 'kysely';

export interface IdempotencyKeysTable {
  scope: string;
  idempotency_key: string;
  /** Null while the request that reserved the key is still creating its run. */
  run_id: string | null;
  created_at: string;
}

export interface RunWarningsTable {
  run_id: string;
  seq: number;
  code: string;
  text: string;
  guidance: string | null;
  at: string;
}

export interface ProcessHeartbeatsTable {
  id: string;
  /** 'server' | 'worker' | 'agent' */
  role: string;
  version: string;
  migration_id: string | null;
  started_at: string;
  last_seen_at: string;
}

/** Tables and columns 0013 adds (merged with the runs table's interface). */
export interface ScaleOutRunTables {
  runs: { dispatch?: string | null };
  idempotency_keys: IdempotencyKeysTable;
  run_warnings: RunWarningsTable;
  process_heartbeats: ProcessHeartbeatsTable;
}

export const scaleOutRunsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('runs').addColumn('dispatch', 'text').execute();
    // Runs with a lease time went through the queue before this migration.
    await sql`UPDATE "runs" SET "dispatch" = 'queue' WHERE "lease_expires_at" IS NOT NULL`.execute(db);
    await db.schema
      .createTable('idempotency_keys')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.references('runs.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'idempotency_key'])
      .execute();
    await db.schema
      .createTable('run_warnings')
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('guidance', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('run_warnings_pk', ['run_id', 'seq'])
      .execute();
    await db.schema
      .createTable('process_heartbeats')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('migration_id', 'text')
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('process_heartbeats_last_seen')
      .on('process_heartbeats')
      .column('last_seen_at')
      .execute();
  },
};
