// Opens the control-plane store: a SQLite file in the Ferry home by default (`--home DIR`,
// default ~/.ferry), or a PostgreSQL database with `--store postgres://…` (scale-out: many
// workers on many machines share it). The SQLite file holds connection URLs for resume, so it is
// created private (0600). The same repositories and migrations run on both.

import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { parseConnectionUrl } from '../connectors/connection-url.ts';
import { FerryError } from '../domain/errors.ts';
import type { StoreDatabase } from './database.ts';
import { migrationProvider } from './migrations/index.ts';
import { RunRepository } from './run-repository.ts';

export function defaultHome(): string {
  return process.env.FERRY_HOME ?? join(homedir(), '.ferry');
}

/** Where the store lives: a Ferry home (SQLite file) or a PostgreSQL URL. */
export type StoreLocation = { home?: string } | { url: string; home?: string };

export type StoreKind = 'sqlite' | 'postgres';

/** The opened store: the engine's RunStore plus the Kysely handle the control plane's repositories use. */
export class Store extends RunRepository {
  constructor(
    readonly kysely: Kysely<StoreDatabase>,
    readonly kind: StoreKind,
    /** The Ferry home: default place for tenant files, run logs and documents. */
    readonly home: string,
    /** Printable location (no password). */
    readonly location: string,
  ) {
    super(kysely, () => kysely.destroy());
  }
}

/** `openStore()`, `openStore(home)`, `openStore({ home })` or `openStore({ url: 'postgres://…' })`. */
export async function openStore(where: string | StoreLocation = {}): Promise<Store> {
  const location: StoreLocation = typeof where === 'string' ? { home: where } : where;
  const home = resolve(location.home ?? defaultHome());
  if ('url' in location) return openPostgresStore(location.url, home);
  return openSqliteStore(home);
}

async function openSqliteStore(home: string): Promise<Store> {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = join(home, 'ferry.db');
  const isNew = !existsSync(file);
  const sqlite = new Database(file);
  if (isNew) chmodSync(file, 0o600);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<StoreDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrate(db, file);
  return new Store(db, 'sqlite', home, file);
}

async function openPostgresStore(raw: string, home: string): Promise<Store> {
  const url = parseConnectionUrl(raw);
  if (url.dialect !== 'postgres')
    throw new FerryError(
      'FERRY_URL_INVALID',
      `the store must be a PostgreSQL database (postgres://…), got "${url.redacted}"`,
    );
  const schema = url.params.schema;
  const pool = new pg.Pool({
    host: url.host ?? 'localhost',
    port: url.port ?? 5432,
    ...(url.user === null ? {} : { user: url.user }),
    ...(url.password === null ? {} : { password: url.password }),
    ...(url.database === null ? {} : { database: url.database }),
    max: 10,
    application_name: 'ferry-store',
    connectionTimeoutMillis: 10_000,
  });
  // A dropped idle connection must not crash the process; the next query reports the problem.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    try {
      if (schema !== undefined) {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quotePg(schema)}`);
      }
    } finally {
      client.release();
    }
  } catch (cause) {
    await pool.end().catch(() => undefined);
    throw new FerryError('FERRY_HOST_UNREACHABLE', `could not open the Ferry store at ${url.redacted}`, {
      cause,
    });
  }
  if (schema !== undefined) {
    pool.on('connect', (client) => {
      client.query(`SET search_path TO ${quotePg(schema)}`).catch(() => undefined);
    });
  }
  const db = new Kysely<StoreDatabase>({ dialect: new PostgresDialect({ pool }) });
  await migrate(db, url.redacted);
  return new Store(db, 'postgres', home, url.redacted);
}

function quotePg(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

async function migrate(db: Kysely<StoreDatabase>, where: string): Promise<void> {
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error !== undefined) {
    await db.destroy();
    throw new FerryError('FERRY_INTERNAL', `could not migrate the Ferry store at ${where}`, { cause: error });
  }
}
