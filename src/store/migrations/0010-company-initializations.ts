// Company initializations (issue 4): per migration and company, the last initialization job —
// `queued` → `running` → `succeeded` · `failed` — with its times, summary or error, and a lease, so
// a company whose job is waiting or running cannot be changed, and one whose worker died does not
// stay locked: once `lease_expires_at` passes, the job counts as failed.
//
//   lease_owner       the worker executing the job; null while queued and after it ended
//   lease_expires_at  ISO-8601 UTC. Queued: the deadline for a worker to take the job. Running: the
//                     lease, renewed while the profile's hook works. Null once ended.

import type { Kysely, Migration } from 'kysely';

export interface CompanyInitializationsTable {
  migration_id: string;
  company_id: string;
  company_name: string;
  /** `queued` · `running` · `succeeded` · `failed` (src/domain/company-initialization.ts). */
  status: string;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** What the profile's hook reported; null until it succeeded. */
  summary: string | null;
  /** `{ code, message }` JSON when it failed. */
  error_json: string | null;
  lease_owner: string | null;
  lease_expires_at: string | null;
}

export interface CompanyInitializationTables {
  company_initializations: CompanyInitializationsTable;
}

export const companyInitializationsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('company_initializations')
      .addColumn('migration_id', 'text', (c) => c.notNull().references('migrations.id').onDelete('cascade'))
      .addColumn('company_id', 'text', (c) => c.notNull())
      .addColumn('company_name', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('queued_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('finished_at', 'text')
      .addColumn('summary', 'text')
      .addColumn('error_json', 'text')
      .addColumn('lease_owner', 'text')
      .addColumn('lease_expires_at', 'text')
      .addPrimaryKeyConstraint('company_initializations_pk', ['migration_id', 'company_id'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('company_initializations').execute();
  },
};
