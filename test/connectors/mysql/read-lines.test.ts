import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Connection } from 'mysql2/promise';
import { serialiseRow } from '../../../src/connectors/canonical.ts';
import { planLineSelect } from '../../../src/connectors/mysql/read-lines.ts';
import type {
  KeyRange,
  LineBatch,
  LogicalType,
  ReadOptions,
  ReadWarnings,
  SourceConnection,
} from '../../../src/connectors/types.ts';
import { freshDatabase, skipUnless } from '../../support/servers.ts';
import type { TestDatabase } from '../../support/servers.ts';
import {
  ALL_TYPES_COLUMNS,
  ALL_TYPES_DDL,
  ALL_TYPES_INSERT,
  adminSession,
  collect,
  openSource,
  tableNamed,
} from './fixture.ts';

const noWarnings = (): ReadWarnings => ({ invalidUtf8: 0, zeroDates: 0 });
const whole: KeyRange = { key: ['id'], lower: null, upper: null };
const big: ReadOptions = { batchRows: 1000, batchBytes: 1 << 30 };

async function linesOf(
  batches: AsyncIterable<LineBatch>,
): Promise<{ lines: string[]; batches: LineBatch[] }> {
  const all: LineBatch[] = [];
  const lines: string[] = [];
  for await (const batch of batches) {
    all.push(batch);
    let start = 0;
    assert.equal(batch.ends.length, batch.rows);
    for (const end of batch.ends) {
      assert.equal(batch.text[end - 1], 0x0a, 'each line ends in a newline');
      lines.push(batch.text.subarray(start, end - 1).toString('utf8'));
      start = end;
    }
    assert.equal(start, batch.text.length);
  }
  return { lines, batches: all };
}

describe(
  'MySQL source: readLines (the database writes canonical lines)',
  { skip: await skipUnless('mysql') },
  () => {
    let db: TestDatabase;
    let admin: Connection;
    let source: SourceConnection;

    before(async () => {
      db = await freshDatabase('mysql', 'mysql_read_lines');
      admin = await adminSession(db.url);
      await admin.query(ALL_TYPES_DDL);
      await admin.query(ALL_TYPES_INSERT);
      await admin.query(`
      CREATE TABLE seq (id int PRIMARY KEY, payload varchar(300) NOT NULL, note text);
      INSERT INTO seq SELECT seq, REPEAT('x', 200), IF(seq % 3 = 0, NULL, CONCAT('line\\n', seq)) FROM seq_1_to_5000;
      CREATE TABLE \`Odd Names\` (\`order\` int PRIMARY KEY, \`User Name\` varchar(20), zd decimal(8,2) zerofill, r float, v varbinary(8000));
      INSERT INTO \`Odd Names\` VALUES (1, 'a\\tb', 12.5, 1.5e-7, REPEAT(0x5c, 5000)), (2, NULL, NULL, NULL, NULL), (3, '', 0, 16777216, '');
      CREATE TABLE replaced (id int PRIMARY KEY, t varchar(20), lt longtext);
      INSERT INTO replaced VALUES (1, 'ok', 'ok'), (2, CONCAT('a', _utf8mb4 0xEFBFBD, 'b'), CONCAT(_utf8mb4 0xEFBFBD, 'x'));
      SET SESSION sql_mode = '';
      CREATE TABLE zero_dates (id int PRIMARY KEY, d date, dt datetime(3), ts timestamp NULL DEFAULT NULL);
      INSERT INTO zero_dates VALUES (1, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00'),
        (2, '2024-00-10', '2024-05-00 10:00:00.500', NULL), (3, '0000-01-01', '2024-05-01 10:00:00.500', '2001-02-03 04:05:06');
    `);
      source = await openSource(db.url);
    });

    after(async () => {
      await source?.close();
      await admin?.end();
      await db?.drop();
    });

    const cases: { table: string; columns?: string[]; range?: KeyRange; options?: ReadOptions }[] = [
      { table: 'all_types', columns: ALL_TYPES_COLUMNS },
      { table: 'seq' },
      { table: 'seq', range: { key: ['id'], lower: ['100'], upper: ['250'] } },
      { table: 'seq', range: { key: ['id'], lower: ['4990'], upper: null }, options: { ...big, limit: 5 } },
      { table: 'Odd Names', range: { key: ['order'], lower: null, upper: null } },
      { table: 'replaced' },
      { table: 'zero_dates' },
    ];
    for (const c of cases) {
      it(`gives byte for byte the serialisation of read(), with its warnings: ${c.table} ${JSON.stringify(c.range ?? '')}${c.options?.limit ?? ''}`, async () => {
        const table = await tableNamed(source, c.table);
        const columns = c.columns ?? table.columns.map((col) => col.name);
        const range = c.range ?? whole;
        const cellWarnings = noWarnings();
        const rows = await collect(source.read(table, columns, range, c.options ?? big, cellWarnings));
        const lineWarnings = noWarnings();
        const { lines } = await linesOf(
          source.readLines!(table, columns, range, c.options ?? big, lineWarnings),
        );
        assert.deepEqual(lines, rows.map(serialiseRow));
        assert.deepEqual(lineWarnings, cellWarnings);
      });
    }

    it('counts zero dates and U+FFFD exactly as read() does', async () => {
      const warnings = noWarnings();
      await linesOf(
        source.readLines!(
          await tableNamed(source, 'zero_dates'),
          ['id', 'd', 'dt', 'ts'],
          whole,
          big,
          warnings,
        ),
      );
      assert.equal(warnings.zeroDates, 5);
      const replaced = noWarnings();
      await linesOf(
        source.readLines!(await tableNamed(source, 'replaced'), ['id', 't', 'lt'], whole, big, replaced),
      );
      assert.equal(replaced.invalidUtf8, 2);
    });

    it('ends batches at batchRows rows or batchBytes bytes', async () => {
      const table = await tableNamed(source, 'seq');
      const range = { key: ['id'], lower: null, upper: ['1000'] };
      const { batches } = await linesOf(
        source.readLines!(table, ['id'], range, { batchRows: 300, batchBytes: 1 << 30 }, noWarnings()),
      );
      assert.deepEqual(
        batches.map((b) => b.rows),
        [300, 300, 300, 100],
      );
      const bySize = await linesOf(
        source.readLines!(table, ['payload'], range, { batchRows: 10_000, batchBytes: 2000 }, noWarnings()),
      );
      assert.equal(bySize.batches[0]!.rows, 10);
    });

    it('leaves the session usable when the consumer stops early', async () => {
      const table = await tableNamed(source, 'seq');
      for await (const batch of source.readLines!(
        table,
        ['id', 'payload'],
        whole,
        { batchRows: 100, batchBytes: 1 << 30 },
        noWarnings(),
      )) {
        assert.equal(batch.rows, 100);
        break;
      }
      const rows = await collect(
        source.read(table, ['id'], { key: ['id'], lower: null, upper: ['3'] }, big, noWarnings()),
      );
      assert.deepEqual(rows, [['1'], ['2'], ['3']]);
    });
  },
);

describe('planLineSelect', () => {
  it('lets the server serialise runs of short columns and keeps floats, zerofill decimals and long values apart', async () => {
    const col = (name: string, type: LogicalType, nativeType = 'x') => ({
      name,
      nativeType,
      type,
      nullable: true,
      default: null,
      autoIncrement: false,
      generated: null,
    });
    const plan = planLineSelect([
      col('id', { kind: 'integer', bits: 32, unsigned: false }),
      col('name', { kind: 'text', maxLength: 100, fixed: false }),
      col('score', { kind: 'float', bits: 64 }),
      col('body', { kind: 'text', maxLength: null, fixed: false }),
      col('at', { kind: 'timestamp', fractionDigits: 3, withTimeZone: false }),
    ]);
    assert.equal(plan.fields.length, 5); // id+name, score, body, at, zero-date count
    assert.ok(plan.fields[0]!.startsWith('CONCAT('));
    assert.equal(plan.zeroDates, true);
    assert.deepEqual(plan.text, [false, true, false, true, false]);
  });
});
