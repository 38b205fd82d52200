// One migration through every phase over the HTTP API, with a MariaDB source and a PostgreSQL
// tenant: plan signed by both parties, test run, checklist, approval, a final run that overwrites a
// tenant-side edit, go-live, and a run refused after go-live.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { buildServer, type FerryServer } from '../../src/api/server.ts';
import { registryProfiles } from '../../src/cli/control-plane-session.ts';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { createOperatorToken, verifyOperatorToken } from '../../src/services/tokens.ts';
import { verifyDatabases } from '../../src/services/verify-databases.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';

const skip = await skipUnless('mysql', 'postgres');

describe('a migration through every phase over the HTTP API', { skip }, () => {
  const dir = tempDir('e2e');
  let source: TestDatabase;
  let tenantDb: TestDatabase;
  let store: Store;
  let server: FerryServer;
  let base = '';
  let token = '';
  let failed = false;

  before(async () => {
    source = await freshDatabase('mysql', 'e2e_src');
    tenantDb = await freshDatabase('postgres', 'e2e_tenant');
    await initInstallation({
      dir: join(dir.path, 'acme'),
      size: 'small',
      seed: 11,
      db: source.url,
      problems: false,
    });
    store = await openStore({ home: join(dir.path, 'home') });
    const cp: ControlPlane = { store, profiles: registryProfiles };
    token = (await createOperatorToken(cp, 'e2e')).token;
    server = await buildServer({
      store,
      controlPlane: cp,
      version: 'test',
      tokens: { verify: (t) => verifyOperatorToken(cp, t) },
    });
    base = await server.app.listen({ host: '127.0.0.1', port: 0 });
  });

  after(async () => {
    await server?.close();
    await store?.close();
    await source?.drop(failed);
    await tenantDb?.drop(failed);
    dir.remove();
  });

  async function api<T>(
    method: string,
    path: string,
    body?: unknown,
    expect = [200, 201, 202, 204],
  ): Promise<T> {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    assert.ok(expect.includes(res.status), `${method} ${path} answered ${res.status}: ${text}`);
    return (text === '' ? null : JSON.parse(text)) as T;
  }

  /** Start a run and follow its Server-Sent Events to the end; answer the run as reported. */
  async function run(
    migrationId: string,
    kind?: string,
  ): Promise<{ kind?: string; status: string; tables: { table: string; status: string }[] }> {
    const started = await api<{ runId: string; kind?: string }>(
      'POST',
      `/migrations/${migrationId}/runs`,
      kind === undefined ? {} : { kind },
    );
    const events = await fetch(`${base}/api/v1/runs/${started.runId}/events`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.match(await events.text(), /event: run-finished/);
    // After the engine finishes, the gate still moves the phase on and releases the migration.
    for (let i = 0; i < 300; i++) {
      const view = await api<{ migration: { activeRunId: string | null } }>(
        'GET',
        `/migrations/${migrationId}`,
      );
      if (view.migration.activeRunId === null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const report = await api<{ status: string; tables: { table: string; status: string }[] }>(
      'GET',
      `/runs/${started.runId}`,
    );
    return { ...report, ...(started.kind === undefined ? {} : { kind: started.kind }) };
  }

  it('goes from plan to go-live and refuses any run afterwards', async () => {
    try {
      const created = await api<{ migration: { id: string; phase: string } }>('POST', '/migrations', {
        installationPath: join(dir.path, 'acme', 'installation.yaml'),
        profileId: 'crm',
        tenantId: 'acme',
        tenantDatabaseUrl: tenantDb.url,
      });
      const id = created.migration.id;
      assert.equal(created.migration.phase, 'planning');

      // A run before the plan is signed by both parties is refused.
      await api('POST', `/migrations/${id}/runs`, { kind: 'test' }, [409]);
      await api('PUT', `/migrations/${id}/plan/activities`, {
        activities: [
          { activity: 'First migration', owner: 'migrator', estimate: '4h', deadline: '2027-01-31' },
        ],
      });
      await api('POST', `/migrations/${id}/plan/signatures`, { party: 'vendor', name: 'Vera Vendor' });
      await api('POST', `/migrations/${id}/plan/signatures`, { party: 'customer', name: 'Carl Customer' });

      const test = await run(id);
      assert.equal(
        (test as { error?: unknown }).error ?? null,
        null,
        JSON.stringify((test as { error?: unknown }).error),
      );
      assert.equal(test.kind, 'test');
      assert.ok(['succeeded', 'succeeded-with-warnings'].includes(test.status), JSON.stringify(test.tables));
      let view = await api<{ migration: { phase: string }; tenant: { state: string } }>(
        'GET',
        `/migrations/${id}`,
      );
      assert.equal(view.migration.phase, 'parallel');
      assert.equal(view.tenant.state, 'offline-maintenance');

      // Changes on the source during the parallel phase reach the tenant with an incremental run
      // (inserts, updates and deletes; no change tracking on this source, so by checksum comparison).
      const mariadb = await mysql.createConnection({ uri: source.url });
      await mariadb.query("UPDATE persons SET first_name = 'Renamed' WHERE id IN (2, 3)");
      await mariadb.query(
        `INSERT INTO persons (id, company_id, first_name, last_name, email, phone, birth_date, score, is_active, updated_at)
         SELECT id + 1000000, company_id, 'Inserted', last_name, email, phone, birth_date, score, is_active, updated_at
           FROM persons WHERE id = 4`,
      );
      await mariadb.query(
        'DELETE FROM user_preferences WHERE id = (SELECT min(id) FROM (SELECT id FROM user_preferences) p)',
      );
      await mariadb.end();
      const incremental = await run(id, 'incremental');
      assert.ok(
        ['succeeded', 'succeeded-with-warnings'].includes(incremental.status),
        JSON.stringify(incremental.tables),
      );
      const check = await verifyDatabases({
        from: source.url,
        to: `${tenantDb.url}?schema=tenant_acme`,
        exclude: ['role_permissions'], // permission tables are never migrated
        parallel: 2,
        chunkRows: 100000,
      });
      const differing = check.filter((t) => t.status === 'failed');
      assert.deepEqual(differing, [], 'after the incremental run the tenant equals the source');
      const inTenant = new pg.Client({ connectionString: tenantDb.url });
      await inTenant.connect();
      const inserted = await inTenant.query(
        "SELECT count(*)::int AS n FROM tenant_acme.persons WHERE first_name = 'Inserted'",
      );
      await inTenant.end();
      assert.equal(inserted.rows[0].n, 1, 'the row inserted on the source reached the tenant');

      // A final run before approval is refused.
      await api('POST', `/migrations/${id}/runs`, { kind: 'final' }, [409]);

      // The customer edits the tenant during the parallel phase.
      const tenant = new pg.Client({ connectionString: tenantDb.url });
      await tenant.connect();
      const original = (await tenant.query('SELECT id, name FROM tenant_acme.companies ORDER BY id LIMIT 1'))
        .rows[0] as { id: string; name: string };
      await tenant.query("UPDATE tenant_acme.companies SET name = 'edited in the cloud' WHERE id = $1", [
        original.id,
      ]);

      const items = await api<{ id: string }[]>('GET', `/migrations/${id}/checklist/items`);
      assert.ok(items.length > 0);
      await api(
        'POST',
        `/migrations/${id}/approval/signatures`,
        { party: 'vendor', name: 'Vera Vendor' },
        [409],
      );
      for (const item of items)
        await api('POST', `/migrations/${id}/checklist/items/${item.id}/result`, {
          result: 'passed',
          by: 'Tess Tester',
        });
      await api('POST', `/migrations/${id}/approval/signatures`, { party: 'vendor', name: 'Vera Vendor' });
      await api('POST', `/migrations/${id}/approval/signatures`, {
        party: 'customer',
        name: 'Carl Customer',
      });

      const final = await run(id);
      assert.equal(final.kind, 'final');
      assert.ok(
        ['succeeded', 'succeeded-with-warnings'].includes(final.status),
        JSON.stringify(final.tables),
      );
      const restored = (
        await tenant.query('SELECT name FROM tenant_acme.companies WHERE id = $1', [original.id])
      ).rows[0] as { name: string };
      await tenant.end();
      assert.equal(restored.name, original.name, 'the final run overwrote the tenant-side edit');

      await api('POST', `/migrations/${id}/go-live`);
      view = await api('GET', `/migrations/${id}`);
      assert.equal(view.migration.phase, 'live');
      assert.equal(view.tenant.state, 'running');

      const refused = await fetch(`${base}/api/v1/migrations/${id}/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'incremental' }),
      });
      assert.equal(refused.status, 409);
      const error = (await refused.json()) as { code: string; message: string };
      assert.equal(error.code, 'FERRY_ILLEGAL_TRANSITION');
      assert.match(error.message, /live/);
    } catch (error) {
      failed = true;
      throw error;
    }
  });
});
