import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { postgresConnector } from '../../../src/connectors/postgres/index.ts';
import type { SourceConnection, TableSchema } from '../../../src/connectors/types.ts';
import { freshDatabase, skipUnless, type TestDatabase } from '../../support/servers.ts';
import { SCHEMA, adminQuery, createAllTypes, schemaUrl } from './fixture.ts';

describe('postgres introspection', { skip: await skipUnless('postgres') }, () => {
  let db: TestDatabase;
  let source: SourceConnection;
  let tables: TableSchema[];
  const find = (name: string) => tables.find((t) => t.name === name)!;

  before(async () => {
    db = await freshDatabase('postgres', 'pg_introspect');
    await createAllTypes(db.url);
    const s = `"${SCHEMA}"`;
    await adminQuery(
      db.url,
      `CREATE TABLE ${s}."order" ("User Name" text, "CRONUS$Customer" integer, "MixedCase" bigint NOT NULL,
         PRIMARY KEY ("MixedCase", "User Name"),
         CONSTRAINT "uq order" UNIQUE ("CRONUS$Customer"));
       CREATE INDEX "idx two" ON ${s}."order" ("CRONUS$Customer", "MixedCase");
       CREATE UNIQUE INDEX uniq_idx ON ${s}."order" ("User Name");
       CREATE INDEX expr_idx ON ${s}."order" (lower("User Name"));
       CREATE TABLE ${s}."CRONUS$Customer Ledger" (
         id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         s serial,
         cust_key bigint, cust_name text,
         status text DEFAULT 'new', qty integer DEFAULT -1, price numeric(10,2) DEFAULT 0.50,
         at timestamptz DEFAULT now(), flag boolean DEFAULT true, u uuid DEFAULT gen_random_uuid(),
         arr integer[], r int4range, p point, m money, tz timetz, ip inet,
         FOREIGN KEY ("cust_key", "cust_name") REFERENCES ${s}."order" ("MixedCase", "User Name") ON DELETE CASCADE);
       INSERT INTO ${s}."order" SELECT 'n' || g, g, g FROM generate_series(1, 1000) g;
       ANALYZE ${s}."order";
       CREATE TABLE public.elsewhere (id int);`,
    );
    source = await postgresConnector.openSource(schemaUrl(db.url));
    tables = await source.listTables();
  });

  after(async () => {
    await source?.close();
    await db?.drop();
  });

  it('lists the tables of the URL schema only', () => {
    assert.deepEqual(tables.map((t) => t.name).sort(), ['CRONUS$Customer Ledger', 'Every Type', 'order']);
  });

  it('maps every supported type and resolves enum labels', () => {
    const types = Object.fromEntries(find('Every Type').columns.map((c) => [c.name, c.type]));
    assert.deepEqual(types, {
      id: { kind: 'integer', bits: 32, unsigned: false },
      i2: { kind: 'integer', bits: 16, unsigned: false },
      i4: { kind: 'integer', bits: 32, unsigned: false },
      i8: { kind: 'integer', bits: 64, unsigned: false },
      n: { kind: 'decimal', precision: 65, scale: 30 },
      nu: { kind: 'decimal', precision: null, scale: null },
      n2: { kind: 'decimal', precision: 10, scale: 2 },
      f4: { kind: 'float', bits: 32 },
      f8: { kind: 'float', bits: 64 },
      b: { kind: 'boolean' },
      c: { kind: 'text', maxLength: 5, fixed: true },
      vc: { kind: 'text', maxLength: 20, fixed: false },
      t: { kind: 'text', maxLength: null, fixed: false },
      by: { kind: 'binary', maxLength: null, fixed: false },
      d: { kind: 'date' },
      tm: { kind: 'time', fractionDigits: 3 },
      ts: { kind: 'timestamp', fractionDigits: 6, withTimeZone: false },
      tstz: { kind: 'timestamp', fractionDigits: 3, withTimeZone: true },
      j: { kind: 'json', binary: false },
      jb: { kind: 'json', binary: true },
      bt: { kind: 'bit', length: 5 },
      vb: { kind: 'bit', length: 10 },
      u: { kind: 'uuid' },
      iv: { kind: 'interval' },
      e: { kind: 'enum', values: ['sad', 'happy', "it's \\ odd"] },
      order: { kind: 'text', maxLength: null, fixed: false },
      'User Name': { kind: 'text', maxLength: null, fixed: false },
      gen: { kind: 'integer', bits: 32, unsigned: false },
    });
    const gen = find('Every Type').columns.find((c) => c.name === 'gen')!;
    assert.deepEqual(gen.generated, { expression: '((i2)::integer * 2)', stored: true });
    assert.equal(find('Every Type').columns.find((c) => c.name === 'e')!.nativeType, '"Mood"');
  });

  it('reports unsupported types with a reason instead of failing', () => {
    const ledger = find('CRONUS$Customer Ledger');
    for (const name of ['arr', 'r', 'p', 'm', 'tz', 'ip']) {
      const type = ledger.columns.find((c) => c.name === name)!.type;
      assert.equal(type.kind, 'unsupported', name);
      assert.ok(type.kind === 'unsupported' && type.reason.length > 10, name);
    }
  });

  it('finds identity and serial columns, defaults, keys, unique constraints, indexes and foreign keys', () => {
    const ledger = find('CRONUS$Customer Ledger');
    const col = (n: string) => ledger.columns.find((c) => c.name === n)!;
    assert.equal(col('id').autoIncrement, true);
    assert.equal(col('s').autoIncrement, true);
    assert.equal(col('s').default, null);
    assert.deepEqual(col('status').default, { kind: 'literal', value: 'new' });
    assert.deepEqual(col('qty').default, { kind: 'literal', value: '-1' });
    assert.deepEqual(col('price').default, { kind: 'literal', value: '0.50' });
    assert.deepEqual(col('at').default, { kind: 'current-timestamp' });
    assert.deepEqual(col('flag').default, { kind: 'literal', value: '1' });
    assert.deepEqual(col('u').default, { kind: 'expression', sql: 'gen_random_uuid()' });
    assert.deepEqual(ledger.primaryKey, ['id']);
    assert.deepEqual(ledger.foreignKeys, [
      {
        name: 'CRONUS$Customer Ledger_cust_key_cust_name_fkey',
        columns: ['cust_key', 'cust_name'],
        referencedTable: 'order',
        referencedColumns: ['MixedCase', 'User Name'],
        onDelete: 'CASCADE',
        onUpdate: 'NO ACTION',
      },
    ]);
    const order = find('order');
    assert.deepEqual(order.primaryKey, ['MixedCase', 'User Name']);
    assert.deepEqual(order.uniqueConstraints, [
      { name: 'uq order', columns: ['CRONUS$Customer'], unique: true },
    ]);
    assert.deepEqual(order.indexes, [
      { name: 'idx two', columns: ['CRONUS$Customer', 'MixedCase'], unique: false },
      { name: 'uniq_idx', columns: ['User Name'], unique: true },
    ]);
    assert.equal(order.columns.find((c) => c.name === 'MixedCase')!.nullable, false);
  });

  it('estimates rows and bytes from the catalog (never-analysed tables count 0 rows)', () => {
    assert.equal(find('order').estimatedRows, 1000);
    assert.ok(find('order').estimatedBytes > 8192);
    assert.equal(find('CRONUS$Customer Ledger').estimatedRows, 0);
  });
});
