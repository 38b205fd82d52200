// The tenant's user registry after a run: `ferry_users` created (or replaced) through the connector
// contracts in a SQLite tenant and a PostgreSQL tenant, with every user's plan, username,
// administrator flag and mapped identity, read back with each database's own client.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openTarget } from '../../src/connectors/registry.ts';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import { profileById } from '../../src/profiles/registry.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { createMigration } from '../../src/services/migrations.ts';
import { readTenantUserRegistry, writeTenantUserRegistry } from '../../src/services/tenant-user-registry.ts';
import { getTenant } from '../../src/services/tenants.ts';
import { isFerryError } from '../../src/domain/errors.ts';
import { mapUser } from '../../src/services/user-mappings.ts';
import { assignPlan } from '../../src/services/user-plans.ts';
import { setUsername } from '../../src/services/usernames.ts';
import { listUsers } from '../../src/services/users.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';

const dir = tempDir('users-registry');
let store: Store;
let cp: ControlPlane;
let m = '';

interface RegistryRow {
  id: string;
  name: string;
  username: string | null;
  plan: string | null;
  is_administrator: boolean;
  identity: string | null;
}

before(async () => {
  await initInstallation({ dir: join(dir.path, 'acme'), size: 'small' });
  store = await openStore({ home: join(dir.path, 'home') });
  cp = { store, profiles: profileById };
  m = (
    await createMigration(cp, {
      installationPath: join(dir.path, 'acme', 'installation.yaml'),
      profileId: 'crm',
      tenantId: 'acme',
    })
  ).migration.id;
  await assignPlan(cp, m, { userId: '3' }, 'none');
  await setUsername(cp, m, '15', { email: 'hiroshi.vik@acme.example' });
  await mapUser(cp, m, '1', 'lars@cloud.example');
});

after(async () => {
  await store.close();
  dir.remove();
});

/** What the registry must hold: the users as the store has them. */
async function expectedRows(): Promise<RegistryRow[]> {
  const { users } = await listUsers(cp, m);
  return users.map((u) => ({
    id: u.id,
    name: u.name,
    username: u.username,
    plan: u.plan,
    is_administrator: u.isAdministrator,
    identity: u.identity,
  }));
}

function sortById<T extends { id: string }>(rows: T[]): T[] {
  return [...rows].sort((a, b) => Number(a.id) - Number(b.id));
}

/** Writes the registry into the tenant's own database, then reads it back as the API answers it. */
async function writeThenRead(migrationId: string, tenantId: string): Promise<void> {
  const before = await readTenantUserRegistry(cp, tenantId);
  assert.deepEqual(before, { tenantId, table: 'ferry_users', written: false, users: [] });
  const target = await openTarget((await getTenant(cp, tenantId)).databaseUrl);
  try {
    await writeTenantUserRegistry(cp, migrationId, target);
  } finally {
    await target.close();
  }
  const read = await readTenantUserRegistry(cp, tenantId);
  assert.equal(read.written, true);
  const { users } = await listUsers(cp, migrationId);
  assert.deepEqual(
    sortById(read.users),
    sortById(
      users.map((u) => ({
        id: u.id,
        name: u.name,
        username: u.username,
        plan: u.plan,
        isAdministrator: u.isAdministrator,
        identity: u.identity,
      })),
    ),
  );
}

const pgSkip = await skipUnless('postgres');

describe('tenant user registry', () => {
  it('writes every user into a SQLite tenant, and replaces the table when written again', async () => {
    const url = `sqlite:${join(dir.path, 'tenant.db')}`;
    for (let round = 0; round < 2; round++) {
      const target = await openTarget(url);
      try {
        const result = await writeTenantUserRegistry(cp, m, target);
        assert.equal(result.table, 'ferry_users');
        assert.equal(result.users, 50);
      } finally {
        await target.close();
      }
    }
    const db = new Database(join(dir.path, 'tenant.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT * FROM "ferry_users"').all() as (Omit<
        RegistryRow,
        'is_administrator'
      > & {
        is_administrator: number;
      })[];
      assert.deepEqual(
        sortById(rows.map((r) => ({ ...r, is_administrator: r.is_administrator === 1 }))),
        sortById(await expectedRows()),
      );
      const u3 = rows.find((r) => r.id === '3');
      assert.equal(u3?.plan, null);
      assert.equal(rows.find((r) => r.id === '15')?.username, 'hiroshi.vik@acme.example');
      assert.equal(rows.find((r) => r.id === '1')?.identity, 'lars@cloud.example');
      // SQLite enforces the key with a unique index (a key cannot be added after the load).
      const unique = db
        .prepare(`SELECT name FROM pragma_index_list('ferry_users') WHERE "unique" = 1`)
        .all() as {
        name: string;
      }[];
      assert.equal(unique.length, 1);
      const keyColumns = db.prepare('SELECT name FROM pragma_index_info(?)').all(unique[0]?.name ?? '');
      assert.deepEqual(keyColumns, [{ name: 'id' }]);
    } finally {
      db.close();
    }
  });

  it("reads a SQLite tenant's registry back: not written before a run, every user after", async () => {
    await writeThenRead(m, 'acme');
    const read = await readTenantUserRegistry(cp, 'acme');
    assert.equal(read.users.find((u) => u.id === '3')?.plan, null);
    assert.equal(read.users.find((u) => u.id === '1')?.identity, 'lars@cloud.example');
    await assert.rejects(readTenantUserRegistry(cp, 'no-such-tenant'), (e) =>
      isFerryError(e, 'FERRY_TENANT_NOT_FOUND'),
    );
  });

  describe('into a PostgreSQL tenant', { skip: pgSkip }, () => {
    let db: TestDatabase;
    before(async () => {
      db = await freshDatabase('postgres', 'users_registry');
    });
    after(async () => {
      await db.drop();
    });

    it('writes every user with a boolean administrator flag and a primary key', async () => {
      const url = `${db.url}?schema=tenant_acme`;
      for (let round = 0; round < 2; round++) {
        const target = await openTarget(url);
        try {
          await writeTenantUserRegistry(cp, m, target);
        } finally {
          await target.close();
        }
      }
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const { rows } = await client.query<RegistryRow>('SELECT * FROM "tenant_acme"."ferry_users"');
        assert.deepEqual(sortById(rows), sortById(await expectedRows()));
        const types = await client.query<{ column_name: string; data_type: string }>(
          `SELECT column_name, data_type FROM information_schema.columns
            WHERE table_schema = 'tenant_acme' AND table_name = 'ferry_users' ORDER BY ordinal_position`,
        );
        assert.deepEqual(
          types.rows.map((r) => [r.column_name, r.data_type]),
          [
            ['id', 'text'],
            ['name', 'text'],
            ['username', 'text'],
            ['plan', 'text'],
            ['is_administrator', 'boolean'],
            ['identity', 'text'],
          ],
        );
        const pk = await client.query(
          `SELECT 1 FROM information_schema.table_constraints
            WHERE table_schema = 'tenant_acme' AND table_name = 'ferry_users' AND constraint_type = 'PRIMARY KEY'`,
        );
        assert.equal(pk.rowCount, 1);
      } finally {
        await client.end();
      }
    });

    it("reads a PostgreSQL tenant's registry back", async () => {
      const pgMigration = (
        await createMigration(cp, {
          installationPath: join(dir.path, 'acme', 'installation.yaml'),
          profileId: 'crm',
          tenantId: 'acme-pg',
          tenantDatabaseUrl: db.url,
        })
      ).migration.id;
      await mapUser(cp, pgMigration, '2', 'bjorn@cloud.example');
      await writeThenRead(pgMigration, 'acme-pg');
    });
  });
});
