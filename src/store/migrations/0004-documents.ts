// Document uploads: one row per upload session, and per session one row per referenced document
// with its outcome (`uploaded` · `unchanged` · `missing` · `failed`). A killed upload resumes from
// these rows without uploading finished documents again.

import type { Kysely, Migration } from 'kysely';

export const documentsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('document_sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('archive_root', 'text', (c) => c.notNull())
      .addColumn('store_location', 'text', (c) => c.notNull())
      .addColumn('previous_session_id', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .execute();
    await db.schema
      .createTable('document_outcomes')
      .addColumn('session_id', 'text', (c) =>
        c.notNull().references('document_sessions.id').onDelete('cascade'),
      )
      .addColumn('document_id', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint')
      .addColumn('sha256', 'text')
      .addColumn('mtime_ms', 'double precision')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('error', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('document_outcomes_pk', ['session_id', 'document_id'])
      .execute();
    await db.schema
      .createIndex('document_outcomes_outcome')
      .on('document_outcomes')
      .columns(['session_id', 'outcome'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('document_outcomes').execute();
    await db.schema.dropTable('document_sessions').execute();
  },
};

/** The tables above as Kysely sees them (registered in `StoreDatabase`). */
export interface DocumentTables {
  document_sessions: {
    id: string;
    mode: string;
    archive_root: string;
    store_location: string;
    previous_session_id: string | null;
    status: string;
    started_at: string;
    finished_at: string | null;
  };
  document_outcomes: {
    session_id: string;
    document_id: string;
    path: string;
    outcome: string;
    size: number | null;
    sha256: string | null;
    mtime_ms: number | null;
    attempts: number;
    error: string | null;
    updated_at: string;
  };
}
