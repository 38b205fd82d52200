// Migrations, tenants, plans, signatures, checklists, operator tokens, runtime keys, schedules.

import type { Kysely, Migration } from 'kysely';

export const controlPlaneMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('tenants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('database_url', 'text', (c) => c.notNull())
      .addColumn('blob_store_url', 'text', (c) => c.notNull())
      .addColumn('user_registry_url', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('migrations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('installation_path', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('phase', 'text', (c) => c.notNull())
      .addColumn('paused_from', 'text')
      .addColumn('license_company_name', 'text')
      .addColumn('license_serial_number', 'text')
      .addColumn('license_recorded_at', 'text')
      .addColumn('active_run_id', 'text')
      .addColumn('final_completed_at', 'text')
      .addColumn('selected_companies_json', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('migrations_tenant').on('migrations').column('tenant_id').execute();
    await db.schema
      .createTable('plan_activities')
      .addColumn('migration_id', 'text', (c) => c.notNull().references('migrations.id').onDelete('cascade'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('activity', 'text', (c) => c.notNull())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('estimate_minutes', 'integer', (c) => c.notNull())
      .addColumn('deadline', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('plan_activities_pk', ['migration_id', 'position'])
      .execute();
    await db.schema
      .createTable('signatures')
      .addColumn('migration_id', 'text', (c) => c.notNull().references('migrations.id').onDelete('cascade'))
      .addColumn('document', 'text', (c) => c.notNull())
      .addColumn('party', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('signed_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('signatures_pk', ['migration_id', 'document', 'party'])
      .execute();
    await db.schema
      .createTable('checklist_items')
      .addColumn('migration_id', 'text', (c) => c.notNull().references('migrations.id').onDelete('cascade'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('owner', 'text')
      .addColumn('origin', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', 'text')
      .addPrimaryKeyConstraint('checklist_items_pk', ['migration_id', 'id'])
      .execute();
    await db.schema
      .createTable('operator_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text')
      .addColumn('revoked_at', 'text')
      .execute();
    await db.schema
      .createTable('runtime_keys')
      .addColumn('migration_id', 'text', (c) =>
        c.primaryKey().references('migrations.id').onDelete('cascade'),
      )
      .addColumn('key_hash', 'text', (c) => c.notNull().unique())
      .addColumn('key_hint', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('schedules')
      .addColumn('migration_id', 'text', (c) =>
        c.primaryKey().references('migrations.id').onDelete('cascade'),
      )
      .addColumn('cron', 'text', (c) => c.notNull())
      .addColumn('time_zone', 'text', (c) => c.notNull())
      .addColumn('next_run_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('schedules_next_run').on('schedules').column('next_run_at').execute();
  },
};
