// A migration's table mappings in the store: read, replace, remove. The JSON is validated by the
// service before it is written; reading parses it again, so a hand-edited row cannot slip through.

import type { Kysely } from 'kysely';
import { parseTableMappings, type TableMappings } from '../domain/table-mappings.ts';
import type { StoreDatabase } from './database.ts';

export interface StoredTableMappings {
  migrationId: string;
  mappings: TableMappings;
  /** ISO-8601 UTC. */
  updatedAt: string;
}

export class TableMappingRepository {
  constructor(private readonly db: Kysely<StoreDatabase>) {}

  async get(migrationId: string): Promise<StoredTableMappings | null> {
    const row = await this.db
      .selectFrom('migration_table_mappings')
      .selectAll()
      .where('migration_id', '=', migrationId)
      .executeTakeFirst();
    if (row === undefined) return null;
    return {
      migrationId: row.migration_id,
      mappings: parseTableMappings(JSON.parse(row.mappings_json)),
      updatedAt: row.updated_at,
    };
  }

  async put(migrationId: string, mappings: TableMappings, updatedAt: string): Promise<void> {
    const json = JSON.stringify(mappings);
    await this.db
      .insertInto('migration_table_mappings')
      .values({ migration_id: migrationId, mappings_json: json, updated_at: updatedAt })
      .onConflict((oc) =>
        oc.column('migration_id').doUpdateSet({ mappings_json: json, updated_at: updatedAt }),
      )
      .execute();
  }

  /** True when there were mappings to remove. */
  async remove(migrationId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('migration_table_mappings')
      .where('migration_id', '=', migrationId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
