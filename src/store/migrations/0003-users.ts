// Users and plans per migration (seed 000 "Check user plans" and usernames, seeds 002/003 "Define
// user mappings"): the users loaded from the installation's source with the plan and username the
// migrator chose, the welcome-email and user-summary options, and the user → cloud identity
// mappings (one to one: a unique key per identity).

import type { Kysely, Migration } from 'kysely';

export const usersMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('migration_user_settings')
      .addColumn('migration_id', 'text', (c) =>
        c.primaryKey().references('migrations.id').onDelete('cascade'),
      )
      .addColumn('users_loaded_at', 'text')
      .addColumn('send_welcome_emails', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('send_user_summary', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('migrator_email', 'text')
      .addColumn('smtp_url', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('migration_users')
      .addColumn('migration_id', 'text', (c) => c.notNull().references('migrations.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('ordinal', 'integer', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('group_name', 'text')
      .addColumn('job_position', 'text')
      .addColumn('emails_json', 'text', (c) => c.notNull())
      .addColumn('is_administrator', 'integer', (c) => c.notNull())
      .addColumn('source_plan', 'text')
      .addColumn('plan', 'text')
      .addColumn('plan_chosen', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('username', 'text')
      .addColumn('username_chosen', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('welcome_sent_to', 'text')
      .addColumn('welcome_sent_at', 'text')
      .addPrimaryKeyConstraint('migration_users_pk', ['migration_id', 'user_id'])
      .execute();
    await db.schema
      .createTable('user_mappings')
      .addColumn('migration_id', 'text', (c) => c.notNull().references('migrations.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('identity', 'text', (c) => c.notNull())
      .addColumn('identity_key', 'text', (c) => c.notNull())
      .addColumn('mapped_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('user_mappings_pk', ['migration_id', 'user_id'])
      .addUniqueConstraint('user_mappings_identity', ['migration_id', 'identity_key'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('user_mappings').execute();
    await db.schema.dropTable('migration_users').execute();
    await db.schema.dropTable('migration_user_settings').execute();
  },
};
