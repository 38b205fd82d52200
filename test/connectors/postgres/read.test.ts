import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isFerryError } from '../../../src/domain/errors.ts';
import { postgresConnector } from '../../../src/connectors/postgres/index.ts';
import type { ReadWarnings, Row, SourceConnection, TableSchema } from '../../../src/connectors/types.ts';
import { freshDatabase, skipUnless, type TestDatabase } from '../../support/servers.ts';
import { ALL_COLUMNS, ROWS, SCHEMA, adminQuery, createAllTypes, schemaUrl } from './fixture.ts';

const warnings = (): ReadWarnings => ({ invalidUtf8: 0, zeroDates: 0 });
const all = { key: ['id'], lower: null, upper: null };
const allK = { key: ['k'], lower: null, upper: null };
const big = { batchRows: 1000, batchBytes: 1 << 24 };

async function collect(
  source: SourceConnection,
  ...args: Parameters<SourceConnection['read']>
): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of source.read(...args)) rows.push(...batch.rows);
  return rows;
}

describe('postgres read', { skip: await skipUnless('postgres') }, () => {
  let db: TestDatabase;
  let source: SourceConnection;
  let table: TableSchema;
  let failed = false;

  before(async () => {
    db = await freshDatabase('postgres', 'pg_read');
    await createAllTypes(db.url);
    await adminQuery(
      db.url,
      `CREATE TABLE "${SCHEMA}".numbers (k integer PRIMARY KEY, pad text);
       INSERT INTO "${SCHEMA}".numbers SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g;
       CREATE TABLE "${SCHEMA}".pairs (a text, b integer, v text, PRIMARY KEY (a, b));
       INSERT INTO "${SCHEMA}".pairs SELECT chr(65 + g % 3) || CASE WHEN g % 2 = 0 THEN 'a' ELSE 'B' END, g, 'v' || g
         FROM generate_series(1, 30) g;`,
    );
    source = await postgresConnector.openSource(schemaUrl(db.url));
    const tables = await source.listTables();
    table = tables.find((t) => t.name === 'Every Type')!;
  });

  after(async () => {
    await source?.close();
    await db?.drop(failed);
  });

  it('reads every type as canonical cells, NULL in every type and edge values included', async () => {
    try {
      const rows = await collect(source, table, ALL_COLUMNS, all, big, warnings());
      assert.equal(rows.length, ROWS.length);
      for (let r = 0; r < ROWS.length; r++) {
        for (let c = 0; c < ALL_COLUMNS.length; c++) {
          assert.deepEqual(rows[r]![c], ROWS[r]!.expected[c], `row ${r + 1}, column ${ALL_COLUMNS[c]}`);
        }
      }
    } catch (error) {
      failed = true;
      throw error;
    }
  });

  it('reads a key range (lower exclusive, upper inclusive) with a limit', async () => {
    const numbers = (await source.listTables()).find((t) => t.name === 'numbers')!;
    const rows = await collect(
      source,
      numbers,
      ['k'],
      { key: ['k'], lower: ['100'], upper: ['200'] },
      { ...big, limit: 10 },
      warnings(),
    );
    assert.deepEqual(
      rows.map((r) => r[0]),
      ['101', '102', '103', '104', '105', '106', '107', '108', '109', '110'],
    );
    const upper = await collect(
      source,
      numbers,
      ['k'],
      { key: ['k'], lower: null, upper: ['3'] },
      big,
      warnings(),
    );
    assert.deepEqual(upper, [['1'], ['2'], ['3']]);
  });

  it('orders composite text keys in code point order and continues after a composite bound', async () => {
    const pairs = (await source.listTables()).find((t) => t.name === 'pairs')!;
    const rows = await collect(
      source,
      pairs,
      ['a', 'b'],
      { key: ['a', 'b'], lower: null, upper: null },
      big,
      warnings(),
    );
    const keys = rows.map((r) => `${r[0]}/${r[1]}`);
    const sorted = [...rows].sort((x, y) =>
      x[0]! < y[0]! ? -1 : x[0]! > y[0]! ? 1 : Number(x[1]) - Number(y[1]),
    );
    assert.deepEqual(
      keys,
      sorted.map((r) => `${r[0]}/${r[1]}`),
    );
    assert.equal(keys[0], 'AB/3'); // 'B' (66) sorts before 'a' (97)
    const next = await collect(
      source,
      pairs,
      ['a', 'b'],
      { key: ['a', 'b'], lower: ['AB', '3'], upper: null },
      { ...big, limit: 2 },
      warnings(),
    );
    assert.deepEqual(next, [
      ['AB', '9'],
      ['AB', '15'],
    ]);
  });

  it('ends batches at batchRows and at batchBytes', async () => {
    const numbers = (await source.listTables()).find((t) => t.name === 'numbers')!;
    const sizes: number[] = [];
    for await (const batch of source.read(
      numbers,
      ['k'],
      allK,
      { batchRows: 3000, batchBytes: 1 << 30 },
      warnings(),
    )) {
      sizes.push(batch.rows.length);
    }
    assert.deepEqual(sizes, [3000, 3000, 3000, 3000, 3000, 3000, 2000]);
    let count = 0;
    let batches = 0;
    for await (const batch of source.read(
      numbers,
      ['k', 'pad'],
      allK,
      { batchRows: 1e9, batchBytes: 10_000 },
      warnings(),
    )) {
      batches++;
      count += batch.rows.length;
      assert.ok(batch.bytes >= 10_000 || count === 20000);
      assert.ok(batch.rows.length <= 100);
    }
    assert.equal(count, 20000);
    assert.ok(batches >= 200);
  });

  it('keeps at most about one batch ahead of a slow consumer', async () => {
    await adminQuery(
      db.url,
      `CREATE TABLE "${SCHEMA}".wide AS SELECT g AS k, repeat(md5(g::text), 32) AS pad FROM generate_series(1, 100000) g`,
    );
    const wide = (await source.listTables()).find((t) => t.name === 'wide')!;
    const progress = async () =>
      (
        await adminQuery(
          db.url,
          `SELECT coalesce(sum(tuples_processed), 0)::int8 AS n FROM pg_stat_progress_copy WHERE command = 'COPY TO'`,
        )
      ).rows[0] as { n: string };
    let consumed = 0;
    let maxAhead = 0;
    for await (const batch of source.read(
      wide,
      ['k', 'pad'],
      { key: [], lower: null, upper: null },
      { batchRows: 500, batchBytes: 1 << 30 },
      warnings(),
    )) {
      consumed += batch.rows.length;
      if (consumed % 5000 === 0 && consumed <= 20000) {
        await sleep(100);
        const produced = Number((await progress()).n);
        maxAhead = Math.max(maxAhead, produced - consumed);
      }
    }
    assert.equal(consumed, 100000);
    // The kernel's loopback socket buffers hold a few MB (about 6 000 of these 1 KB rows); a reader
    // without backpressure would let the server run 80 000 rows ahead.
    assert.ok(maxAhead < 20000, `server produced ${maxAhead} rows ahead of the consumer`);
  });

  it('releases the session when the consumer stops early', async () => {
    const numbers = (await source.listTables()).find((t) => t.name === 'numbers')!;
    for await (const batch of source.read(
      numbers,
      ['k', 'pad'],
      allK,
      { batchRows: 10, batchBytes: 1 << 30 },
      warnings(),
    )) {
      assert.equal(batch.rows.length, 10);
      break;
    }
    const bounds = await source.integerKeyBounds('numbers', 'k');
    assert.deepEqual(bounds, { min: '1', max: '20000' });
    const rows = await collect(
      source,
      numbers,
      ['k'],
      { key: ['k'], lower: ['19998'], upper: null },
      big,
      warnings(),
    );
    assert.deepEqual(rows, [['19999'], ['20000']]);
  });

  it('stops when the signal aborts and the session stays usable', async () => {
    const numbers = (await source.listTables()).find((t) => t.name === 'numbers')!;
    const controller = new AbortController();
    let seen = 0;
    await assert.rejects(async () => {
      for await (const batch of source.read(
        numbers,
        ['k'],
        allK,
        { batchRows: 100, batchBytes: 1 << 30, signal: controller.signal },
        warnings(),
      )) {
        seen += batch.rows.length;
        if (seen >= 300) controller.abort(new Error('stop now'));
      }
    }, /stop now/);
    assert.equal(seen, 300);
    assert.deepEqual(await source.integerKeyBounds('numbers', 'k'), { min: '1', max: '20000' });
  });

  it('reports a table dropped during the run as FERRY_SOURCE_TABLE_DROPPED', async () => {
    const gone: TableSchema = { ...table, name: 'no such table' };
    await assert.rejects(
      () => collect(source, gone, ['id'], all, big, warnings()),
      (error) => isFerryError(error, 'FERRY_SOURCE_TABLE_DROPPED') && error.message.includes('no such table'),
    );
    const ranged = await collect(
      source,
      gone,
      ['id'],
      { key: ['id'], lower: ['1'], upper: ['2'] },
      big,
      warnings(),
    ).catch((e: unknown) => e);
    assert.ok(isFerryError(ranged, 'FERRY_SOURCE_TABLE_DROPPED'));
    assert.equal(
      (await collect(source, table, ['id'], { key: ['id'], lower: ['4'], upper: null }, big, warnings()))
        .length,
      1,
    );
  });
});
