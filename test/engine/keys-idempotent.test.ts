// A crash between running a table's key DDL and recording it means `resume` runs the DDL again:
// on every target it must then be a no-op, not an error.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTarget } from '../../src/connectors/registry.ts';
import type { TargetConnection, TargetDialect, TargetTableDef } from '../../src/connectors/types.ts';
import { postgresConnector } from '../../src/connectors/postgres/index.ts';
import { sqliteConnector } from '../../src/connectors/sqlite/index.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';

const parent: TargetTableDef = {
  name: 'order',
  columns: [
    {
      name: 'id',
      nativeType: 'bigint',
      type: { kind: 'integer', bits: 64, unsigned: false },
      nullable: false,
      defaultSql: null,
      generatedSql: null,
    },
    {
      name: 'User Name',
      nativeType: 'text',
      type: { kind: 'text', maxLength: null, fixed: false },
      nullable: true,
      defaultSql: null,
      generatedSql: null,
    },
  ],
  primaryKey: ['id'],
  uniqueConstraints: [{ name: 'order_user', columns: ['User Name'], unique: true }],
  indexes: [{ name: 'by_user', columns: ['User Name', 'id'], unique: false }],
  foreignKeys: [],
};
const child: TargetTableDef = {
  ...parent,
  name: 'CRONUS$Line',
  uniqueConstraints: [],
  indexes: [],
  foreignKeys: [
    {
      name: 'line_order',
      columns: ['id'],
      referencedTable: 'order',
      referencedColumns: ['id'],
      onDelete: 'CASCADE',
      onUpdate: 'NO ACTION',
    },
  ],
};

async function runTwice(target: TargetConnection, dialect: TargetDialect): Promise<void> {
  for (const t of [parent, child]) await target.execute(dialect.renderCreateTable(t));
  for (let i = 0; i < 2; i++) {
    for (const t of [parent, child]) await target.execute(dialect.renderKeysAndIndexes(t));
    for (const t of [parent, child]) await target.execute(dialect.renderForeignKeys(t));
  }
  const tables = await target.listTables();
  const order = tables.find((t) => t.name === 'order');
  // PostgreSQL has a real primary key; SQLite (which cannot add one later) a unique index on it.
  const keys = [
    order?.primaryKey,
    ...(order?.uniqueConstraints ?? []).map((u) => u.columns),
    ...(order?.indexes ?? []).filter((i) => i.unique).map((i) => i.columns),
  ];
  assert.ok(
    keys.some((k) => k !== null && k !== undefined && k.length === 1 && k[0] === 'id'),
    JSON.stringify(order),
  );
}

describe('key DDL run twice', () => {
  describe('on PostgreSQL', async () => {
    const skip = await skipUnless('postgres');
    let db: TestDatabase | null = null;
    before(async () => {
      if (!skip) db = await freshDatabase('postgres', 'keys_twice');
    });
    after(async () => db?.drop());
    it('is a no-op the second time', { skip }, async () => {
      const target = await openTarget(`${db!.url}?schema=tenant_keys`);
      try {
        await runTwice(target, postgresConnector.targetDialect!);
      } finally {
        await target.close();
      }
    });
  });

  describe('on SQLite', () => {
    const dir = tempDir('keys-twice');
    after(() => dir.remove());
    it('is a no-op the second time', async () => {
      const target = await openTarget(`sqlite:${dir.path}/tenant.db`);
      try {
        await runTwice(target, sqliteConnector.targetDialect!);
      } finally {
        await target.close();
      }
    });
  });
});
