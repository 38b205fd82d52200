// Change tracking on a SQLite source file: `ferry_change_log` (seq INTEGER PRIMARY KEY
// AUTOINCREMENT, so a position is never reused) and three AFTER triggers per table that log the
// changed row's key as `json_array(...)` of canonical text. An UPDATE logs the new key and, when
// it differs, the old one. The source connection is read-only, so installing and uninstalling
// open the file read-write for the duration of the DDL.
//
// Supported key kinds: integer, year, text, enum, uuid and binary (logged as hex); a table with
// another key kind, or none, logs `[]` ("copy this table again", see change-log-keys.ts).

import Database from 'better-sqlite3';
import {
  CHANGE_LOG_TABLE,
  CHANGE_TABLES_TABLE,
  decodeLoggedKey,
  tableTag,
  trackingKey,
  type TrackedKeyColumn,
} from '../change-log-keys.ts';
import { FerryError } from '../../domain/errors.ts';
import type {
  ChangeRecord,
  ChangeTracking,
  ChangeTrackingStatus,
  LogicalKind,
  TableSchema,
  TrackedTable,
} from '../types.ts';
import { BUSY_TIMEOUT_MS, sqliteCode, type SqliteDatabase } from './connection.ts';
import { quoteIdentifier, quoteLiteral } from './dialect.ts';

const LOG = quoteIdentifier(CHANGE_LOG_TABLE);
const REGISTRY = quoteIdentifier(CHANGE_TABLES_TABLE);
const TRIGGER_PREFIX = 'ferry_ct_';

function supported(kind: LogicalKind): boolean {
  return ['integer', 'year', 'text', 'enum', 'uuid', 'binary'].includes(kind);
}

function keyJson(row: 'NEW' | 'OLD', key: TrackedKeyColumn[]): string {
  if (key.length === 0) return `'[]'`;
  const parts = key.map((k) => {
    const ref = `${row}.${quoteIdentifier(k.name)}`;
    return k.kind === 'binary' ? `lower(hex(${ref}))` : `CAST(${ref} AS TEXT)`;
  });
  return `json_array(${parts.join(', ')})`;
}

export class SqliteChangeTracking implements ChangeTracking {
  private registry: Map<string, TrackedKeyColumn[]> | null = null;

  constructor(private readonly db: SqliteDatabase) {}

  /** Run `work` on a read-write handle of the same file. */
  private withWritable<T>(work: (db: SqliteDatabase) => T): T {
    let writable: SqliteDatabase;
    try {
      writable = new Database(this.db.name, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    } catch (cause) {
      throw new FerryError('FERRY_SOURCE_ERROR', `cannot open ${this.db.name} for writing change tracking`, {
        cause,
        details: { code: sqliteCode(cause) },
      });
    }
    try {
      return writable.transaction(() => work(writable))();
    } catch (cause) {
      if (cause instanceof FerryError) throw cause;
      throw new FerryError('FERRY_SOURCE_ERROR', `change tracking DDL failed: ${(cause as Error).message}`, {
        cause,
        details: { code: sqliteCode(cause) },
      });
    } finally {
      writable.close();
    }
  }

  async installChangeTracking(tables: TableSchema[]): Promise<TrackedTable[]> {
    const tracked = this.withWritable((db) => {
      db.exec(
        `CREATE TABLE IF NOT EXISTS ${LOG} (seq INTEGER PRIMARY KEY AUTOINCREMENT, table_name TEXT NOT NULL, ` +
          `key_json TEXT NOT NULL, changed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')))`,
      );
      db.exec(`CREATE TABLE IF NOT EXISTS ${REGISTRY} (table_name TEXT PRIMARY KEY, key_json TEXT NOT NULL)`);
      const done: TrackedTable[] = [];
      for (const table of tables) {
        const key = trackingKey(table, supported);
        const t = quoteIdentifier(table.name);
        const name = quoteLiteral(table.name);
        const trigger = (event: string) =>
          quoteIdentifier(`${TRIGGER_PREFIX}${tableTag(table.name)}_${event}`);
        const insert = (row: 'NEW' | 'OLD') =>
          `INSERT INTO ${LOG} (table_name, key_json) VALUES (${name}, ${keyJson(row, key)});`;
        for (const event of ['ins', 'upd', 'del']) db.exec(`DROP TRIGGER IF EXISTS ${trigger(event)}`);
        db.exec(`CREATE TRIGGER ${trigger('ins')} AFTER INSERT ON ${t} BEGIN ${insert('NEW')} END`);
        db.exec(
          `CREATE TRIGGER ${trigger('upd')} AFTER UPDATE ON ${t} BEGIN ${insert('NEW')} ` +
            `INSERT INTO ${LOG} (table_name, key_json) SELECT ${name}, ${keyJson('OLD', key)} ` +
            `WHERE ${keyJson('OLD', key)} IS NOT ${keyJson('NEW', key)}; END`,
        );
        db.exec(`CREATE TRIGGER ${trigger('del')} AFTER DELETE ON ${t} BEGIN ${insert('OLD')} END`);
        db.prepare(
          `INSERT INTO ${REGISTRY} (table_name, key_json) VALUES (?, ?) ` +
            `ON CONFLICT (table_name) DO UPDATE SET key_json = excluded.key_json`,
        ).run(table.name, JSON.stringify(key));
        done.push({ table: table.name, key: key.map((k) => k.name) });
      }
      return done;
    });
    this.registry = null;
    return tracked;
  }

  private loadRegistry(): Map<string, TrackedKeyColumn[]> {
    const rows = this.db.prepare(`SELECT table_name, key_json FROM ${REGISTRY}`).all() as {
      table_name: string;
      key_json: string;
    }[];
    return new Map(rows.map((r) => [r.table_name, JSON.parse(r.key_json) as TrackedKeyColumn[]]));
  }

  async readChanges(afterSeq: string, limit: number): Promise<ChangeRecord[]> {
    this.registry ??= this.loadRegistry();
    const registry = this.registry;
    const rows = this.db
      .prepare(
        `SELECT CAST(seq AS TEXT) AS seq, table_name, key_json FROM ${LOG} ` +
          `WHERE seq > CAST(? AS INTEGER) ORDER BY seq LIMIT ?`,
      )
      .all(afterSeq, limit) as { seq: string; table_name: string; key_json: string }[];
    return rows.map((r) => ({
      seq: r.seq,
      table: r.table_name,
      key: decodeLoggedKey(r.key_json, registry.get(r.table_name) ?? []),
    }));
  }

  async uninstallChangeTracking(): Promise<void> {
    this.withWritable((db) => {
      const triggers = db
        .prepare(`SELECT name FROM sqlite_schema WHERE type = 'trigger' AND substr(name, 1, ?) = ?`)
        .pluck()
        .all(TRIGGER_PREFIX.length, TRIGGER_PREFIX) as string[];
      for (const name of triggers) db.exec(`DROP TRIGGER IF EXISTS ${quoteIdentifier(name)}`);
      db.exec(`DROP TABLE IF EXISTS ${LOG}`);
      db.exec(`DROP TABLE IF EXISTS ${REGISTRY}`);
    });
    this.registry = null;
  }

  async changeTrackingStatus(): Promise<ChangeTrackingStatus> {
    const present = this.db
      .prepare(`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN (?, ?)`)
      .pluck()
      .get(CHANGE_LOG_TABLE, CHANGE_TABLES_TABLE) as number;
    if (present !== 2) return { installed: false, tables: [], lastSeq: '0' };
    const registry = this.loadRegistry();
    const last = this.db
      .prepare(`SELECT CAST(coalesce(max(seq), 0) AS TEXT) FROM ${LOG}`)
      .pluck()
      .get() as string;
    return {
      installed: registry.size > 0,
      tables: [...registry].map(([table, key]) => ({ table, key: key.map((k) => k.name) })),
      lastSeq: last,
    };
  }
}
