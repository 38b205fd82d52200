// Where the ERP fixture writes its tables: a SQLite file, a MariaDB/MySQL database, or a
// PostgreSQL schema. One small writer per dialect behind the same three calls (create a table from
// neutral column types, insert rows with bound parameters, refresh the statistics), chosen once by
// the URL's dialect, so fixture.ts itself never branches on it. Test data only: a handful of rows.

import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { parseConnectionUrl } from '../../connectors/connection-url.ts';
import type { ConnectionUrl } from '../../connectors/types.ts';
import { FerryError } from '../../domain/errors.ts';

/** Column types the fixture uses; each writer renders its own. */
export type FixtureType = 'key' | 'text' | 'integer' | 'decimal' | 'date' | 'boolean';

export interface FixtureColumn {
  name: string;
  type: FixtureType;
  notNull?: boolean;
  primaryKey?: boolean;
}

export type FixtureValue = string | number | boolean | null;

export interface FixtureDatabase {
  createTable(name: string, columns: readonly FixtureColumn[]): Promise<void>;
  insert(table: string, rows: readonly FixtureValue[][]): Promise<void>;
  /** Refresh the optimizer statistics, so catalog row estimates are right. */
  analyze(tables: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

function columnList(
  columns: readonly FixtureColumn[],
  quote: (name: string) => string,
  type: Record<FixtureType, string>,
): string {
  const defs = columns.map(
    (c) =>
      `${quote(c.name)} ${type[c.type]}${c.notNull === true || c.primaryKey === true ? ' NOT NULL' : ''}`,
  );
  const key = columns.filter((c) => c.primaryKey === true).map((c) => quote(c.name));
  return [...defs, ...(key.length > 0 ? [`PRIMARY KEY (${key.join(', ')})`] : [])].join(', ');
}

const doubleQuote = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const backtick = (name: string): string => `\`${name.replaceAll('`', '``')}\``;

function openSqlite(url: ConnectionUrl): FixtureDatabase {
  const db = new Database(url.path ?? ':memory:');
  const types: Record<FixtureType, string> = {
    key: 'TEXT',
    text: 'TEXT',
    integer: 'INTEGER',
    decimal: 'DECIMAL(38,20)',
    date: 'DATE',
    boolean: 'BOOLEAN',
  };
  return {
    createTable(name, columns) {
      db.exec(`CREATE TABLE ${doubleQuote(name)} (${columnList(columns, doubleQuote, types)})`);
      return Promise.resolve();
    },
    insert(table, rows) {
      const first = rows[0];
      if (first === undefined) return Promise.resolve();
      const statement = db.prepare(
        `INSERT INTO ${doubleQuote(table)} VALUES (${first.map(() => '?').join(', ')})`,
      );
      db.transaction(() => {
        for (const row of rows) statement.run(row.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v)));
      })();
      return Promise.resolve();
    },
    analyze() {
      db.exec('ANALYZE');
      return Promise.resolve();
    },
    close() {
      db.close();
      return Promise.resolve();
    },
  };
}

async function openMysql(url: ConnectionUrl): Promise<FixtureDatabase> {
  const conn = await mysql.createConnection({
    host: url.host ?? undefined,
    port: url.port ?? undefined,
    user: url.user ?? undefined,
    password: url.password ?? undefined,
    database: url.database ?? undefined,
    charset: 'utf8mb4',
  });
  conn.on('error', () => undefined);
  const types: Record<FixtureType, string> = {
    key: 'VARCHAR(64)',
    text: 'VARCHAR(250)',
    integer: 'INT',
    decimal: 'DECIMAL(38,20)',
    date: 'DATE',
    boolean: 'TINYINT(1)',
  };
  return {
    async createTable(name, columns) {
      await conn.query(`CREATE TABLE ${backtick(name)} (${columnList(columns, backtick, types)})`);
    },
    async insert(table, rows) {
      if (rows.length === 0) return;
      await conn.query(`INSERT INTO ${backtick(table)} VALUES ?`, [rows]);
    },
    async analyze(tables) {
      if (tables.length > 0) await conn.query(`ANALYZE TABLE ${tables.map(backtick).join(', ')}`);
    },
    close: () => conn.end(),
  };
}

async function openPostgres(url: ConnectionUrl): Promise<FixtureDatabase> {
  const client = new pg.Client({
    host: url.host ?? undefined,
    port: url.port ?? undefined,
    user: url.user ?? undefined,
    password: url.password ?? undefined,
    database: url.database ?? undefined,
  });
  client.on('error', () => undefined);
  await client.connect();
  const schema = url.schema ?? 'public';
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${doubleQuote(schema)}`);
  await client.query(`SET search_path TO ${doubleQuote(schema)}`);
  const types: Record<FixtureType, string> = {
    key: 'text',
    text: 'text',
    integer: 'integer',
    decimal: 'numeric(38,20)',
    date: 'date',
    boolean: 'boolean',
  };
  return {
    async createTable(name, columns) {
      await client.query(`CREATE TABLE ${doubleQuote(name)} (${columnList(columns, doubleQuote, types)})`);
    },
    async insert(table, rows) {
      const first = rows[0];
      if (first === undefined) return;
      const width = first.length;
      const values = rows
        .map((_, r) => `(${first.map((__, c) => `$${r * width + c + 1}`).join(', ')})`)
        .join(', ');
      await client.query(`INSERT INTO ${doubleQuote(table)} VALUES ${values}`, rows.flat());
    },
    async analyze(tables) {
      for (const table of tables) await client.query(`ANALYZE ${doubleQuote(table)}`);
    },
    close: () => client.end(),
  };
}

/** Opens the fixture's database: `sqlite:FILE`, `mysql://…/db` or `postgres://…/db?schema=S`. */
export async function openFixtureDatabase(raw: string): Promise<FixtureDatabase> {
  const url = parseConnectionUrl(raw);
  const open: Record<ConnectionUrl['dialect'], (u: ConnectionUrl) => Promise<FixtureDatabase>> = {
    sqlite: (u) => Promise.resolve(openSqlite(u)),
    mysql: openMysql,
    postgres: openPostgres,
  };
  const opener = open[url.dialect];
  if (opener === undefined)
    throw new FerryError('FERRY_URL_INVALID', `the ERP fixture cannot be written to ${url.redacted}`);
  return opener(url);
}
