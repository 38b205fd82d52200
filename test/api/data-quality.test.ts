// The data-quality routes over real HTTP on a loaded SQLite tenant: sanitize find (source) and fix
// (tenant) with counts per table and column, sanitize-on-load, companion repair (then nothing),
// the setup checklist of a run, and the refusals: 400 naming the field, 409 before a load, 404.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildServer, type FerryServer } from '../../src/api/server.ts';
import { registryProfiles } from '../../src/cli/control-plane-session.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { createMigration } from '../../src/services/migrations.ts';
import { createOperatorToken, verifyOperatorToken } from '../../src/services/tokens.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { tempDir } from '../support/servers.ts';
import { loadedMigration } from '../services/sanitize-fixture.ts';

interface Answer {
  status: number;
  body: Record<string, unknown> & { code?: string; message?: string };
}

describe('HTTP API: data quality', () => {
  const dir = tempDir('api-data-quality');
  let store: Store;
  let cp: ControlPlane;
  let server: FerryServer;
  let base = '';
  let token = '';
  let migrationId = '';
  let runId = '';
  let installationFile = '';

  before(async () => {
    store = await openStore({ home: join(dir.path, 'home') });
    cp = { store, profiles: registryProfiles };
    ({ migrationId, runId, installationFile } = await loadedMigration(cp, dir.path, 'dq'));
    token = (await createOperatorToken(cp, 'data quality api test')).token;
    server = await buildServer({
      store,
      controlPlane: cp,
      version: '0.0.0-test',
      tokens: { verify: (t) => verifyOperatorToken(cp, t) },
    });
    base = await server.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await server?.close();
    await store?.close();
    dir.remove();
  });

  async function call(method: string, path: string, body?: unknown): Promise<Answer> {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  }

  const perColumn = (body: Answer['body'], field: 'found' | 'fixed') =>
    Object.fromEntries(
      (body.columns as { table: string; column: string; found: number; fixed: number }[]).map((c) => [
        `${c.table}.${c.column}`,
        c[field],
      ]),
    );
  const planted = { 'companies.name': 3, 'persons.last_name': 3, 'appointments.title': 3 };

  it('finds the planted invalid characters in the source, per table and column', async () => {
    const r = await call('POST', `/migrations/${migrationId}/sanitize`, { mode: 'find' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.where, 'source');
    assert.equal(r.body.found, 9);
    assert.equal(r.body.fixed, null);
    assert.deepEqual(perColumn(r.body, 'found'), planted);
  });

  it('fixes them in the tenant copy, then finds nothing more to fix', async () => {
    const r = await call('POST', `/migrations/${migrationId}/sanitize`, { mode: 'fix' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.where, 'tenant');
    assert.deepEqual(perColumn(r.body, 'fixed'), planted);
    const again = await call('POST', `/migrations/${migrationId}/sanitize`, { mode: 'fix' });
    assert.deepEqual([again.body.found, again.body.fixed], [0, 0]);
    const source = await call('POST', `/migrations/${migrationId}/sanitize`, { mode: 'find' });
    assert.equal(source.body.found, 9, 'the source keeps its values');
  });

  it('turns sanitize-on-load on and reads it back', async () => {
    assert.deepEqual((await call('GET', `/migrations/${migrationId}/sanitize-on-load`)).body, {
      migrationId,
      sanitizeOnLoad: false,
    });
    const r = await call('PUT', `/migrations/${migrationId}/sanitize-on-load`, { enabled: true });
    assert.deepEqual(r.body, { migrationId, sanitizeOnLoad: true });
    const bad = await call('PUT', `/migrations/${migrationId}/sanitize-on-load`, { enabled: 'yes' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message ?? '', /enabled/);
  });

  it('repairs the missing companion records once', async () => {
    const r = await call('POST', `/migrations/${migrationId}/repair-companions`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.inserted, 4);
    assert.deepEqual(r.body.companions, [
      { base: 'companies', companion: 'company_extensions', inserted: 4 },
    ]);
    assert.equal((await call('POST', `/migrations/${migrationId}/repair-companions`)).body.inserted, 0);
  });

  it("answers the run's setup checklist", async () => {
    const r = await call('GET', `/runs/${runId}/setup-checklist`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const items = r.body.items as { table: string; category: string; setup: string }[];
    assert.deepEqual(
      items.map((i) => [i.table, i.category]),
      [['role_permissions', 'excluded']],
    );
    assert.match(items[0]?.setup ?? '', /Assign the cloud roles/);
    assert.equal((await call('GET', '/runs/run-unknown/setup-checklist')).body.code, 'FERRY_RUN_NOT_FOUND');
  });

  it('refuses an unknown mode (400 naming the field) and a tenant without a load (409)', async () => {
    const bad = await call('POST', `/migrations/${migrationId}/sanitize`, { mode: 'scrub' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message ?? '', /mode/);
    const { migration } = await createMigration(cp, {
      installationPath: installationFile,
      profileId: 'crm',
      tenantId: 'dq-empty',
    });
    const fix = await call('POST', `/migrations/${migration.id}/sanitize`, { mode: 'fix' });
    assert.equal(fix.status, 409);
    assert.equal(fix.body.code, 'FERRY_TENANT_NOT_LOADED');
    const repair = await call('POST', `/migrations/${migration.id}/repair-companions`);
    assert.equal(repair.status, 409);
    const unknown = await call('POST', '/migrations/m-nope/sanitize', { mode: 'find' });
    assert.equal(unknown.status, 404);
  });
});
