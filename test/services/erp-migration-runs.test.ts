// The erp profile through the same control plane as crm: a MariaDB source split into companies by
// table-name prefix (`CRONUS$Customer`) into a PostgreSQL tenant. A run takes the chosen subset of
// companies plus the shared tables (never the excluded ones); a test run leaves the source's
// server config unfrozen, a full run freezes it (Frozen, no-login), and the session binds the
// license like crm's.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { erpFreeze } from '../../src/profiles/erp/hooks.ts';
import { createErpFixture, type ErpFixture } from '../../src/profiles/erp/fixture.ts';
import { profileById } from '../../src/profiles/registry.ts';
import { chooseCompanies, listCompanies } from '../../src/services/companies.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { startMigrationRun } from '../../src/services/migration-runs.ts';
import { createMigration, getMigration, setPlan, signPlan } from '../../src/services/migrations.ts';
import { getTenant } from '../../src/services/tenants.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';

const quiet = { onEvent: () => undefined, signal: new AbortController().signal };
const skip = await skipUnless('mysql', 'postgres');

describe('erp migration runs: MariaDB companies into a PostgreSQL tenant', { skip }, () => {
  const dir = tempDir('erp-runs');
  let source: TestDatabase;
  let tenantDb: TestDatabase;
  let store: Store;
  let cp: ControlPlane;
  let fixture: ErpFixture;

  before(async () => {
    source = await freshDatabase('mysql', 'erp_src');
    tenantDb = await freshDatabase('postgres', 'erp_tenant');
    fixture = await createErpFixture({ dir: join(dir.path, 'erp'), problems: false, db: source.url });
    store = await openStore({ home: join(dir.path, 'home') });
    cp = { store, profiles: profileById };
  });
  after(async () => {
    await store?.close();
    await source?.drop();
    await tenantDb?.drop();
    dir.remove();
  });

  async function tenantTables(): Promise<string[]> {
    const tenant = await getTenant(cp, 'cronus');
    const url = new URL(tenant.databaseUrl);
    const schema = url.searchParams.get('schema')!;
    url.search = '';
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const r = await client.query<{ name: string }>(
        'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
        [schema],
      );
      return r.rows.map((row) => row.name);
    } finally {
      await client.end();
    }
  }

  it('runs the chosen company with the shared tables, then a full run freezes the server config', async () => {
    const { migration } = await createMigration(cp, {
      installationPath: fixture.installationFile,
      profileId: 'erp',
      tenantId: 'cronus',
      tenantDatabaseUrl: tenantDb.url,
    });
    await setPlan(cp, migration.id, [
      { activity: 'first migration', owner: 'migrator', estimate: '1h', deadline: '2027-01-31' },
    ]);
    await signPlan(cp, migration.id, 'vendor', 'Vera Vendor');
    await signPlan(cp, migration.id, 'customer', 'Carl Customer');

    const companies = await listCompanies(cp, migration.id);
    assert.deepEqual(
      companies.map((c) => c.id),
      ['CRONUS', 'Fabrikam'],
    );
    assert.ok(
      companies.every((c) => c.estimatedRows > 0),
      'each company shows its estimated size',
    );
    await chooseCompanies(cp, migration.id, ['Fabrikam']);

    const test = await startMigrationRun({ cp, migrationId: migration.id, kind: 'test', ...quiet });
    assert.ok(['succeeded', 'succeeded-with-warnings'].includes(test.status), JSON.stringify(test.tables));
    const copied = new Set(test.tables.map((t) => t.table));
    for (const table of fixture.companies.Fabrikam!)
      if (!table.endsWith('$Change Log Entry')) assert.ok(copied.has(table), `${table} is migrated`);
    for (const table of fixture.companies.CRONUS!) assert.ok(!copied.has(table), `${table} was not chosen`);
    assert.ok(copied.has('Company') && copied.has('User'), 'the shared tables come along');
    assert.ok(!copied.has('Access Control'), 'permission tables stay out');
    const inTenant = await tenantTables();
    assert.ok(inTenant.includes('Fabrikam$Customer'));
    assert.ok(!inTenant.includes('CRONUS$Customer'));
    assert.equal(
      await erpFreeze.isFrozen(fixture.installation),
      false,
      'a test run never freezes the source',
    );

    const bound = await getMigration(cp, migration.id);
    assert.equal(bound.phase, 'parallel');
    assert.equal(bound.license?.companyName, 'CRONUS Holding', 'the session is bound to the license');

    const full = await startMigrationRun({ cp, migrationId: migration.id, kind: 'full', ...quiet });
    assert.ok(['succeeded', 'succeeded-with-warnings'].includes(full.status), full.status);
    assert.equal(await erpFreeze.isFrozen(fixture.installation), true, 'a live run freezes the server');
    assert.ok(full.tables.every((t) => t.status !== 'failed'));
  });
});
