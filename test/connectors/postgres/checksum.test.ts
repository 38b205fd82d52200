import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checksumOf } from '../../../src/connectors/canonical.ts';
import { copyCanonicalSql } from '../../../src/connectors/postgres/canonical-cells.ts';
import { postgresConnector } from '../../../src/connectors/postgres/index.ts';
import type { KeyRange, Row, SourceConnection, TableSchema } from '../../../src/connectors/types.ts';
import { freshDatabase, skipUnless, type TestDatabase } from '../../support/servers.ts';
import { ALL_COLUMNS, createAllTypes, schemaUrl } from './fixture.ts';

const opts = { batchRows: 1000, batchBytes: 1 << 24 };

async function jsChecksum(source: SourceConnection, table: TableSchema, columns: string[], range: KeyRange) {
  const rows: Row[] = [];
  for await (const b of source.read(table, columns, range, opts, { invalidUtf8: 0, zeroDates: 0 }))
    rows.push(...b.rows);
  return checksumOf(rows);
}

describe('postgres checksum', { skip: await skipUnless('postgres') }, () => {
  let db: TestDatabase;
  let source: SourceConnection;
  let table: TableSchema;

  before(async () => {
    db = await freshDatabase('postgres', 'pg_checksum');
    await createAllTypes(db.url);
    source = await postgresConnector.openSource(schemaUrl(db.url));
    table = (await source.listTables()).find((t) => t.name === 'Every Type')!;
  });

  after(async () => {
    await source?.close();
    await db?.drop();
  });

  const all: KeyRange = { key: ['id'], lower: null, upper: null };

  it('computes every column in SQL from PostgreSQL 12 on, all but floats before', () => {
    assert.deepEqual(
      table.columns.filter((c) => copyCanonicalSql(c) === null).map((c) => c.name),
      [],
    );
    const before12 = table.columns.filter((c) => copyCanonicalSql(c, 110000) === null);
    assert.deepEqual(
      before12.map((c) => c.name),
      ['f4', 'f8'],
    );
  });

  it('equals the JavaScript checksum of read() for every type, column by column', async () => {
    for (const column of ALL_COLUMNS) {
      const sql = await source.checksum(table, ['id', column], all);
      const js = await jsChecksum(source, table, ['id', column], all);
      assert.deepEqual(sql, js, `column ${column}`);
      assert.equal(sql.rows, 5);
    }
  });

  it('equals the JavaScript checksum over all columns and over ranges', async () => {
    const noFloats = ALL_COLUMNS.filter((c) => c !== 'f4' && c !== 'f8');
    for (const range of [
      all,
      { key: ['id'], lower: ['1'], upper: ['4'] },
      { key: ['id'], lower: null, upper: ['2'] },
      { key: [], lower: null, upper: null },
    ]) {
      assert.deepEqual(
        await source.checksum(table, noFloats, range),
        await jsChecksum(source, table, noFloats, range),
      );
      assert.deepEqual(
        await source.checksum(table, ALL_COLUMNS, range),
        await jsChecksum(source, table, ALL_COLUMNS, range),
      );
    }
  });

  it('gives 0 rows and sum 0 for an empty range', async () => {
    assert.deepEqual(await source.checksum(table, ['id', 't'], { key: ['id'], lower: ['5'], upper: null }), {
      rows: 0,
      sum: '0',
    });
  });
});
