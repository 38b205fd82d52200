import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from 'mysql2/promise';
import type { ReadWarnings, Row, SourceConnection, TableSchema } from '../../../src/connectors/types.ts';
import { isFerryError } from '../../../src/domain/errors.ts';
import { freshDatabase, skipUnless } from '../../support/servers.ts';
import type { TestDatabase } from '../../support/servers.ts';
import {
  ALL_TYPES_COLUMNS,
  ALL_TYPES_DDL,
  ALL_TYPES_EXPECTED,
  ALL_TYPES_INSERT,
  adminSession,
  collect,
  openSource,
  tableNamed,
} from './fixture.ts';

const noWarnings = (): ReadWarnings => ({ invalidUtf8: 0, zeroDates: 0 });
const whole = { key: ['id'], lower: null, upper: null };
const big = { batchRows: 1000, batchBytes: 1 << 30 };

describe('MySQL source: read', { skip: await skipUnless('mysql') }, () => {
  let db: TestDatabase;
  let admin: Connection;
  let source: SourceConnection;
  let failed = false;

  before(async () => {
    db = await freshDatabase('mysql', 'mysql_read');
    admin = await adminSession(db.url);
    await admin.query(ALL_TYPES_DDL);
    await admin.query(ALL_TYPES_INSERT);
    await admin.query(`
      CREATE TABLE seq (id int PRIMARY KEY, grp int NOT NULL, payload varchar(300) NOT NULL, KEY (grp));
      INSERT INTO seq SELECT seq, seq % 7, REPEAT('x', 200) FROM seq_1_to_20000;
      CREATE TABLE pairs (a varchar(10) NOT NULL, b decimal(20,2) NOT NULL, v int, PRIMARY KEY (a, b));
      INSERT INTO pairs VALUES ('a', 1.00, 1), ('a', 2.50, 2), ('a', 10.00, 3), ('b', 0.10, 4), ('b', 2.50, 5), ('c', 1.00, 6);
      CREATE TABLE replaced (id int PRIMARY KEY, t varchar(20));
      INSERT INTO replaced VALUES (1, 'ok'), (2, CONCAT('a', _utf8mb4 0xEFBFBD, 'b'));
      SET SESSION sql_mode = '';
      CREATE TABLE zero_dates (id int PRIMARY KEY, d date, dt datetime(3), ts timestamp NULL DEFAULT NULL);
      INSERT INTO zero_dates VALUES (1, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00'),
        (2, '2024-00-10', '2024-05-00 10:00:00.500', NULL), (3, '0000-01-01', '2024-05-01 10:00:00.500', '2001-02-03 04:05:06');
      CREATE TABLE zero_many (id int PRIMARY KEY, d date, filler varchar(300));
      INSERT INTO zero_many SELECT seq, '0000-00-00', REPEAT('y', 250) FROM seq_1_to_20000;
    `);
    source = await openSource(db.url);
  });

  after(async () => {
    await source?.close();
    await admin?.end();
    await db?.drop(failed);
  });

  const run = (name: string, fn: () => Promise<void>): void => {
    void it(name, async () => {
      try {
        await fn();
      } catch (error) {
        failed = true;
        throw error;
      }
    });
  };

  run('reads every type as canonical text, with NULL in every type and edge values', async () => {
    const table = await tableNamed(source, 'all_types');
    const warnings = noWarnings();
    const rows = await collect(source.read(table, ALL_TYPES_COLUMNS, whole, big, warnings));
    assert.equal(rows.length, ALL_TYPES_EXPECTED.length);
    for (let r = 0; r < rows.length; r++) {
      for (let c = 0; c < ALL_TYPES_COLUMNS.length; c++) {
        assert.deepEqual(
          rows[r]![c],
          ALL_TYPES_EXPECTED[r]![c],
          `row ${r + 1}, column ${ALL_TYPES_COLUMNS[c]}`,
        );
      }
    }
    for (const row of rows)
      for (const cell of row) assert.ok(cell === null || typeof cell === 'string' || Buffer.isBuffer(cell));
    assert.deepEqual(warnings, { invalidUtf8: 0, zeroDates: 0 });
  });

  run('reads columns in the order asked for', async () => {
    const table = await tableNamed(source, 'all_types');
    const rows = await collect(source.read(table, ['u64', 'id'], whole, big, noWarnings()));
    assert.deepEqual(rows[0], ['18446744073709551615', '1']);
  });

  run('yields zero dates as NULL and counts them', async () => {
    const table = await tableNamed(source, 'zero_dates');
    const warnings = noWarnings();
    const rows = await collect(source.read(table, ['id', 'd', 'dt', 'ts'], whole, big, warnings));
    assert.deepEqual(rows, [
      ['1', null, null, null],
      ['2', null, null, null],
      ['3', '0000-01-01', '2024-05-01 10:00:00.5', '2001-02-03 04:05:06Z'],
    ]);
    assert.equal(warnings.zeroDates, 5);
  });

  run('counts a text value that contains U+FFFD as a replaced one', async () => {
    const table = await tableNamed(source, 'replaced');
    const warnings = noWarnings();
    const rows = await collect(source.read(table, ['id', 't'], whole, big, warnings));
    assert.deepEqual(rows[1], ['2', 'a\uFFFDb']);
    assert.equal(warnings.invalidUtf8, 1);
  });

  run('reads an integer key range: lower exclusive, upper inclusive, in key order', async () => {
    const table = await tableNamed(source, 'seq');
    const range = { key: ['id'], lower: ['100'], upper: ['250'] };
    const rows = await collect(source.read(table, ['id'], range, big, noWarnings()));
    assert.equal(rows.length, 150);
    assert.equal(rows[0]![0], '101');
    assert.equal(rows.at(-1)![0], '250');
  });

  run('reads with a limit (keyset chunking)', async () => {
    const table = await tableNamed(source, 'seq');
    const range = { key: ['id'], lower: ['19990'], upper: null };
    const rows = await collect(source.read(table, ['id'], range, { ...big, limit: 5 }, noWarnings()));
    assert.deepEqual(rows, [['19991'], ['19992'], ['19993'], ['19994'], ['19995']]);
  });

  run('reads a composite key range (text, decimal) in key order', async () => {
    const table = await tableNamed(source, 'pairs');
    const range = { key: ['a', 'b'], lower: ['a', '2.50'], upper: ['b', '2.50'] };
    const rows = await collect(source.read(table, ['a', 'b', 'v'], range, big, noWarnings()));
    assert.deepEqual(rows, [
      ['a', '10.00', '3'],
      ['b', '0.10', '4'],
      ['b', '2.50', '5'],
    ]);
    const all = await collect(
      source.read(table, ['v'], { key: [], lower: null, upper: null }, big, noWarnings()),
    );
    assert.equal(all.length, 6);
  });

  run('ends batches at batchRows rows or batchBytes bytes', async () => {
    const table = await tableNamed(source, 'seq');
    const range = { key: ['id'], lower: null, upper: ['1000'] };
    const sizes: number[] = [];
    for await (const batch of source.read(
      table,
      ['id'],
      range,
      { batchRows: 300, batchBytes: 1 << 30 },
      noWarnings(),
    )) {
      sizes.push(batch.rows.length);
    }
    assert.deepEqual(sizes, [300, 300, 300, 100]);
    const bySize: number[] = [];
    for await (const batch of source.read(
      table,
      ['payload'],
      range,
      { batchRows: 10_000, batchBytes: 2000 },
      noWarnings(),
    )) {
      bySize.push(batch.rows.length);
      assert.ok(batch.bytes >= 2000 || bySize.length * 10 === 1000);
    }
    assert.equal(bySize[0], 10); // 10 rows × 200 bytes
  });

  run('never buffers more than about one batch ahead of a slow consumer', async () => {
    const table = await tableNamed(source, 'zero_many');
    const warnings = noWarnings(); // every row decoded counts one zero date
    let consumed = 0;
    let maxAhead = 0;
    for await (const batch of source.read(
      table,
      ['id', 'd', 'filler'],
      whole,
      { batchRows: 500, batchBytes: 1 << 30 },
      warnings,
    )) {
      consumed += batch.rows.length;
      await sleep(20);
      maxAhead = Math.max(maxAhead, warnings.zeroDates - consumed);
      if (consumed >= 10_000) break;
    }
    assert.ok(maxAhead <= 500, `decoded ${maxAhead} rows ahead of the consumer`);
    assert.ok(maxAhead > 0, 'the reader works while the consumer is busy');
  });

  run('releases the session when the consumer stops early', async () => {
    const table = await tableNamed(source, 'zero_many');
    for await (const batch of source.read(
      table,
      ['id', 'filler'],
      whole,
      { batchRows: 100, batchBytes: 1 << 30 },
      noWarnings(),
    )) {
      assert.equal(batch.rows.length, 100);
      break;
    }
    assert.deepEqual(await source.integerKeyBounds('zero_many', 'id'), { min: '1', max: '20000' });
    const seq = await tableNamed(source, 'seq');
    const rows = await collect(
      source.read(seq, ['id'], { key: ['id'], lower: null, upper: ['3'] }, big, noWarnings()),
    );
    assert.deepEqual(rows, [['1'], ['2'], ['3']]);
    // Stopping when the server has (nearly) finished sending must not hurt the next statement either.
    for (const batchRows of [19_999, 19_000, 10_000]) {
      for await (const _batch of source.read(
        table,
        ['id'],
        whole,
        { batchRows, batchBytes: 1 << 30 },
        noWarnings(),
      ))
        break;
      assert.deepEqual(await source.integerKeyBounds('seq', 'id'), { min: '1', max: '20000' });
    }
  });

  run('stops and releases the session when the signal aborts', async () => {
    const table = await tableNamed(source, 'zero_many');
    const controller = new AbortController();
    const options = { batchRows: 100, batchBytes: 1 << 30, signal: controller.signal };
    let batches = 0;
    await assert.rejects(async () => {
      for await (const _batch of source.read(table, ['id', 'filler'], whole, options, noWarnings())) {
        batches++;
        controller.abort();
      }
    }, /abort/i);
    assert.equal(batches, 1);
    assert.deepEqual(await source.integerKeyBounds('seq', 'id'), { min: '1', max: '20000' });
  });

  run('reports a dropped table as FERRY_SOURCE_TABLE_DROPPED', async () => {
    const table: TableSchema = { ...(await tableNamed(source, 'seq')), name: 'gone' };
    await assert.rejects(collect(source.read(table, ['id'], whole, big, noWarnings())), (error) => {
      assert.ok(isFerryError(error, 'FERRY_SOURCE_TABLE_DROPPED'));
      assert.match(error.message, /gone/);
      return true;
    });
    const rows: Row[] = await collect(
      source.read(
        await tableNamed(source, 'pairs'),
        ['v'],
        { key: ['a', 'b'], lower: null, upper: null },
        big,
        noWarnings(),
      ),
    );
    assert.equal(rows.length, 6);
  });

  run('integerKeyBounds gives canonical min and max, null when empty', async () => {
    assert.deepEqual(await source.integerKeyBounds('all_types', 'u64'), {
      min: '0',
      max: '18446744073709551615',
    });
    assert.deepEqual(await source.integerKeyBounds('all_types', 'zf'), { min: '0', max: '42' });
    await admin.query('CREATE TABLE empty_t (id bigint PRIMARY KEY)');
    assert.equal(await source.integerKeyBounds('empty_t', 'id'), null);
  });
});
