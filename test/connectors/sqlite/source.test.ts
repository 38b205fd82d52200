import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { checksumOf } from '../../../src/connectors/canonical.ts';
import { parseConnectionUrl } from '../../../src/connectors/connection-url.ts';
import { SqliteConnection, sqliteConnector } from '../../../src/connectors/sqlite/index.ts';
import type {
  KeyRange,
  ReadWarnings,
  Row,
  SourceConnection,
  TableSchema,
} from '../../../src/connectors/types.ts';
import { isFerryError } from '../../../src/domain/errors.ts';
import { tempDir } from '../../support/servers.ts';

const dir = tempDir('sqlite-source');
const file = join(dir.path, 'source.db');
const url = parseConnectionUrl(`sqlite:${file}`);
const whole: KeyRange = { key: [], lower: null, upper: null };
const big = { batchRows: 10_000, batchBytes: 64 * 1024 * 1024 };

function warnings(): ReadWarnings {
  return { invalidUtf8: 0, zeroDates: 0 };
}

async function readAll(
  conn: SourceConnection,
  table: TableSchema,
  columns: string[],
  range: KeyRange,
  w = warnings(),
): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of conn.read(table, columns, range, big, w)) rows.push(...batch.rows);
  return rows;
}

function tableNamed(tables: TableSchema[], name: string): TableSchema {
  const table = tables.find((t) => t.name === name);
  assert.ok(table, `table ${name}`);
  return table;
}

const allTypesDdl = `
CREATE TABLE "order" (
  "id" INTEGER PRIMARY KEY,
  "User Name" VARCHAR(50) NOT NULL DEFAULT 'nobody',
  "MixedCase" TEXT,
  i64 BIGINT, small SMALLINT, flag BOOLEAN DEFAULT FALSE, r REAL, d DOUBLE, f FLOAT,
  dec DECIMAL(10,2), num NUMERIC, t TEXT, c CHAR(5), b BLOB, dt DATE, tm TIME, ts DATETIME, j JSON, untyped,
  created TEXT DEFAULT CURRENT_TIMESTAMP,
  expr_default TEXT DEFAULT (lower('X')),
  twice INTEGER GENERATED ALWAYS AS (i64 * 2) VIRTUAL,
  shout TEXT GENERATED ALWAYS AS (upper(t)) STORED
);
CREATE UNIQUE INDEX "order_t" ON "order" (t);
CREATE TABLE "CRONUS$Customer" (
  a INTEGER NOT NULL, b TEXT NOT NULL, "order id" INTEGER REFERENCES "order" ON DELETE CASCADE, u TEXT,
  PRIMARY KEY (a, b), CONSTRAINT uq UNIQUE (u)
) WITHOUT ROWID;
CREATE INDEX "idx name" ON "CRONUS$Customer" (b, a);
CREATE TABLE auto (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);
CREATE TABLE nums (k INTEGER PRIMARY KEY, v TEXT NOT NULL);
CREATE VIEW v AS SELECT 1;
`;

describe('sqlite source', () => {
  let conn: SourceConnection;
  let tables: TableSchema[];

  before(async () => {
    const db = new Database(file);
    db.exec(allTypesDdl);
    const insert = db.prepare(
      `INSERT INTO "order" (id, "User Name", "MixedCase", i64, small, flag, r, d, f, dec, num, t, c, b, dt, tm, ts, j, untyped)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    insert.run(
      1,
      'Ann',
      'tab\there back\\slash new\nline',
      9223372036854775807n,
      7,
      1,
      0.1,
      1.7976931348623157e308,
      5e-324,
      '12.30',
      '123.456',
      '😀 four bytes',
      'ab',
      Buffer.from([0, 1, 254, 255]),
      '2024-02-29',
      '23:59:59.120000',
      '2024-01-02T03:04:05.500',
      '{"a": 1.50}',
      42,
    );
    insert.run(
      2,
      '',
      '',
      -9223372036854775808n,
      -1,
      0,
      -0.5,
      1e21,
      1.5,
      12,
      1e-7,
      '',
      'x',
      Buffer.alloc(0),
      '0001-01-01',
      '00:00:00',
      '2024-01-02 03:04:05',
      '[]',
      Buffer.from('bytes'),
    );
    insert.run(
      3,
      'nulls',
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    );
    db.exec(`INSERT INTO "order" (id, t) VALUES (4, CAST(x'c328' AS TEXT)), (5, 'genuine \uFFFD')`);
    db.exec(
      `INSERT INTO "CRONUS$Customer" VALUES (1, 'b', 1, 'u1'), (1, 'a', NULL, NULL), (0, 'z', 2, 'u2')`,
    );
    db.exec(`INSERT INTO auto (v) VALUES ('x'), ('y')`);
    const n = db.prepare('INSERT INTO nums VALUES (?, ?)');
    db.transaction(() => {
      for (let k = 1; k <= 1000; k++) n.run(k, `value ${k}`);
    })();
    db.close();
    conn = await sqliteConnector.openSource(url);
    tables = await conn.listTables();
  });

  after(async () => {
    await conn?.close();
    dir.remove();
  });

  it('lists tables with awkward names, skipping views', () => {
    assert.deepEqual(tables.map((t) => t.name).sort(), ['CRONUS$Customer', 'auto', 'nums', 'order']);
  });

  it('describes columns: native type, logical type, nullability, defaults, generated', () => {
    const order = tableNamed(tables, 'order');
    const col = (name: string) => order.columns.find((c) => c.name === name)!;
    assert.deepEqual(col('id'), {
      name: 'id',
      nativeType: 'INTEGER',
      type: { kind: 'integer', bits: 64, unsigned: false },
      nullable: false,
      default: null,
      autoIncrement: true,
      generated: null,
    });
    assert.deepEqual(col('User Name').default, { kind: 'literal', value: 'nobody' });
    assert.equal(col('User Name').nullable, false);
    assert.deepEqual(col('flag').type, { kind: 'boolean' });
    assert.deepEqual(col('flag').default, { kind: 'literal', value: '0' });
    assert.deepEqual(col('dec').type, { kind: 'decimal', precision: 10, scale: 2 });
    assert.deepEqual(col('untyped').type, { kind: 'text', maxLength: null, fixed: false });
    assert.equal(col('untyped').nativeType, '(no declared type)');
    assert.deepEqual(col('created').default, { kind: 'current-timestamp' });
    assert.deepEqual(col('expr_default').default, { kind: 'expression', sql: "lower('X')" });
    assert.deepEqual(col('twice').generated, { expression: 'i64 * 2', stored: false });
    assert.deepEqual(col('shout').generated, { expression: 'upper(t)', stored: true });
    assert.equal(col('i64').autoIncrement, false);
    assert.equal(tableNamed(tables, 'auto').columns[0]!.autoIncrement, true);
  });

  it('describes keys, unique constraints, indexes and foreign keys', () => {
    const order = tableNamed(tables, 'order');
    assert.deepEqual(order.primaryKey, ['id']);
    assert.deepEqual(order.indexes, [{ name: 'order_t', columns: ['t'], unique: true }]);
    const customer = tableNamed(tables, 'CRONUS$Customer');
    assert.deepEqual(customer.primaryKey, ['a', 'b']);
    assert.deepEqual(customer.uniqueConstraints, [
      { name: 'CRONUS$Customer_u_key', columns: ['u'], unique: true },
    ]);
    assert.deepEqual(customer.indexes, [{ name: 'idx name', columns: ['b', 'a'], unique: false }]);
    assert.deepEqual(customer.foreignKeys, [
      {
        name: 'CRONUS$Customer_order id_fkey',
        columns: ['order id'],
        referencedTable: 'order',
        referencedColumns: ['id'],
        onDelete: 'CASCADE',
        onUpdate: 'NO ACTION',
      },
    ]);
    assert.equal(customer.columns.find((c) => c.name === 'a')!.nullable, false);
  });

  it('estimates rows without counting large tables', () => {
    assert.equal(tableNamed(tables, 'nums').estimatedRows, 1000);
    assert.ok(tableNamed(tables, 'nums').estimatedBytes > 1000);
    assert.equal(tableNamed(tables, 'CRONUS$Customer').estimatedRows, 3);
  });

  it('reads every type as canonical text, NULL in every type, edge values', async () => {
    const order = tableNamed(tables, 'order');
    const columns = order.columns.map((c) => c.name);
    const w = warnings();
    const rows = await readAll(conn, order, columns, { key: ['id'], lower: null, upper: null }, w);
    const byName = (row: Row) => Object.fromEntries(columns.map((c, i) => [c, row[i]]));
    const [first, second, nulls, invalid, genuine] = rows.map(byName);
    assert.deepEqual(first, {
      id: '1',
      'User Name': 'Ann',
      MixedCase: 'tab\there back\\slash new\nline',
      i64: '9223372036854775807',
      small: '7',
      flag: '1',
      r: '0.1',
      d: '1.7976931348623157e+308',
      f: '5e-324',
      dec: '12.30',
      num: '123.456',
      t: '😀 four bytes',
      c: 'ab',
      b: Buffer.from([0, 1, 254, 255]),
      dt: '2024-02-29',
      tm: '23:59:59.12',
      ts: '2024-01-02 03:04:05.5',
      j: '{"a": 1.50}',
      untyped: '42',
      created: first!.created,
      expr_default: 'x',
      // i64 * 2 overflows: SQLite computes a REAL, whose exact digits are these.
      twice: '18446744073709551616',
      shout: '😀 FOUR BYTES',
    });
    assert.match(String(first!.created), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal(second!.i64, '-9223372036854775808');
    assert.equal(second!['User Name'], '');
    assert.equal(second!.flag, '0');
    assert.equal(second!.d, '1e+21');
    assert.equal(second!.dec, '12.00');
    assert.equal(second!.num, '0.0000001');
    assert.deepEqual(second!.b, Buffer.alloc(0));
    assert.equal(second!.untyped, 'bytes');
    assert.equal(second!.twice, '-18446744073709551616');
    for (const name of columns.filter(
      (c) => !['id', 'User Name', 'flag', 'created', 'expr_default'].includes(c),
    )) {
      assert.equal(nulls![name], null, name);
    }
    assert.equal(invalid!.t, '\uFFFD(');
    assert.equal(genuine!.t, 'genuine \uFFFD');
    assert.equal(invalid!.shout, '\uFFFD(');
    // t and shout = upper(t) of row 4; the genuine U+FFFD of row 5 is not counted.
    assert.equal(w.invalidUtf8, 2);
  });

  it('reads key ranges in key order, with limits, on composite keys', async () => {
    const nums = tableNamed(tables, 'nums');
    const rows = await readAll(conn, nums, ['k'], { key: ['k'], lower: ['10'], upper: ['20'] });
    assert.deepEqual(
      rows.map((r) => r[0]),
      Array.from({ length: 10 }, (_, i) => String(11 + i)),
    );
    const limited: Row[] = [];
    for await (const b of conn.read(
      nums,
      ['k', 'v'],
      { key: ['k'], lower: ['990'], upper: null },
      { ...big, limit: 3 },
      warnings(),
    ))
      limited.push(...b.rows);
    assert.deepEqual(limited, [
      ['991', 'value 991'],
      ['992', 'value 992'],
      ['993', 'value 993'],
    ]);
    const customer = tableNamed(tables, 'CRONUS$Customer');
    const keyed = await readAll(conn, customer, ['a', 'b'], {
      key: ['a', 'b'],
      lower: ['0', 'z'],
      upper: ['1', 'b'],
    });
    assert.deepEqual(keyed, [
      ['1', 'a'],
      ['1', 'b'],
    ]);
  });

  it('ends batches at batchRows or batchBytes', async () => {
    const nums = tableNamed(tables, 'nums');
    const sizes: number[] = [];
    for await (const b of conn.read(nums, ['k'], whole, { batchRows: 300, batchBytes: 1e9 }, warnings()))
      sizes.push(b.rows.length);
    assert.deepEqual(sizes, [300, 300, 300, 100]);
    const bySize: number[] = [];
    for await (const b of conn.read(nums, ['v'], whole, { batchRows: 1e6, batchBytes: 900 }, warnings()))
      bySize.push(b.bytes);
    assert.ok(bySize.length >= 9, String(bySize));
    assert.ok(bySize.slice(0, -1).every((n) => n >= 900 && n < 1000));
  });

  it('produces no more than the batch the slow consumer is on (backpressure)', async () => {
    // A generated column that calls a JS function tells the highest key SQLite has produced.
    const path = join(dir.path, 'probe.db');
    let produced = 0;
    const setup = new Database(path);
    setup.function('probe', { deterministic: true }, (k: unknown) => k);
    setup.exec('CREATE TABLE p (k INTEGER PRIMARY KEY, seen INTEGER GENERATED ALWAYS AS (probe(k)) VIRTUAL)');
    setup
      .prepare(
        'WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 1000) INSERT INTO p (k) SELECT x FROM s',
      )
      .run();
    setup.close();
    const db = new Database(path, { readonly: true });
    db.function('probe', { deterministic: true }, (k: unknown) => {
      produced = Math.max(produced, Number(k));
      return k as number;
    });
    const probeConn = new SqliteConnection(db, parseConnectionUrl(`sqlite:${path}`));
    const [p] = await probeConn.listTables();
    produced = 0;
    let consumed = 0;
    for await (const batch of probeConn.read(
      p!,
      ['k', 'seen'],
      whole,
      { batchRows: 100, batchBytes: 1e9 },
      warnings(),
    )) {
      consumed += batch.rows.length;
      assert.equal(produced, consumed, 'the reader ran ahead of the consumer');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(consumed, 1000);
    await probeConn.close();
  });

  it('releases the cursor when the consumer breaks early or the signal aborts', async () => {
    const nums = tableNamed(tables, 'nums');
    for await (const batch of conn.read(nums, ['k'], whole, { batchRows: 10, batchBytes: 1e9 }, warnings())) {
      assert.equal(batch.rows.length, 10);
      break;
    }
    assert.deepEqual(
      await conn.checksum(nums, ['k'], { key: ['k'], lower: null, upper: ['2'] }),
      checksumOf([['1'], ['2']]),
    );
    const controller = new AbortController();
    await assert.rejects(async () => {
      for await (const _batch of conn.read(
        nums,
        ['k'],
        whole,
        { batchRows: 10, batchBytes: 1e9, signal: controller.signal },
        warnings(),
      )) {
        controller.abort(new Error('stop'));
      }
    }, /stop/);
    assert.equal((await readAll(conn, nums, ['k'], whole)).length, 1000);
  });

  it('computes checksums in the database equal to checksumOf(read rows), over every type', async () => {
    for (const table of tables) {
      const columns = table.columns.map((c) => c.name);
      const range: KeyRange =
        table.primaryKey === null ? whole : { key: table.primaryKey, lower: null, upper: null };
      const rows = await readAll(conn, table, columns, range);
      assert.deepEqual(await conn.checksum(table, columns, range), checksumOf(rows), table.name);
    }
    const nums = tableNamed(tables, 'nums');
    const range: KeyRange = { key: ['k'], lower: ['100'], upper: ['250'] };
    const rows = await readAll(conn, nums, ['k', 'v'], range);
    assert.equal(rows.length, 150);
    assert.deepEqual(await conn.checksum(nums, ['k', 'v'], range), checksumOf(rows));
  });

  it('gives integer key bounds as text', async () => {
    assert.deepEqual(await conn.integerKeyBounds('nums', 'k'), { min: '1', max: '1000' });
    assert.deepEqual(await conn.integerKeyBounds('order', 'i64'), {
      min: '-9223372036854775808',
      max: '9223372036854775807',
    });
  });

  it('reports a table dropped since planning as FERRY_SOURCE_TABLE_DROPPED', async () => {
    const ghost: TableSchema = { ...tableNamed(tables, 'nums'), name: 'ghost' };
    await assert.rejects(readAll(conn, ghost, ['k'], whole), (e) =>
      isFerryError(e, 'FERRY_SOURCE_TABLE_DROPPED'),
    );
    await assert.rejects(conn.checksum(ghost, ['k'], whole), (e) =>
      isFerryError(e, 'FERRY_SOURCE_TABLE_DROPPED'),
    );
  });

  it('translates open errors: missing file, missing folder, not a database', async () => {
    const missing = parseConnectionUrl(`sqlite:${join(dir.path, 'missing.db')}`);
    await assert.rejects(
      sqliteConnector.openSource(missing),
      (e) => isFerryError(e, 'FERRY_DATABASE_NOT_FOUND') && e.message.includes('missing.db'),
    );
    const noFolder = parseConnectionUrl(`sqlite:${join(dir.path, 'no', 'such', 'tenant.db')}`);
    await assert.rejects(
      sqliteConnector.openTarget(noFolder),
      (e) => isFerryError(e, 'FERRY_DATABASE_NOT_FOUND') && /folder/.test(e.message),
    );
    const junk = join(dir.path, 'junk.db');
    writeFileSync(
      junk,
      'this is not a database, just some text that is long enough to have a header '.repeat(20),
    );
    await assert.rejects(sqliteConnector.openSource(parseConnectionUrl(`sqlite:${junk}`)), (e) =>
      isFerryError(e, 'FERRY_DATABASE_NOT_FOUND'),
    );
  });

  it('opens a source read-only and leaves its journal mode alone', async () => {
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'delete');
    db.close();
  });
});
