// The SMTP password leaves the plain-text URL: `migration_user_settings.smtp_url` keeps the URL
// without its password (safe to show), `smtp_password_sealed` the password sealed with the secrets
// key (services/secret-box.ts). A URL stored with its password before this migration is sealed the
// next time the migration's email settings are read (services/smtp-settings.ts), since the key is
// not the store's to know.

import type { Kysely, Migration } from 'kysely';

export const smtpSecretMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('migration_user_settings').addColumn('smtp_password_sealed', 'text').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('migration_user_settings').dropColumn('smtp_password_sealed').execute();
  },
};
