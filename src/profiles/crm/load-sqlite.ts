// Loads the CRM into SQLite: one prepared INSERT, run in large transactions, journal off while
// loading, indexes after.

import Database from 'better-sqlite3';
import { FerryError } from '../../domain/errors.ts';
import { sqliteDdl } from './ddl-sqlite.ts';
import type { CrmLoader } from './loader.ts';

const BATCH_ROWS = 20_000;

export function openSqliteLoader(path: string): CrmLoader {
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (cause) {
    throw new FerryError(
      'FERRY_TARGET_ERROR',
      `cannot open SQLite file ${path}: ${(cause as Error).message}`,
      { cause },
    );
  }
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  const q = sqliteDdl.quote;
  return {
    async existingTables(names) {
      const rows = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
        name: string;
      }[];
      return rows.map((r) => r.name).filter((n) => names.includes(n));
    },
    async dropTables(tables) {
      for (const t of tables) db.exec(sqliteDdl.dropTable(t));
    },
    async createTable(table) {
      db.exec(sqliteDdl.createTable(table));
    },
    async load(table, rows, onRows, signal) {
      const insert = db.prepare(
        `INSERT INTO ${q(table.name)} (${table.columns.map((c) => q(c.name)).join(', ')}) VALUES (${table.columns.map(() => '?').join(', ')})`,
      );
      let done = 0;
      const batch = db.transaction(() => {
        let n = 0;
        while (n < BATCH_ROWS) {
          const next = rows.next();
          if (next.done === true) return n;
          insert.run(next.value.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v)));
          n++;
        }
        return n;
      });
      for (;;) {
        signal?.throwIfAborted();
        const n = batch();
        done += n;
        onRows(done);
        if (n < BATCH_ROWS) return done;
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    async afterLoad(table) {
      for (const sql of sqliteDdl.afterLoad(table)) db.exec(sql);
    },
    async analyze() {
      db.exec('ANALYZE');
    },
    async close() {
      db.pragma('journal_mode = DELETE');
      db.close();
    },
  };
}
