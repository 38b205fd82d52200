import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checksumOf } from '../../../src/connectors/canonical.ts';
import { postgresConnector } from '../../../src/connectors/postgres/index.ts';
import { postgresTargetDialect as dialect } from '../../../src/connectors/postgres/dialect.ts';
import type {
  ColumnSchema,
  LogicalType,
  Row,
  RowBatch,
  SourceConnection,
  TableSchema,
  TargetColumnDef,
  TargetConnection,
  TargetTableDef,
} from '../../../src/connectors/types.ts';
import { isFerryError } from '../../../src/domain/errors.ts';
import { freshDatabase, skipUnless, type TestDatabase } from '../../support/servers.ts';
import { adminQuery, createAllTypes, schemaUrl } from './fixture.ts';

const TARGET = 'tenant "acme" 2';
const opts = { batchRows: 1000, batchBytes: 1 << 24 };
const warnings = () => ({ invalidUtf8: 0, zeroDates: 0 });

async function* batchesOf(...batches: Row[][]): AsyncGenerator<RowBatch> {
  for (const rows of batches) yield { rows, bytes: 0 };
}

async function readAll(
  conn: SourceConnection,
  table: TableSchema,
  columns: string[],
  key: string[],
): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const b of conn.read(table, columns, { key, lower: null, upper: null }, opts, warnings())) {
    rows.push(...b.rows);
  }
  return rows;
}

/** The TableSchema the engine hands a target's read(): target native types, source logical types. */
function asSchema(def: TargetTableDef): TableSchema {
  return {
    name: def.name,
    columns: def.columns.map((c) => ({
      name: c.name,
      nativeType: c.nativeType,
      type: c.type,
      nullable: c.nullable,
      default: null,
      autoIncrement: false,
      generated: null,
    })),
    primaryKey: def.primaryKey,
    uniqueConstraints: def.uniqueConstraints,
    indexes: def.indexes,
    foreignKeys: def.foreignKeys,
    estimatedRows: 0,
    estimatedBytes: 0,
  };
}

function planTable(source: TableSchema, sourceDialect: 'postgres' | 'mysql' | 'sqlite', name = source.name) {
  const columns: TargetColumnDef[] = source.columns.map((c) => {
    const m = dialect.mapColumn(c, sourceDialect);
    assert.ok(m.ok, `column ${c.name}: ${m.ok ? '' : m.reason}`);
    return m.column;
  });
  const def: TargetTableDef = {
    name,
    columns,
    primaryKey: source.primaryKey,
    uniqueConstraints: source.uniqueConstraints,
    indexes: source.indexes,
    foreignKeys: [],
  };
  return def;
}

function col(name: string, type: LogicalType, extra: Partial<ColumnSchema> = {}): ColumnSchema {
  return {
    name,
    nativeType: '?',
    type,
    nullable: true,
    default: null,
    autoIncrement: false,
    generated: null,
    ...extra,
  };
}

function tableOf(name: string, columns: ColumnSchema[], primaryKey: string[] | null = ['id']): TableSchema {
  return {
    name,
    columns,
    primaryKey,
    uniqueConstraints: [],
    indexes: [],
    foreignKeys: [],
    estimatedRows: 0,
    estimatedBytes: 0,
  };
}

describe('postgres write', { skip: await skipUnless('postgres') }, () => {
  let db: TestDatabase;
  let source: SourceConnection;
  let target: TargetConnection;

  before(async () => {
    db = await freshDatabase('postgres', 'pg_write');
    await createAllTypes(db.url);
    source = await postgresConnector.openSource(schemaUrl(db.url));
    target = await postgresConnector.openTarget(schemaUrl(db.url, TARGET));
  });

  after(async () => {
    await source?.close();
    await target?.close();
    await db?.drop();
  });

  it('creates the target schema and round-trips every PostgreSQL type (checksums equal)', async () => {
    const src = (await source.listTables()).find((t) => t.name === 'Every Type')!;
    const def = planTable(src, 'postgres');
    await target.execute(dialect.renderCreateTable(def));
    const copied = def.columns.filter((c) => c.generatedSql === null).map((c) => c.name);
    const rows = await readAll(source, src, copied, ['id']);
    const result = await target.write(def, copied, batchesOf(rows.slice(0, 2), [], rows.slice(2)));
    assert.equal(result.rowsWritten, 5);
    await target.execute(dialect.renderKeysAndIndexes(def));
    const back = asSchema(def);
    const every = def.columns.map((c) => c.name);
    assert.deepEqual(await readAll(target, back, copied, ['id']), rows);
    assert.deepEqual(await readAll(target, back, every, ['id']), await readAll(source, src, every, ['id']));
    const range = { key: ['id'], lower: null, upper: null };
    assert.deepEqual(await target.checksum(back, every, range), await source.checksum(src, every, range));
    const tables = await target.listTables();
    assert.deepEqual(
      tables.map((t) => t.name),
      ['Every Type'],
    );
    assert.equal(
      tables[0]!.columns.find((c) => c.name === 'gen')!.generated?.expression,
      '((i2)::integer * 2)',
    );
  });

  it('round-trips canonical cells of every logical type from other dialects', async () => {
    const columns = [
      col('id', { kind: 'integer', bits: 32, unsigned: false }, { nullable: false }),
      col('u8', { kind: 'integer', bits: 8, unsigned: true }),
      col('u16', { kind: 'integer', bits: 16, unsigned: true }),
      col('i24', { kind: 'integer', bits: 24, unsigned: false }),
      col('u32', { kind: 'integer', bits: 32, unsigned: true }),
      col('u64', { kind: 'integer', bits: 64, unsigned: true }),
      col('d', { kind: 'decimal', precision: 65, scale: 30 }),
      col('f32', { kind: 'float', bits: 32 }),
      col('f64', { kind: 'float', bits: 64 }),
      col('b', { kind: 'boolean' }),
      col('c', { kind: 'text', maxLength: 4, fixed: true }),
      col('v', { kind: 'text', maxLength: 10, fixed: false }),
      col('t', { kind: 'text', maxLength: null, fixed: false }),
      col('bin', { kind: 'binary', maxLength: 4, fixed: true }),
      col('dt', { kind: 'date' }),
      col('tm', { kind: 'time', fractionDigits: 6 }),
      col('ts', { kind: 'timestamp', fractionDigits: 3, withTimeZone: false }),
      col('tz', { kind: 'timestamp', fractionDigits: 0, withTimeZone: true }),
      col('y', { kind: 'year' }),
      col('e', { kind: 'enum', values: ['small', 'large'] }),
      col('s', { kind: 'set', values: ['a', 'b', 'c'] }),
      col('j', { kind: 'json', binary: true }),
      col('bits', { kind: 'bit', length: 3 }),
      col('uu', { kind: 'uuid' }),
    ];
    const def = planTable(tableOf('from mysql', columns), 'mysql');
    assert.equal(def.columns.find((c) => c.name === 'j')!.nativeType, 'json');
    const rows: Row[] = [
      [
        '1',
        '255',
        '65535',
        '-8388608',
        '4294967295',
        '18446744073709551615',
        '12345678901234567890123456789012345.123456789012345678901234567890',
        '3.4028235e+38',
        '0.30000000000000004',
        '1',
        'ab',
        'tab\there',
        '\\N back\\slash\r\n😀',
        Buffer.from([1, 2, 0, 0]),
        '2024-02-29',
        '23:59:59.999999',
        '2024-01-01 00:00:00.5',
        '2024-01-01 10:00:00Z',
        '2155',
        'large',
        'a,c',
        '{"k":  [1,2]}',
        '101',
        '123e4567-e89b-12d3-a456-426614174000',
      ],
      ['2', ...Array<null>(columns.length - 1).fill(null)],
      [
        '3',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0.000000000000000000000000000000',
        '-1e-45',
        '-0',
        '0',
        '',
        '',
        '',
        Buffer.alloc(0),
        '1000-01-01',
        '00:00:00',
        '1970-01-01 00:00:00',
        '1970-01-01 00:00:00Z',
        '1901',
        'small',
        '',
        '[]',
        '000',
        '00000000-0000-0000-0000-000000000000',
      ],
    ];
    await target.execute(dialect.renderCreateTable(def));
    const names = columns.map((c) => c.name);
    await target.write(def, names, batchesOf(rows));
    const back = await readAll(target, asSchema(def), names, ['id']);
    // '-0' is canonical float text, as PostgreSQL prints it.
    const expected = rows;
    assert.deepEqual(back, expected);
    assert.deepEqual(
      await target.checksum(asSchema(def), names, { key: ['id'], lower: null, upper: null }),
      checksumOf(expected),
    );
    await assert.rejects(
      () => target.write(def, ['id', 'e'], batchesOf([['9', 'medium']])),
      (e) => isFerryError(e, 'FERRY_VALUE_OUT_OF_RANGE'),
    );
  });

  it('commits nothing when a later batch fails, and names the table and column', async () => {
    const def = planTable(
      tableOf('Atomic', [
        col('id', { kind: 'integer', bits: 64, unsigned: false }, { nullable: false }),
        col('User Name', { kind: 'text', maxLength: 3, fixed: false }),
      ]),
      'sqlite',
    );
    await target.execute(dialect.renderCreateTable(def));
    const good = Array.from({ length: 5000 }, (_, i): Row => [String(i), 'abc']);
    await assert.rejects(
      () =>
        target.write(
          def,
          ['id', 'User Name'],
          batchesOf(
            good,
            good.map((r) => [`${r[0]}0000`, r[1]!]),
            [['99999999', 'abcd']],
          ),
        ),
      (e) =>
        isFerryError(e, 'FERRY_VALUE_OUT_OF_RANGE') &&
        e.details.table === 'Atomic' &&
        e.details.column === 'User Name' &&
        e.message.includes('"User Name"') &&
        e.message.includes('"Atomic"'),
    );
    assert.equal(
      (await adminQuery(db.url, `SELECT count(*)::int AS n FROM "${TARGET.replaceAll('"', '""')}"."Atomic"`))
        .rows[0].n,
      0,
    );
    // The session is usable afterwards and a good write commits.
    assert.equal((await target.write(def, ['id', 'User Name'], batchesOf(good))).rowsWritten, 5000);
  });

  it('rejects MySQL times outside a day and values too large with FERRY_VALUE_OUT_OF_RANGE', async () => {
    const def = planTable(
      tableOf('limits', [
        col('id', { kind: 'integer', bits: 16, unsigned: false }, { nullable: false }),
        col('t', { kind: 'time', fractionDigits: 0 }),
      ]),
      'mysql',
    );
    await target.execute(dialect.renderCreateTable(def));
    await assert.rejects(
      () => target.write(def, ['id', 't'], batchesOf([['1', '-838:59:59']])),
      (e) => isFerryError(e, 'FERRY_VALUE_OUT_OF_RANGE') && e.details.column === 't',
    );
    await assert.rejects(
      () => target.write(def, ['id', 't'], batchesOf([['40000', '10:00:00']])),
      (e) => isFerryError(e, 'FERRY_VALUE_OUT_OF_RANGE') && e.details.column === 'id',
    );
    await assert.rejects(
      () => target.write(def, ['id', 't'], batchesOf([[null, '10:00:00']])),
      (e) => isFerryError(e, 'FERRY_VALUE_OUT_OF_RANGE') && e.details.column === 'id',
    );
  });

  it('passes an error of the source through and rolls back', async () => {
    const def = planTable(
      tableOf('src err', [col('id', { kind: 'integer', bits: 32, unsigned: false })]),
      'sqlite',
    );
    await target.execute(dialect.renderCreateTable(def));
    async function* failing(): AsyncGenerator<RowBatch> {
      yield { rows: [['1']], bytes: 1 };
      throw new Error('source went away');
    }
    await assert.rejects(() => target.write(def, ['id'], failing()), /source went away/);
    assert.deepEqual(await readAll(target, asSchema(def), ['id'], ['id']), []);
    const controller = new AbortController();
    controller.abort(new Error('cancelled by user'));
    await assert.rejects(
      () => target.write(def, ['id'], batchesOf([['1']]), controller.signal),
      /cancelled by user/,
    );
  });

  it('deletes a key range with the same predicate as read', async () => {
    const def = planTable(
      tableOf(
        'ranges',
        [
          col('a', { kind: 'text', maxLength: 10, fixed: false }, { nullable: false }),
          col('b', { kind: 'integer', bits: 32, unsigned: false }, { nullable: false }),
        ],
        ['a', 'b'],
      ),
      'mysql',
    );
    await target.execute(dialect.renderCreateTable(def));
    const rows: Row[] = [];
    for (const a of ['B', 'a', 'b']) for (let b = 1; b <= 3; b++) rows.push([a, String(b)]);
    await target.write(def, ['a', 'b'], batchesOf(rows));
    const deleted = await target.deleteRange(def, { key: ['a', 'b'], lower: ['B', '2'], upper: ['a', '2'] });
    assert.equal(deleted, 3);
    assert.deepEqual(await readAll(target, asSchema(def), ['a', 'b'], ['a', 'b']), [
      ['B', '1'],
      ['B', '2'],
      ['a', '3'],
      ['b', '1'],
      ['b', '2'],
      ['b', '3'],
    ]);
    assert.equal(await target.deleteRange(def, { key: [], lower: null, upper: null }), 6);
  });

  it('writes and reads back a 64 MB binary value', async () => {
    const def = planTable(
      tableOf('blob', [
        col('id', { kind: 'integer', bits: 32, unsigned: false }, { nullable: false }),
        col('data', { kind: 'binary', maxLength: null, fixed: false }),
      ]),
      'sqlite',
    );
    await target.execute(dialect.renderCreateTable(def));
    const blob = Buffer.alloc(64 * 1024 * 1024);
    for (let i = 0; i < blob.length; i += 4096) blob[i] = i % 251;
    await target.write(def, ['id', 'data'], batchesOf([['1', blob]]));
    const back = await readAll(target, asSchema(def), ['id', 'data'], ['id']);
    assert.equal(back.length, 1);
    assert.ok(Buffer.isBuffer(back[0]![1]) && blob.equals(back[0]![1]));
    const range = { key: ['id'], lower: null, upper: null };
    assert.deepEqual(await target.checksum(asSchema(def), ['id', 'data'], range), checksumOf([['1', blob]]));
  });

  it('recreates keys, indexes and foreign keys and moves identities past the copied values', async () => {
    const parent = tableOf('parent', [
      col('id', { kind: 'integer', bits: 64, unsigned: false }, { nullable: false, autoIncrement: true }),
      col('code', { kind: 'text', maxLength: 10, fixed: false }),
    ]);
    parent.uniqueConstraints = [{ name: 'uq_code', columns: ['code'], unique: true }];
    parent.indexes = [{ name: 'idx_code', columns: ['code', 'id'], unique: false }];
    const child = tableOf('child', [
      col('id', { kind: 'integer', bits: 32, unsigned: false }, { nullable: false }),
      col('parent_id', { kind: 'integer', bits: 64, unsigned: false }),
    ]);
    child.indexes = [{ name: 'idx_code', columns: ['parent_id'], unique: false }];
    const p = planTable(parent, 'mysql');
    const c = planTable(child, 'mysql');
    c.foreignKeys = [
      {
        name: 'fk_parent',
        columns: ['parent_id'],
        referencedTable: 'parent',
        referencedColumns: ['id'],
        onDelete: 'CASCADE',
        onUpdate: 'NO ACTION',
      },
    ];
    await target.execute([...dialect.renderCreateTable(p), ...dialect.renderCreateTable(c)]);
    await target.write(
      p,
      ['id', 'code'],
      batchesOf([
        ['41', 'x'],
        ['42', 'y'],
      ]),
    );
    await target.write(c, ['id', 'parent_id'], batchesOf([['1', '42']]));
    await target.execute([...dialect.renderKeysAndIndexes(p), ...dialect.renderKeysAndIndexes(c)]);
    await target.execute(dialect.renderForeignKeys(c));
    const q = `"${TARGET.replaceAll('"', '""')}"`;
    const inserted = await adminQuery(
      db.url,
      `INSERT INTO ${q}.parent (code) VALUES ('z') RETURNING id::text`,
    );
    assert.equal(inserted.rows[0].id, '43');
    const listed = (await target.listTables()).find((t) => t.name === 'parent')!;
    assert.deepEqual(listed.primaryKey, ['id']);
    assert.equal(listed.columns[0]!.autoIncrement, true);
    assert.deepEqual(listed.uniqueConstraints, [{ name: 'parent_uq_code', columns: ['code'], unique: true }]);
    assert.deepEqual(listed.indexes, [{ name: 'parent_idx_code', columns: ['code', 'id'], unique: false }]);
    const childListed = (await target.listTables()).find((t) => t.name === 'child')!;
    assert.equal(childListed.foreignKeys[0]!.onDelete, 'CASCADE');
    await target.dropTables(['parent', 'child', 'never existed']);
    assert.equal(
      (await target.listTables()).some((t) => t.name === 'parent' || t.name === 'child'),
      false,
    );
  });

  it('writes mixed rows fast (prints rows/s)', async () => {
    const n = Number(process.env.FERRY_PG_BENCH_ROWS ?? 100_000);
    const def = planTable(
      tableOf('bench', [
        col('id', { kind: 'integer', bits: 64, unsigned: false }, { nullable: false }),
        col('n', { kind: 'integer', bits: 32, unsigned: false }),
        col('name', { kind: 'text', maxLength: 100, fixed: false }),
        col('body', { kind: 'text', maxLength: null, fixed: false }),
        col('amount', { kind: 'decimal', precision: 18, scale: 4 }),
        col('at', { kind: 'timestamp', fractionDigits: 6, withTimeZone: false }),
        col('note', { kind: 'text', maxLength: 50, fixed: false }),
      ]),
      'mysql',
    );
    await target.execute(dialect.renderCreateTable(def));
    await adminQuery(db.url, `ALTER TABLE "${TARGET.replaceAll('"', '""')}".bench SET UNLOGGED`);
    const body = 'lorem ipsum dolor sit amet '.repeat(38).slice(0, 1024);
    async function* generate(): AsyncGenerator<RowBatch> {
      for (let start = 0; start < n; start += 5000) {
        const rows: Row[] = [];
        for (let i = start; i < Math.min(n, start + 5000); i++) {
          rows.push([
            String(i),
            String(i * 7),
            `customer ${i}`,
            body,
            `${i}.${String(i % 10000).padStart(4, '0')}`,
            '2024-01-01 12:34:56.123456',
            i % 3 === 0 ? null : 'tab\there',
          ]);
        }
        yield { rows, bytes: rows.length * 1100 };
      }
    }
    const started = performance.now();
    const result = await target.write(
      def,
      def.columns.map((c) => c.name),
      generate(),
    );
    const seconds = (performance.now() - started) / 1000;
    assert.equal(result.rowsWritten, n);
    console.log(`postgres write: ${n} rows in ${seconds.toFixed(2)} s = ${Math.round(n / seconds)} rows/s`);
  });
});
