import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Connection } from 'mysql2/promise';
import { checksumOf } from '../../../src/connectors/canonical.ts';
import { parseConnectionUrl } from '../../../src/connectors/connection-url.ts';
import { openSession } from '../../../src/connectors/mysql/connection.ts';
import { canonicalSql } from '../../../src/connectors/mysql/canonical-sql.ts';
import { checksumInSql } from '../../../src/connectors/mysql/checksum.ts';
import type { KeyRange, ReadWarnings, SourceConnection } from '../../../src/connectors/types.ts';
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
const options = { batchRows: 1000, batchBytes: 1 << 30 };
const whole: KeyRange = { key: ['id'], lower: null, upper: null };

describe('MySQL source: checksum', { skip: await skipUnless('mysql') }, () => {
  let db: TestDatabase;
  let admin: Connection;
  let source: SourceConnection;
  let failed = false;

  before(async () => {
    db = await freshDatabase('mysql', 'mysql_checksum');
    admin = await adminSession(db.url);
    await admin.query(ALL_TYPES_DDL);
    await admin.query(ALL_TYPES_INSERT);
    await admin.query(`
      INSERT INTO all_types (id, vc, t, lt, c, bl, js, en, st)
        SELECT seq + 10, CONCAT('row\\t', seq, '\\\\'), REPEAT('ü😀', seq % 50), IF(seq % 3 = 0, NULL, ''),
               CHAR(seq % 90 + 32), UNHEX(HEX(seq)), CONCAT('[', seq, ']'), 'x y', 'g,b'
          FROM seq_1_to_500;
      SET SESSION sql_mode = '';
      CREATE TABLE zero_dates (id int PRIMARY KEY, d date, dt datetime(3), ts timestamp NULL DEFAULT NULL);
      INSERT INTO zero_dates VALUES (1, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00'),
        (2, '2024-00-10', '2024-05-00 10:00:00.500', NULL), (3, '0000-01-01', '2024-05-01 10:00:00.500', '2001-02-03 04:05:06');
      CREATE TABLE \`weird \`\`name\`\`\` (\`Order\` int PRIMARY KEY, \`User Name\` varchar(20));
      INSERT INTO \`weird \`\`name\`\`\` VALUES (1, 'a'), (2, NULL);
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

  const sqlColumns = ALL_TYPES_COLUMNS.filter((c) => c !== 'f' && c !== 'db');

  run('produces every non-float column in SQL', async () => {
    const table = await tableNamed(source, 'all_types');
    for (const name of sqlColumns) {
      const column = table.columns.find((c) => c.name === name)!;
      assert.notEqual(canonicalSql(column), null, name);
    }
    for (const name of ['f', 'db'])
      assert.equal(canonicalSql(table.columns.find((c) => c.name === name)!), null);
  });

  run('SQL checksum equals the checksum of the rows read, over every type', async () => {
    const table = await tableNamed(source, 'all_types');
    // First against the hand-written expectation, so both sides cannot be wrong together.
    const fixture = await source.checksum(table, sqlColumns, { key: ['id'], lower: null, upper: ['4'] });
    const picked = ALL_TYPES_EXPECTED.map((row) => sqlColumns.map((c) => row[ALL_TYPES_COLUMNS.indexOf(c)]!));
    assert.deepEqual(fixture, checksumOf(picked));
    // …and it really is the SQL path, not the streaming fallback.
    const columns = sqlColumns.map((n) => table.columns.find((c) => c.name === n)!);
    const session = await openSession(parseConnectionUrl(db.url));
    try {
      const inSql = await checksumInSql(
        session,
        table,
        columns,
        columns.map((c) => canonicalSql(c)!),
        whole,
      );
      const all = await collect(source.read(table, sqlColumns, whole, options, noWarnings()));
      assert.deepEqual(inSql, checksumOf(all));
    } finally {
      await session.close();
    }
    for (const range of [whole, { key: ['id'], lower: ['3'], upper: ['200'] }]) {
      const rows = await collect(source.read(table, sqlColumns, range, options, noWarnings()));
      assert.deepEqual(await source.checksum(table, sqlColumns, range), checksumOf(rows));
    }
    // Column by column, so a mismatch names the column.
    for (const name of sqlColumns) {
      const rows = await collect(source.read(table, ['id', name], whole, options, noWarnings()));
      assert.deepEqual(await source.checksum(table, ['id', name], whole), checksumOf(rows), name);
    }
  });

  run('falls back to streaming for floats and still matches', async () => {
    const table = await tableNamed(source, 'all_types');
    const rows = await collect(source.read(table, ALL_TYPES_COLUMNS, whole, options, noWarnings()));
    assert.deepEqual(await source.checksum(table, ALL_TYPES_COLUMNS, whole), checksumOf(rows));
  });

  run('zero dates hash as NULL on both sides', async () => {
    const table = await tableNamed(source, 'zero_dates');
    const columns = ['id', 'd', 'dt', 'ts'];
    const rows = await collect(source.read(table, columns, whole, options, noWarnings()));
    assert.deepEqual(await source.checksum(table, columns, whole), checksumOf(rows));
  });

  run('quotes awkward names and gives 0 for an empty range', async () => {
    const table = await tableNamed(source, 'weird `name`');
    const columns = ['Order', 'User Name'];
    const range = { key: ['Order'], lower: null, upper: null };
    const rows = await collect(source.read(table, columns, range, options, noWarnings()));
    assert.deepEqual(rows, [
      ['1', 'a'],
      ['2', null],
    ]);
    assert.deepEqual(await source.checksum(table, columns, range), checksumOf(rows));
    assert.deepEqual(await source.checksum(table, columns, { key: ['Order'], lower: ['5'], upper: null }), {
      rows: 0,
      sum: '0',
    });
  });
});
