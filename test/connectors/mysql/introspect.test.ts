import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Connection } from 'mysql2/promise';
import { quoteIdentifier } from '../../../src/connectors/mysql/dialect.ts';
import type { LogicalType, SourceConnection, TableSchema } from '../../../src/connectors/types.ts';
import { freshDatabase, skipUnless } from '../../support/servers.ts';
import type { TestDatabase } from '../../support/servers.ts';
import { ALL_TYPES_DDL, adminSession, openSource } from './fixture.ts';

describe('MySQL source: quoteIdentifier', () => {
  it('quotes every name with backticks, doubling backticks', () => {
    assert.equal(quoteIdentifier('order'), '`order`');
    assert.equal(quoteIdentifier('User Name'), '`User Name`');
    assert.equal(quoteIdentifier('CRONUS$Customer'), '`CRONUS$Customer`');
    assert.equal(quoteIdentifier('a`b'), '`a``b`');
  });
});

describe('MySQL source: introspection', { skip: await skipUnless('mysql') }, () => {
  let db: TestDatabase;
  let admin: Connection;
  let source: SourceConnection;
  let tables: TableSchema[];
  let failed = false;

  before(async () => {
    db = await freshDatabase('mysql', 'mysql_introspect');
    admin = await adminSession(db.url);
    await admin.query(ALL_TYPES_DDL);
    await admin.query(`
      CREATE TABLE \`CRONUS$Customer\` (
        \`No.\` varchar(20) NOT NULL, \`Company\` int NOT NULL, \`MixedCase\` int DEFAULT 5,
        \`User Name\` varchar(50) DEFAULT 'it''s \\\\ fine', email varchar(100) NOT NULL,
        created datetime(3) NOT NULL DEFAULT current_timestamp(3), flag tinyint(1) NOT NULL DEFAULT 1,
        price decimal(10,2) DEFAULT 1.5, bits bit(4) DEFAULT b'101', expr varchar(10) DEFAULT (concat('a','b')),
        PRIMARY KEY (\`No.\`, \`Company\`), UNIQUE KEY uq_email (email), KEY ix_name (\`User Name\`, \`MixedCase\`)
      ) ENGINE=InnoDB;
      CREATE TABLE \`order\` (
        id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
        \`customer no\` varchar(20) NOT NULL, company int NOT NULL,
        qty int NOT NULL, price decimal(10,2) NOT NULL,
        total decimal(20,2) AS (qty * price) VIRTUAL,
        total_stored decimal(20,2) AS (qty * price) PERSISTENT,
        place geometry NULL, addr inet6 NULL,
        CONSTRAINT fk_customer FOREIGN KEY (\`customer no\`, company) REFERENCES \`CRONUS$Customer\` (\`No.\`, \`Company\`)
          ON DELETE CASCADE ON UPDATE RESTRICT
      ) ENGINE=InnoDB;
      INSERT INTO \`CRONUS$Customer\` (\`No.\`, \`Company\`, email) SELECT seq, 1, CONCAT('u', seq, '@x') FROM seq_1_to_1000;
      ANALYZE TABLE \`CRONUS$Customer\`;
      CREATE VIEW a_view AS SELECT 1 AS x;
    `);
    source = await openSource(db.url);
    tables = await source.listTables();
  });

  after(async () => {
    await source?.close();
    await admin?.end();
    await db?.drop(failed);
  });

  const run = (name: string, fn: () => void | Promise<void>): void => {
    void it(name, async () => {
      try {
        await fn();
      } catch (error) {
        failed = true;
        throw error;
      }
    });
  };
  const table = (name: string) => tables.find((t) => t.name === name)!;
  const column = (t: string, c: string) => table(t).columns.find((x) => x.name === c)!;

  run('lists base tables with awkward names, not views', () => {
    assert.deepEqual(tables.map((t) => t.name).sort(), ['CRONUS$Customer', 'all_types', 'order']);
  });

  run('maps every type', () => {
    const expected: Record<string, LogicalType> = {
      b: { kind: 'boolean' },
      i8: { kind: 'integer', bits: 8, unsigned: false },
      u8: { kind: 'integer', bits: 8, unsigned: true },
      i16: { kind: 'integer', bits: 16, unsigned: false },
      u24: { kind: 'integer', bits: 24, unsigned: true },
      i32: { kind: 'integer', bits: 32, unsigned: false },
      u64: { kind: 'integer', bits: 64, unsigned: true },
      zf: { kind: 'integer', bits: 32, unsigned: true },
      d: { kind: 'decimal', precision: 65, scale: 30 },
      f: { kind: 'float', bits: 32 },
      db: { kind: 'float', bits: 64 },
      c: { kind: 'text', maxLength: 10, fixed: true },
      vc: { kind: 'text', maxLength: 200, fixed: false },
      lt: { kind: 'text', maxLength: null, fixed: false },
      bn: { kind: 'binary', maxLength: 4, fixed: true },
      vb: { kind: 'binary', maxLength: 20, fixed: false },
      lb: { kind: 'binary', maxLength: null, fixed: false },
      dt: { kind: 'date' },
      tm: { kind: 'time', fractionDigits: 6 },
      tm0: { kind: 'time', fractionDigits: 0 },
      dtm: { kind: 'timestamp', fractionDigits: 6, withTimeZone: false },
      ts: { kind: 'timestamp', fractionDigits: 3, withTimeZone: true },
      yr: { kind: 'year' },
      en: { kind: 'enum', values: ['a', "b'c", 'x y'] },
      st: { kind: 'set', values: ['r', 'g', 'b'] },
      js: { kind: 'json', binary: false },
      bt: { kind: 'bit', length: 10 },
      uu: { kind: 'uuid' },
    };
    for (const [name, type] of Object.entries(expected))
      assert.deepEqual(column('all_types', name).type, type, name);
    assert.equal(column('all_types', 'zf').nativeType, 'int(6) unsigned zerofill');
    assert.equal(column('all_types', 'b').nativeType, 'tinyint(1)');
    assert.equal(column('order', 'place').type.kind, 'unsupported');
    assert.match((column('order', 'addr').type as { reason: string }).reason, /inet6/);
  });

  run('reads nullability, defaults, auto-increment and generated columns', () => {
    assert.equal(column('CRONUS$Customer', 'email').nullable, false);
    assert.equal(column('CRONUS$Customer', 'MixedCase').nullable, true);
    assert.deepEqual(column('CRONUS$Customer', 'MixedCase').default, { kind: 'literal', value: '5' });
    assert.deepEqual(column('CRONUS$Customer', 'User Name').default, {
      kind: 'literal',
      value: "it's \\ fine",
    });
    assert.deepEqual(column('CRONUS$Customer', 'created').default, { kind: 'current-timestamp' });
    assert.deepEqual(column('CRONUS$Customer', 'flag').default, { kind: 'literal', value: '1' });
    assert.deepEqual(column('CRONUS$Customer', 'price').default, { kind: 'literal', value: '1.50' });
    assert.deepEqual(column('CRONUS$Customer', 'bits').default, { kind: 'literal', value: '0101' });
    assert.deepEqual(column('CRONUS$Customer', 'expr').default, {
      kind: 'expression',
      sql: "concat('a','b')",
    });
    assert.equal(column('CRONUS$Customer', 'email').default, null);
    assert.equal(column('order', 'id').autoIncrement, true);
    assert.equal(column('order', 'qty').autoIncrement, false);
    assert.deepEqual(column('order', 'total').generated, { expression: '`qty` * `price`', stored: false });
    assert.deepEqual(column('order', 'total_stored').generated, {
      expression: '`qty` * `price`',
      stored: true,
    });
    assert.equal(column('order', 'qty').generated, null);
  });

  run('reads composite primary keys, unique constraints, indexes and foreign keys', () => {
    const customer = table('CRONUS$Customer');
    assert.deepEqual(customer.primaryKey, ['No.', 'Company']);
    assert.deepEqual(customer.uniqueConstraints, [{ name: 'uq_email', columns: ['email'], unique: true }]);
    assert.deepEqual(customer.indexes, [
      { name: 'ix_name', columns: ['User Name', 'MixedCase'], unique: false },
    ]);
    const order = table('order');
    assert.deepEqual(order.primaryKey, ['id']);
    assert.deepEqual(order.foreignKeys, [
      {
        name: 'fk_customer',
        columns: ['customer no', 'company'],
        referencedTable: 'CRONUS$Customer',
        referencedColumns: ['No.', 'Company'],
        onDelete: 'CASCADE',
        onUpdate: 'RESTRICT',
      },
    ]);
    // The FK's supporting index is an ordinary index.
    assert.deepEqual(
      order.indexes.map((i) => i.columns),
      [['customer no', 'company']],
    );
  });

  run('estimates rows and bytes from catalog statistics', () => {
    const customer = table('CRONUS$Customer');
    assert.ok(customer.estimatedRows > 500 && customer.estimatedRows < 2000, String(customer.estimatedRows));
    assert.ok(customer.estimatedBytes > 0);
  });
});
