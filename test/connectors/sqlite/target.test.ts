import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checksumOf, float32Text } from '../../../src/connectors/canonical.ts';
import { parseConnectionUrl } from '../../../src/connectors/connection-url.ts';
import { sqliteConnector, sqliteTargetDialect } from '../../../src/connectors/sqlite/index.ts';
import type {
  ColumnSchema,
  KeyRange,
  LogicalType,
  Row,
  RowBatch,
  TableSchema,
  TargetConnection,
  TargetTableDef,
} from '../../../src/connectors/types.ts';
import { isFerryError } from '../../../src/domain/errors.ts';
import { tempDir } from '../../support/servers.ts';

const dir = tempDir('sqlite-target');
const whole: KeyRange = { key: [], lower: null, upper: null };
const big = { batchRows: 10_000, batchBytes: 256 * 1024 * 1024 };

/** Every logical type with edge values, as a PostgreSQL/MySQL source would hand them over. */
const typed: [string, LogicalType, Row[number][]][] = [
  ['i64', { kind: 'integer', bits: 64, unsigned: false }, ['9223372036854775807', '-9223372036854775808']],
  ['u64', { kind: 'integer', bits: 64, unsigned: true }, ['18446744073709551615', '0']],
  ['u32', { kind: 'integer', bits: 32, unsigned: true }, ['4294967295', '0']],
  ['i8', { kind: 'integer', bits: 8, unsigned: false }, ['-128', '127']],
  [
    'dec',
    { kind: 'decimal', precision: 65, scale: 30 },
    [
      '12345678901234567890123456789012345.123456789012345678901234567890',
      '-0.000000000000000000000000000001',
    ],
  ],
  ['money', { kind: 'decimal', precision: 10, scale: 2 }, ['12.30', '-0.01']],
  ['f64', { kind: 'float', bits: 64 }, ['0.1', '1.7976931348623157e+308']],
  ['f64b', { kind: 'float', bits: 64 }, ['5e-324', 'NaN']],
  ['f64c', { kind: 'float', bits: 64 }, ['Infinity', '-Infinity']],
  ['f32', { kind: 'float', bits: 32 }, [float32Text(3.4028234663852886e38), float32Text(0.1)]],
  ['flag', { kind: 'boolean' }, ['1', '0']],
  ['txt', { kind: 'text', maxLength: null, fixed: false }, ['tab\there back\\slash new\nline', '']],
  ['emoji', { kind: 'text', maxLength: 20, fixed: false }, ['😀 4-byte', "it's"]],
  ['fixed', { kind: 'text', maxLength: 3, fixed: true }, ['abc', '123']],
  [
    'bin',
    { kind: 'binary', maxLength: null, fixed: false },
    [Buffer.from([0, 1, 254, 255]), Buffer.alloc(0)],
  ],
  ['day', { kind: 'date' }, ['2024-02-29', '0001-01-01']],
  ['tod', { kind: 'time', fractionDigits: 6 }, ['23:59:59.123456', '-838:59:59']],
  [
    'ts',
    { kind: 'timestamp', fractionDigits: 6, withTimeZone: false },
    ['2024-01-02 03:04:05.5', '1970-01-01 00:00:00'],
  ],
  [
    'tstz',
    { kind: 'timestamp', fractionDigits: 6, withTimeZone: true },
    ['2024-01-02 03:04:05.123Z', '2024-01-02 03:04:05Z'],
  ],
  ['yr', { kind: 'year' }, ['2024', '1901']],
  ['en', { kind: 'enum', values: ['a', 'b'] }, ['a', 'b']],
  ['st', { kind: 'set', values: ['a', 'b'] }, ['a,b', '']],
  ['js', { kind: 'json', binary: false }, ['{"a": 1.50}', '123']],
  ['bits', { kind: 'bit', length: 4 }, ['0101', '1111']],
  ['id', { kind: 'uuid' }, ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '00000000-0000-0000-0000-000000000000']],
  ['iv', { kind: 'interval' }, ['1 day 02:00:00', '-00:00:01']],
];

function sourceColumn(name: string, type: LogicalType, nullable = true): ColumnSchema {
  return { name, nativeType: 'x', type, nullable, default: null, autoIncrement: false, generated: null };
}

function plan(
  name: string,
  columns: ColumnSchema[],
  primaryKey: string[] | null,
): { def: TargetTableDef; schema: TableSchema } {
  const defs = columns.map((c) => {
    const m = sqliteTargetDialect.mapColumn(c, 'postgres');
    assert.ok(m.ok, c.name);
    return m.column;
  });
  const def: TargetTableDef = {
    name,
    columns: defs,
    primaryKey,
    uniqueConstraints: [],
    indexes: [],
    foreignKeys: [],
  };
  const schema: TableSchema = {
    name,
    columns: defs.map((d) => ({
      name: d.name,
      nativeType: d.nativeType,
      type: d.type,
      nullable: d.nullable,
      default: null,
      autoIncrement: false,
      generated: null,
    })),
    primaryKey,
    uniqueConstraints: [],
    indexes: [],
    foreignKeys: [],
    estimatedRows: 0,
    estimatedBytes: 0,
  };
  return { def, schema };
}

async function* batchesOf(rows: Row[], size = 1000): AsyncGenerator<RowBatch> {
  for (let i = 0; i < rows.length; i += size) yield { rows: rows.slice(i, i + size), bytes: 0 };
}

async function readAll(conn: TargetConnection, table: TableSchema, range: KeyRange = whole): Promise<Row[]> {
  const rows: Row[] = [];
  const w = { invalidUtf8: 0, zeroDates: 0 };
  for await (const b of conn.read(
    table,
    table.columns.map((c) => c.name),
    range,
    big,
    w,
  ))
    rows.push(...b.rows);
  return rows;
}

describe('sqlite target', () => {
  let conn: TargetConnection;

  before(async () => {
    conn = await sqliteConnector.openTarget(parseConnectionUrl(`sqlite:${join(dir.path, 'tenant.db')}`));
  });

  after(async () => {
    await conn?.close();
    dir.remove();
  });

  it('round-trips canonical cells of every logical type, NULL included, with equal checksums', async () => {
    const key = sourceColumn('k', { kind: 'integer', bits: 64, unsigned: false }, false);
    const { def, schema } = plan('All Types', [key, ...typed.map(([n, t]) => sourceColumn(n, t))], ['k']);
    await conn.execute([
      ...sqliteTargetDialect.renderCreateTable(def),
      ...sqliteTargetDialect.renderKeysAndIndexes(def),
    ]);
    const rows: Row[] = [
      ['1', ...typed.map(([, , v]) => v[0] ?? null)],
      ['2', ...typed.map(([, , v]) => v[1] ?? null)],
      ['3', ...typed.map(() => null)],
    ];
    const columns = schema.columns.map((c) => c.name);
    const result = await conn.write(def, columns, batchesOf(rows, 2));
    assert.equal(result.rowsWritten, 3);
    const back = await readAll(conn, schema, { key: ['k'], lower: null, upper: null });
    for (let r = 0; r < rows.length; r++) {
      columns.forEach((c, i) => assert.deepEqual(back[r]![i], rows[r]![i], `row ${r + 1} column ${c}`));
    }
    assert.deepEqual(await conn.checksum(schema, columns, whole), checksumOf(rows));
    assert.equal(conn.maxConcurrentWriters, 1);
  });

  it('enforces the primary key with a unique index after the load', async () => {
    const { def } = plan(
      'keyed',
      [sourceColumn('k', { kind: 'integer', bits: 32, unsigned: false }, false)],
      ['k'],
    );
    await conn.execute([
      ...sqliteTargetDialect.renderCreateTable(def),
      ...sqliteTargetDialect.renderKeysAndIndexes(def),
    ]);
    await conn.write(def, ['k'], batchesOf([['1']]));
    await assert.rejects(
      conn.write(def, ['k'], batchesOf([['1']])),
      (e) => isFerryError(e, 'FERRY_TARGET_ERROR') && /UNIQUE/.test(e.message),
    );
  });

  it('commits nothing of a write() whose later batch fails', async () => {
    const { def, schema } = plan(
      'atomic',
      [sourceColumn('k', { kind: 'integer', bits: 64, unsigned: false }, false)],
      ['k'],
    );
    await conn.execute(sqliteTargetDialect.renderCreateTable(def));
    async function* failing(): AsyncGenerator<RowBatch> {
      yield { rows: [['1'], ['2']], bytes: 2 };
      throw new Error('source went away');
    }
    await assert.rejects(conn.write(def, ['k'], failing()), /source went away/);
    await assert.rejects(
      conn.write(def, ['k'], batchesOf([['3'], [null]], 1)),
      (e) => isFerryError(e, 'FERRY_TARGET_ERROR') && /NOT NULL/.test(e.message),
    );
    assert.deepEqual(await readAll(conn, schema), []);
  });

  it('deletes a key range, ordering unsigned 64-bit keys stored as TEXT numerically', async () => {
    const { def, schema } = plan(
      'u64 keys',
      [sourceColumn('k', { kind: 'integer', bits: 64, unsigned: true }, false)],
      ['k'],
    );
    await conn.execute(sqliteTargetDialect.renderCreateTable(def));
    const keys = ['9', '10', '99', '100', '9223372036854775808', '18446744073709551615'];
    await conn.write(def, ['k'], batchesOf(keys.map((k) => [k])));
    const range: KeyRange = { key: ['k'], lower: ['9'], upper: ['9223372036854775808'] };
    assert.deepEqual(
      (await readAll(conn, schema, range)).map((r) => r[0]),
      ['10', '99', '100', '9223372036854775808'],
    );
    assert.deepEqual(await conn.integerKeyBounds('u64 keys', 'k'), { min: '9', max: '18446744073709551615' });
    assert.equal(await conn.deleteRange(def, range), 4);
    assert.deepEqual(
      (await readAll(conn, schema, { key: ['k'], lower: null, upper: null })).map((r) => r[0]),
      ['9', '18446744073709551615'],
    );
    assert.equal(await conn.deleteRange(def, whole), 2);
  });

  it('writes and reads back a 64 MB binary value', async () => {
    const { def, schema } = plan(
      'blobs',
      [sourceColumn('b', { kind: 'binary', maxLength: null, fixed: false })],
      null,
    );
    await conn.execute(sqliteTargetDialect.renderCreateTable(def));
    const value = Buffer.alloc(64 * 1024 * 1024);
    for (let i = 0; i < value.length; i += 4096) value[i] = i % 251;
    await conn.write(def, ['b'], batchesOf([[value]]));
    const [row] = await readAll(conn, schema);
    assert.ok(Buffer.isBuffer(row![0]) && row![0].equals(value));
    await conn.dropTables(['blobs']);
  });

  it('reports a value too large for SQLite as FERRY_VALUE_OUT_OF_RANGE naming table and column', async () => {
    const { def } = plan(
      'huge',
      [
        sourceColumn('small', { kind: 'integer', bits: 32, unsigned: false }),
        sourceColumn('doc', { kind: 'binary', maxLength: null, fixed: false }),
      ],
      null,
    );
    await conn.execute(sqliteTargetDialect.renderCreateTable(def));
    const tooBig = Buffer.alloc(1_000_000_001); // SQLite's default length limit is 1,000,000,000 bytes
    await assert.rejects(
      conn.write(
        def,
        ['small', 'doc'],
        batchesOf([
          ['1', Buffer.from('ok')],
          ['2', tooBig],
        ]),
      ),
      (e) =>
        isFerryError(e, 'FERRY_VALUE_OUT_OF_RANGE') &&
        e.details.table === 'huge' &&
        e.details.column === 'doc' &&
        /column doc of table huge/.test(e.message),
    );
  });

  it('reports a full tenant file (max_page_count) as FERRY_DISK_FULL and commits nothing', async () => {
    const small = await sqliteConnector.openTarget(
      parseConnectionUrl(`sqlite:${join(dir.path, 'small.db')}?max_page_count=64`),
    );
    try {
      const { def, schema } = plan(
        't',
        [sourceColumn('v', { kind: 'text', maxLength: null, fixed: false })],
        null,
      );
      await small.execute(sqliteTargetDialect.renderCreateTable(def));
      const rows: Row[] = Array.from({ length: 200 }, () => ['x'.repeat(10_000)]);
      await assert.rejects(small.write(def, ['v'], batchesOf(rows, 10)), (e) =>
        isFerryError(e, 'FERRY_DISK_FULL'),
      );
      assert.deepEqual(await readAll(small, schema), []);
      await small.write(def, ['v'], batchesOf([['fits']]));
    } finally {
      await small.close();
    }
  });

  it('recreates a SQLite source table with its declared types and generated columns', async () => {
    const columns: ColumnSchema[] = [
      {
        name: 'a',
        nativeType: 'INTEGER',
        type: { kind: 'integer', bits: 64, unsigned: false },
        nullable: false,
        default: null,
        autoIncrement: false,
        generated: null,
      },
      {
        name: 'price',
        nativeType: 'DECIMAL(10,2)',
        type: { kind: 'decimal', precision: 10, scale: 2 },
        nullable: true,
        default: { kind: 'literal', value: '0' },
        autoIncrement: false,
        generated: null,
      },
      {
        name: 'twice',
        nativeType: 'INTEGER',
        type: { kind: 'integer', bits: 64, unsigned: false },
        nullable: true,
        default: null,
        autoIncrement: false,
        generated: { expression: 'a * 2', stored: false },
      },
    ];
    const defs = columns.map((c) => {
      const m = sqliteTargetDialect.mapColumn(c, 'sqlite');
      assert.ok(m.ok);
      return m.column;
    });
    const def: TargetTableDef = {
      name: 'copy',
      columns: defs,
      primaryKey: ['a'],
      uniqueConstraints: [],
      indexes: [],
      foreignKeys: [],
    };
    await conn.execute(sqliteTargetDialect.renderCreateTable(def));
    await conn.write(
      def,
      ['a', 'price', 'twice'],
      batchesOf([
        ['1', '12.30', '2'],
        ['2', '12.00', '4'],
      ]),
    );
    const [listed] = (await conn.listTables()).filter((t) => t.name === 'copy');
    assert.deepEqual(
      listed!.columns.map((c) => c.nativeType),
      ['INTEGER', 'DECIMAL(10,2)', 'INTEGER'],
    );
    assert.deepEqual(await readAll(conn, listed!), [
      ['1', '12.30', '2'],
      ['2', '12.00', '4'],
    ]);
  });

  it('writes ~300k mixed rows fast (reports rows/s)', async () => {
    const cols = [
      sourceColumn('id', { kind: 'integer', bits: 64, unsigned: false }, false),
      sourceColumn('name', { kind: 'text', maxLength: 100, fixed: false }),
      sourceColumn('amount', { kind: 'decimal', precision: 12, scale: 2 }),
      sourceColumn('ratio', { kind: 'float', bits: 64 }),
      sourceColumn('active', { kind: 'boolean' }),
      sourceColumn('created', { kind: 'timestamp', fractionDigits: 3, withTimeZone: false }),
      sourceColumn('payload', { kind: 'binary', maxLength: null, fixed: false }),
    ];
    const { def, schema } = plan('bulk', cols, ['id']);
    await conn.execute(sqliteTargetDialect.renderCreateTable(def));
    const total = 300_000;
    async function* generate(): AsyncGenerator<RowBatch> {
      for (let start = 0; start < total; start += 5000) {
        const rows: Row[] = [];
        for (let i = start; i < start + 5000; i++) {
          rows.push([
            String(i),
            `customer ${i} with a name`,
            `${i}.${String(i % 100).padStart(2, '0')}`,
            String(i / 7),
            i % 2 === 0 ? '1' : '0',
            '2024-01-02 03:04:05.123',
            i % 10 === 0 ? null : Buffer.from([i & 255, (i >> 8) & 255]),
          ]);
        }
        yield { rows, bytes: 0 };
      }
    }
    const started = process.hrtime.bigint();
    const result = await conn.write(
      def,
      cols.map((c) => c.name),
      generate(),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    assert.equal(result.rowsWritten, total);
    console.log(
      `sqlite write(): ${total} mixed rows in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} rows/s`,
    );
    const readStarted = process.hrtime.bigint();
    const sum = await conn.checksum(
      schema,
      cols.map((c) => c.name),
      whole,
    );
    const readSeconds = Number(process.hrtime.bigint() - readStarted) / 1e9;
    console.log(
      `sqlite checksum(): ${total} rows in ${readSeconds.toFixed(2)} s = ${Math.round(total / readSeconds)} rows/s`,
    );
    assert.equal(sum.rows, total);
  });
});
