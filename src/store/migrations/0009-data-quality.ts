// Data quality settings per migration: whether sanitize fixes invalid characters in the tenant
// automatically after every test, full and final run (`ferry sanitize MIGRATION --on-load on`).
// A migration without a row has it off.

import type { Kysely, Migration } from 'kysely';

export interface DataQualitySettingsTable {
  migration_id: string;
  /** 1: sanitize the tenant after each test/full/final load; 0: only on request. */
  sanitize_on_load: number;
  updated_at: string;
}

export interface DataQualityTables {
  data_quality_settings: DataQualitySettingsTable;
}

export const dataQualityMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('data_quality_settings')
      .addColumn('migration_id', 'text', (c) => c.primaryKey())
      .addColumn('sanitize_on_load', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
};
