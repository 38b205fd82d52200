// Opens the control-plane store: a SQLite file in the Ferry home by default (`--home DIR`,
// default ~/.ferry). The file holds connection URLs for resume, so it is created private (0600).

import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { FerryError } from '../domain/errors.ts';
import type { RunStore } from '../engine/run-store.ts';
import type { StoreDatabase } from './database.ts';
import { migrationProvider } from './migrations/index.ts';
import { RunRepository } from './run-repository.ts';

export function defaultHome(): string {
  return process.env.FERRY_HOME ?? join(homedir(), '.ferry');
}

export async function openStore(home: string = defaultHome()): Promise<RunStore> {
  const dir = resolve(home);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'ferry.db');
  const isNew = !existsSync(file);
  const sqlite = new Database(file);
  if (isNew) chmodSync(file, 0o600);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<StoreDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error !== undefined) {
    await db.destroy();
    throw new FerryError('FERRY_INTERNAL', `could not migrate the Ferry store at ${file}`, { cause: error });
  }
  return new RunRepository(db, () => db.destroy());
}
