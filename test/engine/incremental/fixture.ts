// A small source database with the shapes incremental runs must handle, in every source dialect:
// an integer key (`orders`), a text key on an awkward name (`Order Lines`) and a table without a
// key (`audit`, copied again as a whole when it changes). `sql(dialect)` gives each statement in
// the dialect's spelling; `run` executes statements on a database URL.

import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';

export type SourceDialect = 'mysql' | 'postgres' | 'sqlite';

export async function runSql(
  dialect: SourceDialect,
  url: string,
  statements: string[],
): Promise<unknown[][]> {
  const results: unknown[][] = [];
  if (dialect === 'mysql') {
    const conn = await mysql.createConnection({ uri: url });
    try {
      for (const s of statements) {
        const [rows] = await conn.query({ sql: s, rowsAsArray: true });
        results.push(Array.isArray(rows) ? (rows as unknown[]) : []);
      }
    } finally {
      await conn.end();
    }
  } else if (dialect === 'postgres') {
    const client = new pg.Client({ connectionString: url.replace(/\?.*$/, '') });
    await client.connect();
    try {
      const schema = /[?&]schema=([^&]+)/.exec(url)?.[1];
      if (schema !== undefined) await client.query(`SET search_path TO "${schema}"`);
      for (const s of statements) results.push((await client.query({ text: s, rowMode: 'array' })).rows);
    } finally {
      await client.end();
    }
  } else {
    const db = new Database(url.replace(/^sqlite:/, ''));
    try {
      for (const s of statements) {
        const st = db.prepare(s);
        results.push(st.reader ? (st.raw(true).all() as unknown[]) : (st.run(), []));
      }
    } finally {
      db.close();
    }
  }
  return results;
}

/** Create and fill the fixture tables (2,000 orders, 500 order lines, 100 audit rows). */
export function createStatements(dialect: SourceDialect): string[] {
  const q = (name: string) => (dialect === 'mysql' ? `\`${name}\`` : `"${name}"`);
  const text = dialect === 'mysql' ? 'VARCHAR(64)' : 'VARCHAR(64)';
  const statements = [
    `CREATE TABLE orders (id BIGINT PRIMARY KEY, customer ${text} NOT NULL, amount DECIMAL(12,2), note TEXT)`,
    `CREATE TABLE ${q('Order Lines')} (code VARCHAR(32) PRIMARY KEY, qty INT NOT NULL)`,
    `CREATE TABLE audit (at_minute INT NOT NULL, what VARCHAR(100))`,
  ];
  const rows = (n: number, f: (i: number) => string) =>
    Array.from({ length: n }, (_, i) => f(i + 1)).join(', ');
  for (let start = 0; start < 2000; start += 500) {
    statements.push(
      `INSERT INTO orders VALUES ${rows(500, (i) => `(${start + i}, 'customer ${(start + i) % 97}', ${((start + i) * 1.25).toFixed(2)}, ${i % 10 === 0 ? 'NULL' : `'note\\t${start + i}'`})`)}`,
    );
  }
  statements.push(
    `INSERT INTO ${q('Order Lines')} VALUES ${rows(500, (i) => `('line-${String(i).padStart(5, '0')}', ${i % 13})`)}`,
  );
  statements.push(`INSERT INTO audit VALUES ${rows(100, (i) => `(${i}, 'event ${i % 7}')`)}`);
  return statements;
}

/** Inserts, updates, deletes and a key update on the source. */
export function changeStatements(dialect: SourceDialect): string[] {
  const q = (name: string) => (dialect === 'mysql' ? `\`${name}\`` : `"${name}"`);
  const values = Array.from({ length: 10 }, (_, i) => `(${5001 + i}, 'new customer', 9.99, 'fresh')`).join(
    ', ',
  );
  return [
    `INSERT INTO orders VALUES ${values}`,
    `UPDATE orders SET amount = amount + 1, note = 'updated' WHERE id BETWEEN 101 AND 110`,
    `DELETE FROM orders WHERE id BETWEEN 201 AND 205`,
    `UPDATE orders SET id = 100007 WHERE id = 7`,
    `UPDATE orders SET note = 'twice' WHERE id = 101`,
    `INSERT INTO ${q('Order Lines')} VALUES ('line-new-1', 1), ('line-new-2', 2), ('line-new-3', 3)`,
    `DELETE FROM ${q('Order Lines')} WHERE code IN ('line-00001', 'line-00002')`,
    `UPDATE ${q('Order Lines')} SET qty = 99 WHERE code IN ('line-00010', 'line-00011')`,
    `INSERT INTO audit VALUES (1000, 'late event')`,
  ];
}

/** Rows each table's incremental run must read and write for `changeStatements`. */
export const expectedMoves = {
  // 10 inserted + 10 updated + 1 re-keyed (the old key 7 and the 5 deleted keys read nothing)
  orders: 21,
  // 3 inserted + 2 updated
  'Order Lines': 5,
  // no key: copied again as a whole (100 + 1 rows)
  audit: 101,
};
