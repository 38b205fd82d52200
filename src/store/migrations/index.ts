// Versioned schema migrations for the control plane's own tables, applied in key order. Add a new
// file and a line here; never edit a migration that has shipped.

import type { Migration, MigrationProvider } from 'kysely';
import { runsMigration } from './0001-runs.ts';

const migrations: Record<string, Migration> = {
  '0001_runs': runsMigration,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
