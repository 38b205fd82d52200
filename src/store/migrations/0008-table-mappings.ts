// Table mappings (docs/table-mappings.md): one row per migration that has any, holding the
// validated mappings as JSON text (the same on SQLite and PostgreSQL). Removed with the migration.
//
//   migration_id   the migration (primary key)
//   mappings_json  domain/table-mappings.ts TableMappings, as JSON
//   updated_at     ISO-8601 UTC of the last change

import type { Kysely, Migration } from 'kysely';

export interface TableMappingsTable {
  migration_id: string;
  mappings_json: string;
  updated_at: string;
}

export interface TableMappingTables {
  migration_table_mappings: TableMappingsTable;
}

export const tableMappingsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('migration_table_mappings')
      .addColumn('migration_id', 'text', (c) =>
        c.primaryKey().references('migrations.id').onDelete('cascade'),
      )
      .addColumn('mappings_json', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
};
