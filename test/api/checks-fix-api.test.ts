// A check's fix over real HTTP: crm's SentryAddonNames preferences planted in a generated `small`
// installation are deleted from the source by POST …/checks/:checkId/fix, the check passes again,
// a second fix changes nothing; an unknown check is 404, a check without a fix 400. Before that, a
// run is refused while blocking checks fail (409 FERRY_CHECKS_BLOCKING), a diagnostic run is not.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildServer, type FerryServer } from '../../src/api/server.ts';
import { registryProfiles } from '../../src/cli/control-plane-session.ts';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import { sentryPreferenceIds } from '../../src/profiles/crm/planted-problems.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { setPlan, signPlan } from '../../src/services/migrations.ts';
import { createOperatorToken, verifyOperatorToken } from '../../src/services/tokens.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { tempDir } from '../support/servers.ts';

describe('HTTP API: check fixes', () => {
  const dir = tempDir('api-check-fix');
  let store: Store;
  let cp: ControlPlane;
  let server: FerryServer;
  let base = '';
  let token = '';
  let m = '';

  before(async () => {
    await initInstallation({ dir: join(dir.path, 'acme'), size: 'small' });
    store = await openStore({ home: join(dir.path, 'home') });
    cp = { store, profiles: registryProfiles };
    token = (await createOperatorToken(cp, 'check fix test')).token;
    server = await buildServer({
      store,
      controlPlane: cp,
      version: '0.0.0-test',
      tokens: { verify: (t) => verifyOperatorToken(cp, t) },
    });
    base = await server.app.listen({ host: '127.0.0.1', port: 0 });
    const created = await post<{ migration: { id: string } }>('/api/v1/migrations', {
      installationPath: join(dir.path, 'acme', 'installation.yaml'),
      profileId: 'crm',
      tenantId: 'acme-fix',
    });
    assert.equal(created.status, 201);
    m = created.body.migration.id;
  });

  after(async () => {
    await server?.close();
    await store?.close();
    dir.remove();
  });

  async function post<T>(path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  interface Result {
    id: string;
    outcome: string;
    count: number;
    fixAvailable: boolean;
  }

  it('refuses a run with 409 FERRY_CHECKS_BLOCKING naming the blocking checks; a diagnostic run is accepted', async () => {
    await setPlan(cp, m, [
      { activity: 'first migration', owner: 'migrator', estimate: '1h', deadline: '2027-01-31' },
    ]);
    await signPlan(cp, m, 'vendor', 'Vera Vendor');
    await signPlan(cp, m, 'customer', 'Carl Customer');
    const refused = await post<{ code: string; message: string }>(`/api/v1/migrations/${m}/runs`, {
      kind: 'test',
    });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'FERRY_CHECKS_BLOCKING');
    assert.match(refused.body.message, /crm\.[a-z-]+/, 'the blocking checks are named');
    const blocking = (
      await post<{ results: Result[] }>(`/api/v1/migrations/${m}/checks`)
    ).body.results.filter((r) => r.outcome === 'blocking');
    for (const check of blocking) assert.ok(refused.body.message.includes(check.id), `${check.id} is named`);
    const diagnostic = await post<{ runId: string }>(`/api/v1/migrations/${m}/runs`, { kind: 'diagnostic' });
    assert.equal(diagnostic.status, 202, JSON.stringify(diagnostic.body));
    // Let it finish before the next test changes the source.
    for (let i = 0; i < 200; i++) {
      const run = (await cp.store.getRun(diagnostic.body.runId))!;
      if (!['queued', 'running'].includes(run.status)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it('deletes the SentryAddonNames preferences from the source, and the check passes again', async () => {
    const checks = await post<{ results: Result[] }>(`/api/v1/migrations/${m}/checks`, {
      only: ['crm.sentry-addon-preferences'],
    });
    const before = checks.body.results[0];
    assert.equal(before?.count, sentryPreferenceIds('small').length);
    assert.equal(before?.fixAvailable, true);
    const fixed = await post<{ checkId: string; changed: number; description: string; after: Result }>(
      `/api/v1/migrations/${m}/checks/crm.sentry-addon-preferences/fix`,
    );
    assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
    assert.equal(fixed.body.changed, sentryPreferenceIds('small').length);
    assert.deepEqual([fixed.body.after.outcome, fixed.body.after.count], ['pass', 0]);
    const rerun = await post<{ results: Result[] }>(`/api/v1/migrations/${m}/checks`, {
      only: ['crm.sentry-addon-preferences'],
    });
    assert.equal(rerun.body.results[0]?.outcome, 'pass');
    const again = await post<{ changed: number }>(
      `/api/v1/migrations/${m}/checks/crm.sentry-addon-preferences/fix`,
    );
    assert.equal(again.body.changed, 0, 'nothing left to fix');
  });

  it('answers 404 for an unknown check and 400 for a check that offers no fix', async () => {
    const unknown = await post<{ code: string; message: string }>(
      `/api/v1/migrations/${m}/checks/crm.nope/fix`,
    );
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'FERRY_CHECK_NOT_FOUND');
    assert.match(unknown.body.message, /has no check "crm.nope"/);
    const all = await post<{ results: Result[] }>(`/api/v1/migrations/${m}/checks`);
    const noFix = all.body.results.find((r) => !r.fixAvailable);
    assert.ok(noFix);
    const refused = await post<{ code: string; message: string }>(
      `/api/v1/migrations/${m}/checks/${noFix.id}/fix`,
    );
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, 'FERRY_INVALID_ARGUMENT');
    assert.match(refused.body.message, /offers no fix; checks with a fix: .*crm.sentry-addon-preferences/);
    const missing = await post<{ code: string }>(
      '/api/v1/migrations/m-nope/checks/crm.sentry-addon-preferences/fix',
    );
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'FERRY_MIGRATION_NOT_FOUND');
  });
});
