import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  fitIdentifier,
  indexName,
  postgresTargetDialect as dialect,
  quoteIdentifier,
} from '../../../src/connectors/postgres/dialect.ts';
import type { ColumnSchema, LogicalType, TargetTableDef } from '../../../src/connectors/types.ts';

function col(type: LogicalType, extra: Partial<ColumnSchema> = {}): ColumnSchema {
  return {
    name: 'c',
    nativeType: '?',
    type,
    nullable: true,
    default: null,
    autoIncrement: false,
    generated: null,
    ...extra,
  };
}

function nativeOf(
  type: LogicalType,
  source: 'mysql' | 'postgres' | 'sqlite' = 'mysql',
  nativeType = '?',
): string {
  const m = dialect.mapColumn(col(type, { nativeType }), source);
  assert.ok(m.ok);
  return m.column.nativeType;
}

describe('postgres target dialect', () => {
  it('quotes every identifier', () => {
    assert.equal(quoteIdentifier('order'), '"order"');
    assert.equal(quoteIdentifier('User Name'), '"User Name"');
    assert.equal(quoteIdentifier('CRONUS$Customer'), '"CRONUS$Customer"');
    assert.equal(quoteIdentifier('MixedCase'), '"MixedCase"');
    assert.equal(quoteIdentifier('a"b'), '"a""b"');
  });

  it('maps every logical type to the smallest exact PostgreSQL type', () => {
    const cases: Array<[LogicalType, string]> = [
      [{ kind: 'integer', bits: 8, unsigned: true }, 'smallint'],
      [{ kind: 'integer', bits: 16, unsigned: false }, 'smallint'],
      [{ kind: 'integer', bits: 16, unsigned: true }, 'integer'],
      [{ kind: 'integer', bits: 24, unsigned: true }, 'integer'],
      [{ kind: 'integer', bits: 32, unsigned: false }, 'integer'],
      [{ kind: 'integer', bits: 32, unsigned: true }, 'bigint'],
      [{ kind: 'integer', bits: 64, unsigned: false }, 'bigint'],
      [{ kind: 'integer', bits: 64, unsigned: true }, 'numeric(20,0)'],
      [{ kind: 'decimal', precision: 65, scale: 30 }, 'numeric(65,30)'],
      [{ kind: 'decimal', precision: null, scale: null }, 'numeric'],
      [{ kind: 'float', bits: 32 }, 'real'],
      [{ kind: 'float', bits: 64 }, 'double precision'],
      [{ kind: 'boolean' }, 'boolean'],
      [{ kind: 'text', maxLength: 10, fixed: true }, 'char(10)'],
      [{ kind: 'text', maxLength: 255, fixed: false }, 'varchar(255)'],
      [{ kind: 'text', maxLength: 4294967295, fixed: false }, 'text'],
      [{ kind: 'text', maxLength: null, fixed: false }, 'text'],
      [{ kind: 'binary', maxLength: 16, fixed: true }, 'bytea'],
      [{ kind: 'date' }, 'date'],
      [{ kind: 'time', fractionDigits: 3 }, 'time(3)'],
      [{ kind: 'timestamp', fractionDigits: 6, withTimeZone: false }, 'timestamp(6)'],
      [{ kind: 'timestamp', fractionDigits: 0, withTimeZone: true }, 'timestamptz(0)'],
      [{ kind: 'year' }, 'smallint'],
      [{ kind: 'enum', values: ['a'] }, 'text'],
      [{ kind: 'set', values: ['a'] }, 'text'],
      [{ kind: 'json', binary: true }, 'json'],
      [{ kind: 'bit', length: 7 }, 'bit(7)'],
      [{ kind: 'uuid' }, 'uuid'],
      [{ kind: 'interval' }, 'interval'],
    ];
    for (const [type, native] of cases) assert.equal(nativeOf(type), native, JSON.stringify(type));
    assert.equal(nativeOf({ kind: 'json', binary: true }, 'postgres', 'jsonb'), 'jsonb');
    assert.equal(nativeOf({ kind: 'bit', length: 10 }, 'postgres', 'bit varying(10)'), 'bit varying(10)');
    assert.deepEqual(dialect.mapColumn(col({ kind: 'unsupported', reason: 'arrays' }), 'postgres'), {
      ok: false,
      reason: 'arrays',
    });
  });

  it('renders defaults, generated and identity columns by source dialect', () => {
    const lit = dialect.mapColumn(
      col({ kind: 'text', maxLength: 5, fixed: false }, { default: { kind: 'literal', value: "it's" } }),
      'mysql',
    );
    assert.ok(lit.ok && lit.column.defaultSql === "'it''s'");
    const now = dialect.mapColumn(
      col(
        { kind: 'timestamp', fractionDigits: 0, withTimeZone: true },
        { default: { kind: 'current-timestamp' } },
      ),
      'mysql',
    );
    assert.ok(now.ok && now.column.defaultSql === 'CURRENT_TIMESTAMP');
    const exprMy = dialect.mapColumn(
      col({ kind: 'uuid' }, { default: { kind: 'expression', sql: 'uuid()' } }),
      'mysql',
    );
    assert.ok(
      exprMy.ok && exprMy.column.defaultSql === null && exprMy.notes.some((n) => n.includes('uuid()')),
    );
    const exprPg = dialect.mapColumn(
      col({ kind: 'uuid' }, { default: { kind: 'expression', sql: 'gen_random_uuid()' } }),
      'postgres',
    );
    assert.ok(exprPg.ok && exprPg.column.defaultSql === 'gen_random_uuid()');
    const gen = { expression: '(a * 2)', stored: true };
    const genPg = dialect.mapColumn(
      col({ kind: 'integer', bits: 32, unsigned: false }, { generated: gen }),
      'postgres',
    );
    assert.ok(genPg.ok && genPg.column.generatedSql === '(a * 2)');
    const genMy = dialect.mapColumn(
      col({ kind: 'integer', bits: 32, unsigned: false }, { generated: gen }),
      'mysql',
    );
    assert.ok(
      genMy.ok &&
        genMy.column.generatedSql === null &&
        genMy.notes.some((n) => n.includes('copied as stored values')),
    );
  });

  it('renders CREATE TABLE, keys, indexes with schema-unique names, identity reset and foreign keys', () => {
    const table: TargetTableDef = {
      name: 'Order Lines',
      columns: [
        {
          name: 'id',
          nativeType: 'bigint',
          type: { kind: 'integer', bits: 64, unsigned: false },
          nullable: false,
          defaultSql: 'GENERATED BY DEFAULT AS IDENTITY',
          generatedSql: null,
        },
        {
          name: 'size',
          nativeType: 'text',
          type: { kind: 'enum', values: ['S', "M'"] },
          nullable: true,
          defaultSql: "'S'",
          generatedSql: null,
        },
        {
          name: 'twice',
          nativeType: 'bigint',
          type: { kind: 'integer', bits: 64, unsigned: false },
          nullable: true,
          defaultSql: null,
          generatedSql: '(id * 2)',
        },
      ],
      primaryKey: ['id'],
      uniqueConstraints: [{ name: 'uq', columns: ['size', 'id'], unique: true }],
      indexes: [{ name: 'Order Lines_by_size', columns: ['size'], unique: false }],
      foreignKeys: [
        {
          name: 'fk',
          columns: ['id'],
          referencedTable: 'order',
          referencedColumns: ['id'],
          onDelete: 'SET NULL',
          onUpdate: 'NO ACTION',
        },
      ],
    };
    assert.deepEqual(dialect.renderCreateTable(table), [
      'CREATE TABLE "Order Lines" (\n' +
        '  "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL,\n' +
        `  "size" text DEFAULT 'S' CHECK ("size" IN ('S', 'M''')),\n` +
        '  "twice" bigint GENERATED ALWAYS AS ((id * 2)) STORED\n)',
    ]);
    const guard = (sql: string) =>
      `DO $ferry$ BEGIN ${sql}; EXCEPTION WHEN duplicate_object OR duplicate_table OR invalid_table_definition THEN NULL; END $ferry$`;
    assert.deepEqual(dialect.renderKeysAndIndexes(table), [
      guard('ALTER TABLE "Order Lines" ADD CONSTRAINT "Order Lines_pkey" PRIMARY KEY ("id")'),
      guard('ALTER TABLE "Order Lines" ADD CONSTRAINT "Order Lines_uq" UNIQUE ("size", "id")'),
      'CREATE INDEX IF NOT EXISTS "Order Lines_by_size" ON "Order Lines" ("size")',
      `SELECT setval(pg_get_serial_sequence('"Order Lines"', 'id'), coalesce(max("id"), 0) + 1, false) FROM "Order Lines"`,
    ]);
    assert.deepEqual(dialect.renderForeignKeys(table), [
      guard(
        'ALTER TABLE "Order Lines" ADD CONSTRAINT "fk" FOREIGN KEY ("id") REFERENCES "order" ("id") ON DELETE SET NULL ON UPDATE NO ACTION',
      ),
    ]);
  });

  it('keeps generated names within 63 bytes and unique', () => {
    const long = 'ä'.repeat(40);
    const a = indexName(long, 'idx_one');
    const b = indexName(long, 'idx_two');
    assert.ok(Buffer.byteLength(a) <= 63 && Buffer.byteLength(b) <= 63);
    assert.notEqual(a, b);
    assert.equal(fitIdentifier('short'), 'short');
  });
});
