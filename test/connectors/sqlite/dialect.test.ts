import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plainDecimal, padScale } from '../../../src/connectors/sqlite/cells.ts';
import { columnExtras, splitDefinitions } from '../../../src/connectors/sqlite/create-table-sql.ts';
import {
  affinityOf,
  logicalTypeOf,
  quoteIdentifier,
  renderCreateTable,
  renderForeignKeys,
  renderKeysAndIndexes,
  sqliteTargetDialect,
} from '../../../src/connectors/sqlite/dialect.ts';
import type { ColumnSchema, LogicalType, TargetTableDef } from '../../../src/connectors/types.ts';

function column(type: LogicalType, extra: Partial<ColumnSchema> = {}): ColumnSchema {
  return {
    name: 'c',
    nativeType: 'x',
    type,
    nullable: true,
    default: null,
    autoIncrement: false,
    generated: null,
    ...extra,
  };
}

function nativeTypeOf(type: LogicalType): string {
  const mapped = sqliteTargetDialect.mapColumn(column(type), 'postgres');
  assert.ok(mapped.ok);
  return mapped.column.nativeType;
}

describe('sqlite dialect', () => {
  it('quotes every identifier', () => {
    assert.equal(quoteIdentifier('order'), '"order"');
    assert.equal(quoteIdentifier('User Name'), '"User Name"');
    assert.equal(quoteIdentifier('CRONUS$Customer'), '"CRONUS$Customer"');
    assert.equal(quoteIdentifier('say "hi"'), '"say ""hi"""');
  });

  it('maps declared types to logical types by affinity, keeping intent', () => {
    assert.deepEqual(logicalTypeOf('INTEGER'), { kind: 'integer', bits: 64, unsigned: false });
    assert.deepEqual(logicalTypeOf('tinyint'), { kind: 'integer', bits: 64, unsigned: false });
    assert.deepEqual(logicalTypeOf('UNSIGNED BIG INT'), { kind: 'integer', bits: 64, unsigned: false });
    assert.deepEqual(logicalTypeOf('BOOLEAN'), { kind: 'boolean' });
    assert.deepEqual(logicalTypeOf('bool'), { kind: 'boolean' });
    assert.deepEqual(logicalTypeOf('DOUBLE PRECISION'), { kind: 'float', bits: 64 });
    assert.deepEqual(logicalTypeOf('FLOAT'), { kind: 'float', bits: 64 });
    assert.deepEqual(logicalTypeOf('DECIMAL(10, 2)'), { kind: 'decimal', precision: 10, scale: 2 });
    assert.deepEqual(logicalTypeOf('NUMERIC(7)'), { kind: 'decimal', precision: 7, scale: 0 });
    assert.deepEqual(logicalTypeOf('NUMERIC'), { kind: 'decimal', precision: null, scale: null });
    assert.deepEqual(logicalTypeOf('VARCHAR(255)'), { kind: 'text', maxLength: null, fixed: false });
    assert.deepEqual(logicalTypeOf('NVARCHAR(10)'), { kind: 'text', maxLength: null, fixed: false });
    assert.deepEqual(logicalTypeOf('CLOB'), { kind: 'text', maxLength: null, fixed: false });
    assert.deepEqual(logicalTypeOf('BLOB'), { kind: 'binary', maxLength: null, fixed: false });
    assert.deepEqual(logicalTypeOf('DATE'), { kind: 'date' });
    assert.deepEqual(logicalTypeOf('TIME'), { kind: 'time', fractionDigits: 6 });
    assert.deepEqual(logicalTypeOf('DATETIME'), {
      kind: 'timestamp',
      fractionDigits: 6,
      withTimeZone: false,
    });
    assert.deepEqual(logicalTypeOf('TIMESTAMP'), {
      kind: 'timestamp',
      fractionDigits: 6,
      withTimeZone: false,
    });
    assert.deepEqual(logicalTypeOf('JSON'), { kind: 'json', binary: false });
    assert.deepEqual(logicalTypeOf(''), { kind: 'text', maxLength: null, fixed: false });
    assert.deepEqual(logicalTypeOf('STRING'), { kind: 'text', maxLength: null, fixed: false });
    assert.equal(affinityOf('STRING'), 'NUMERIC');
    assert.equal(affinityOf('POINT'), 'INTEGER');
  });

  it('maps every logical type to a declared type whose affinity stores canonical text exactly', () => {
    assert.equal(nativeTypeOf({ kind: 'integer', bits: 64, unsigned: false }), 'BIGINT');
    assert.equal(nativeTypeOf({ kind: 'integer', bits: 64, unsigned: true }), 'TEXT');
    assert.equal(nativeTypeOf({ kind: 'integer', bits: 32, unsigned: true }), 'INTEGER');
    assert.equal(nativeTypeOf({ kind: 'integer', bits: 8, unsigned: false }), 'INTEGER');
    assert.equal(nativeTypeOf({ kind: 'decimal', precision: 65, scale: 30 }), 'TEXT');
    assert.equal(nativeTypeOf({ kind: 'float', bits: 64 }), 'REAL');
    assert.equal(nativeTypeOf({ kind: 'float', bits: 32 }), 'FLOAT');
    assert.equal(nativeTypeOf({ kind: 'boolean' }), 'BOOLEAN');
    assert.equal(nativeTypeOf({ kind: 'text', maxLength: null, fixed: false }), 'TEXT');
    assert.equal(nativeTypeOf({ kind: 'text', maxLength: 20, fixed: false }), 'VARCHAR(20)');
    assert.equal(nativeTypeOf({ kind: 'text', maxLength: 3, fixed: true }), 'CHAR(3)');
    assert.equal(nativeTypeOf({ kind: 'binary', maxLength: 16, fixed: true }), 'BLOB');
    assert.equal(nativeTypeOf({ kind: 'date' }), 'TEXT');
    assert.equal(nativeTypeOf({ kind: 'time', fractionDigits: 6 }), 'TEXT');
    assert.equal(nativeTypeOf({ kind: 'timestamp', fractionDigits: 6, withTimeZone: true }), 'TEXT');
    assert.equal(nativeTypeOf({ kind: 'year' }), 'INTEGER');
    for (const type of [
      { kind: 'enum', values: ['a'] },
      { kind: 'set', values: ['a'] },
      { kind: 'json', binary: true },
      { kind: 'bit', length: 3 },
      { kind: 'uuid' },
      { kind: 'interval' },
    ] as LogicalType[]) {
      assert.equal(nativeTypeOf(type), 'TEXT', type.kind);
    }
    for (const text of ['TEXT', 'VARCHAR(20)', 'CHAR(3)']) assert.equal(affinityOf(text), 'TEXT');
    assert.equal(affinityOf('BOOLEAN'), 'NUMERIC');
    const unsupported = sqliteTargetDialect.mapColumn(
      column({ kind: 'unsupported', reason: 'geometry' }),
      'postgres',
    );
    assert.deepEqual(unsupported, { ok: false, reason: 'geometry' });
  });

  it('keeps the declared type of a SQLite source column and recreates its generated expression', () => {
    const mapped = sqliteTargetDialect.mapColumn(
      column(
        { kind: 'decimal', precision: 10, scale: 2 },
        { nativeType: 'DECIMAL(10,2)', generated: { expression: 'a * 2', stored: false } },
      ),
      'sqlite',
    );
    assert.ok(mapped.ok);
    assert.equal(mapped.column.nativeType, 'DECIMAL(10,2)');
    assert.equal(mapped.column.generatedSql, 'a * 2');
    const fromPostgres = sqliteTargetDialect.mapColumn(
      column(
        { kind: 'integer', bits: 32, unsigned: false },
        { generated: { expression: 'a * 2', stored: true } },
      ),
      'postgres',
    );
    assert.ok(fromPostgres.ok);
    assert.equal(fromPostgres.column.generatedSql, null);
    assert.match(fromPostgres.notes.join(), /plain column/);
  });

  it('renders defaults as literals, CURRENT_TIMESTAMP, or SQLite expressions only from SQLite', () => {
    const render = (c: ColumnSchema, from: 'sqlite' | 'postgres') => {
      const m = sqliteTargetDialect.mapColumn(c, from);
      assert.ok(m.ok);
      return m.column.defaultSql;
    };
    assert.equal(
      render(
        column({ kind: 'integer', bits: 32, unsigned: false }, { default: { kind: 'literal', value: '42' } }),
        'postgres',
      ),
      '42',
    );
    assert.equal(
      render(
        column({ kind: 'decimal', precision: 5, scale: 2 }, { default: { kind: 'literal', value: '1.50' } }),
        'postgres',
      ),
      "'1.50'",
    );
    assert.equal(
      render(
        column(
          { kind: 'text', maxLength: null, fixed: false },
          { default: { kind: 'literal', value: "it's" } },
        ),
        'postgres',
      ),
      "'it''s'",
    );
    assert.equal(
      render(
        column(
          { kind: 'timestamp', fractionDigits: 0, withTimeZone: false },
          { default: { kind: 'current-timestamp' } },
        ),
        'mysql' as 'postgres',
      ),
      'CURRENT_TIMESTAMP',
    );
    assert.equal(
      render(
        column(
          { kind: 'text', maxLength: null, fixed: false },
          { nativeType: 'TEXT', default: { kind: 'expression', sql: "lower('X')" } },
        ),
        'sqlite',
      ),
      "(lower('X'))",
    );
    assert.equal(
      render(
        column(
          { kind: 'text', maxLength: null, fixed: false },
          { default: { kind: 'expression', sql: 'now()' } },
        ),
        'postgres',
      ),
      null,
    );
  });

  it('creates tables without keys and enforces keys with unique indexes afterwards; no foreign keys', () => {
    const table: TargetTableDef = {
      name: 'CRONUS$Customer',
      columns: [
        {
          name: 'order',
          nativeType: 'BIGINT',
          type: { kind: 'integer', bits: 64, unsigned: false },
          nullable: false,
          defaultSql: null,
          generatedSql: null,
        },
        {
          name: 'User Name',
          nativeType: 'TEXT',
          type: { kind: 'text', maxLength: null, fixed: false },
          nullable: true,
          defaultSql: "'x'",
          generatedSql: null,
        },
        {
          name: 'g',
          nativeType: 'BIGINT',
          type: { kind: 'integer', bits: 64, unsigned: false },
          nullable: true,
          defaultSql: null,
          generatedSql: '"order" * 2',
        },
      ],
      primaryKey: ['order'],
      uniqueConstraints: [{ name: 'uq_name', columns: ['User Name'], unique: true }],
      indexes: [{ name: 'CRONUS$Customer_idx', columns: ['User Name', 'order'], unique: false }],
      foreignKeys: [
        {
          name: 'fk',
          columns: ['order'],
          referencedTable: 'x',
          referencedColumns: ['id'],
          onDelete: 'CASCADE',
          onUpdate: 'NO ACTION',
        },
      ],
    };
    assert.deepEqual(renderCreateTable(table), [
      'CREATE TABLE "CRONUS$Customer" (\n  "order" BIGINT NOT NULL,\n  "User Name" TEXT DEFAULT \'x\',\n  "g" BIGINT GENERATED ALWAYS AS ("order" * 2) STORED\n)',
    ]);
    assert.deepEqual(renderKeysAndIndexes(table), [
      'CREATE UNIQUE INDEX IF NOT EXISTS "CRONUS$Customer_pkey" ON "CRONUS$Customer" ("order")',
      'CREATE UNIQUE INDEX IF NOT EXISTS "CRONUS$Customer_uq_name" ON "CRONUS$Customer" ("User Name")',
      'CREATE INDEX IF NOT EXISTS "CRONUS$Customer_idx" ON "CRONUS$Customer" ("User Name", "order")',
    ]);
    assert.deepEqual(renderForeignKeys(table), []);
  });

  it('reads generated expressions and AUTOINCREMENT from CREATE TABLE text', () => {
    const sql = `CREATE TABLE "a, b" ("x(" INTEGER PRIMARY KEY AUTOINCREMENT, [y z] TEXT DEFAULT ',', -- comment, (
      g AS (length("x(") || ')') STORED, h INT GENERATED ALWAYS AS (coalesce(g, 'a''s')) VIRTUAL, PRIMARY KEY (h))`;
    assert.equal(splitDefinitions(sql).length, 5);
    const extras = columnExtras(sql);
    assert.deepEqual(extras.get('x('), { generatedExpression: null, autoIncrement: true });
    assert.deepEqual(extras.get('y z'), { generatedExpression: null, autoIncrement: false });
    assert.equal(extras.get('g')?.generatedExpression, `length("x(") || ')'`);
    assert.equal(extras.get('h')?.generatedExpression, `coalesce(g, 'a''s')`);
  });

  it('writes doubles as plain decimals padded to the scale', () => {
    assert.equal(plainDecimal(1.5e-7), '0.00000015');
    assert.equal(plainDecimal(-1.2345678901234568e29), '-123456789012345680000000000000');
    assert.equal(plainDecimal(12.3), '12.3');
    assert.equal(padScale('12.3', 2), '12.30');
    assert.equal(padScale('12', 2), '12.00');
    assert.equal(padScale('12.345', 2), '12.345');
    assert.equal(padScale('abc', 2), 'abc');
  });
});
