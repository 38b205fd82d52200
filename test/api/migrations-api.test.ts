// The control-plane API over real HTTP: one migration of a generated crm installation (SQLite
// tenant) from create through plan, signatures, checklist and approval to go-live, and the
// refusals on the way; runs are simulated by the run-gate calls the run service makes. Also the
// settings (companies, schedule, runtime key, update check), checks, tenants and validation.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildServer, type FerryServer } from '../../src/api/server.ts';
import { registryProfiles } from '../../src/cli/control-plane-session.ts';
import type { RunKind } from '../../src/domain/migration-rules.ts';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { defaultRunOptions } from '../../src/services/copy-runs.ts';
import { createRunGate } from '../../src/services/run-gate.ts';
import { verifyRuntimeKey } from '../../src/services/runtime-keys.ts';
import { createOperatorToken, verifyOperatorToken } from '../../src/services/tokens.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { ProcessHeartbeatRepository } from '../../src/store/process-heartbeat-repository.ts';
import { freshDatabase, POSTGRES_ADMIN_URL, skipUnless, tempDir } from '../support/servers.ts';

const pgSkip = await skipUnless('postgres');

interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

interface View {
  migration: { id: string; phase: string; tenantId: string };
  tenant: { state: string; databaseUrl: string };
  plan: { activities: unknown[]; signatures: { party: string; name: string }[]; missing: string[] };
  approval: { missing: string[] };
  checklist: { id: string; status: string; decidedBy: string | null }[];
  activeRun: { id: string } | null;
  schedule: { nextRunAt: string | null } | null;
}

interface ErrorBody {
  code: string;
  message: string;
  hint: string;
  details: Record<string, unknown>;
}

describe('HTTP API: migrations', () => {
  const dir = tempDir('api-migrations');
  const installation = join(dir.path, 'acme', 'installation.yaml');
  // A second installation: go-live archives the first one for good.
  const betaInstallation = join(dir.path, 'beta', 'installation.yaml');
  let store: Store;
  let cp: ControlPlane;
  let server: FerryServer;
  let base = '';
  let token = '';

  before(async () => {
    await initInstallation({ dir: join(dir.path, 'acme'), size: 'small' });
    await initInstallation({ dir: join(dir.path, 'beta'), size: 'small' });
    store = await openStore({ home: join(dir.path, 'home') });
    cp = { store, profiles: registryProfiles };
    token = (await createOperatorToken(cp, 'migrations api test')).token;
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

  async function call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    auth = true,
  ): Promise<Answer<T>> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(auth ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? null : JSON.parse(text)) as T };
  }

  /** Calls that must succeed with `status`; the failure message shows the error body. */
  async function ok<T = Record<string, unknown>>(
    status: number,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> {
    const r = await call<T>(method, path, body);
    assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** What the run service does around a run: create it, pass the gate, end it successfully. */
  async function simulateRun(migrationId: string, kind: RunKind): Promise<void> {
    const runId = `r-${kind}-${Date.now()}`;
    await store.createRun({
      id: runId,
      kind,
      migrationId,
      status: 'running',
      step: 'planned',
      sourceUrl: 'sqlite:source.db',
      targetUrl: 'sqlite:target.db',
      sourceLocation: 'sqlite:source.db',
      targetLocation: 'sqlite:target.db',
      options: { ...defaultRunOptions, replace: false },
      plan: null,
    });
    const gate = createRunGate(cp);
    await gate.assertRunAllowed(migrationId, kind);
    await gate.runStarted(migrationId, runId, kind, { companyName: 'Acme AB', serialNumber: 'SN-1' });
    await store.updateRun(runId, { status: 'succeeded' });
    await gate.runEnded(migrationId, runId, kind, 'succeeded');
  }

  const createAcme = (tenantId: string, installationPath = installation) =>
    call<View>('POST', '/api/v1/migrations', { installationPath, profileId: 'crm', tenantId });

  it('walks one migration from create to go-live and refuses an action afterwards with 409', async () => {
    const created = await createAcme('acme');
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.migration.id;
    assert.equal(created.body.migration.phase, 'planning');
    assert.equal(created.body.tenant.state, 'provisioned');
    assert.deepEqual(created.body.plan.missing, ['vendor', 'customer']);

    const listed = await ok<{ id: string }[]>(200, 'GET', '/api/v1/migrations');
    assert.deepEqual(
      listed.map((m) => m.id),
      [id],
    );

    // A plan signature before the plan has activities is refused with the reason.
    const early = await call<ErrorBody>('POST', `/api/v1/migrations/${id}/plan/signatures`, {
      party: 'vendor',
      name: 'Vera Vendor',
    });
    assert.equal(early.status, 409);
    assert.equal(early.body.code, 'FERRY_ILLEGAL_TRANSITION');
    assert.match(early.body.message, /the plan has no activities yet/);

    const plan = await ok<{ totalEstimateMinutes: number; activities: { estimateMinutes: number }[] }>(
      200,
      'PUT',
      `/api/v1/migrations/${id}/plan/activities`,
      {
        activities: [
          { activity: 'Test migration', owner: 'Vendor team', estimate: '4h', deadline: '2027-01-31' },
          { activity: 'User acceptance', owner: 'Customer', estimate: '1h30m', deadline: '2027-02-15' },
        ],
      },
    );
    assert.equal(plan.totalEstimateMinutes, 330);
    const vendor = await ok<{ signature: { name: string }; missing: string[] }>(
      201,
      'POST',
      `/api/v1/migrations/${id}/plan/signatures`,
      { party: 'vendor', name: 'Vera Vendor' },
    );
    assert.equal(vendor.signature.name, 'Vera Vendor');
    assert.deepEqual(vendor.missing, ['customer']);
    const twice = await call<ErrorBody>('POST', `/api/v1/migrations/${id}/plan/signatures`, {
      party: 'vendor',
      name: 'Vera Vendor',
    });
    assert.equal(twice.status, 409);
    assert.match(twice.body.message, /the vendor already signed it/);
    await ok(201, 'POST', `/api/v1/migrations/${id}/plan/signatures`, { party: 'customer', name: 'Carl' });
    const planView = await ok<View['plan']>(200, 'GET', `/api/v1/migrations/${id}/plan`);
    assert.deepEqual(planView.missing, []);
    assert.deepEqual(planView.signatures.map((s) => s.party).sort(), ['customer', 'vendor']);

    await simulateRun(id, 'test');
    let view = await ok<View>(200, 'GET', `/api/v1/migrations/${id}`);
    assert.equal(view.migration.phase, 'parallel');
    assert.equal(view.tenant.state, 'offline-maintenance');
    assert.equal(view.activeRun, null);

    const custom = await ok<{ id: string; origin: string; status: string }>(
      201,
      'POST',
      `/api/v1/migrations/${id}/checklist/items`,
      { title: 'Invoices print with the new layout' },
    );
    assert.deepEqual([custom.origin, custom.status], ['custom', 'open']);
    const items = await ok<View['checklist']>(200, 'GET', `/api/v1/migrations/${id}/checklist/items`);
    assert.ok(items.length > 1 && items.some((i) => i.id === custom.id));

    const notYet = await call<ErrorBody>('POST', `/api/v1/migrations/${id}/approval/signatures`, {
      party: 'vendor',
      name: 'Vera Vendor',
    });
    assert.equal(notYet.status, 409);
    assert.match(notYet.body.message, /the checklist is not complete/);
    assert.ok(Array.isArray(notYet.body.details.itemsNotPassed));

    const unknownItem = await call<ErrorBody>(
      'POST',
      `/api/v1/migrations/${id}/checklist/items/no-such-item/result`,
      { result: 'passed', by: 'Carl' },
    );
    assert.equal(unknownItem.status, 404);
    assert.equal(unknownItem.body.code, 'FERRY_CHECKLIST_ITEM_NOT_FOUND');

    for (const item of items) {
      const r = await ok<{ item: { status: string; decidedBy: string } }>(
        200,
        'POST',
        `/api/v1/migrations/${id}/checklist/items/${item.id}/result`,
        { result: 'passed', by: 'Carl Customer' },
      );
      assert.deepEqual([r.item.status, r.item.decidedBy], ['passed', 'Carl Customer']);
    }
    const first = await ok<{ missing: string[]; migration: { phase: string } }>(
      201,
      'POST',
      `/api/v1/migrations/${id}/approval/signatures`,
      { party: 'vendor', name: 'Vera Vendor' },
    );
    assert.deepEqual([first.missing, first.migration.phase], [['customer'], 'parallel']);
    const second = await ok<{ missing: string[]; migration: { phase: string } }>(
      201,
      'POST',
      `/api/v1/migrations/${id}/approval/signatures`,
      { party: 'customer', name: 'Carl Customer' },
    );
    assert.deepEqual([second.missing, second.migration.phase], [[], 'approved']);

    await simulateRun(id, 'final');
    const live = await ok<View>(200, 'POST', `/api/v1/migrations/${id}/go-live`);
    assert.equal(live.migration.phase, 'live');
    assert.equal(live.tenant.state, 'running');

    const refused = await call<ErrorBody>('POST', `/api/v1/migrations/${id}/pause`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'FERRY_ILLEGAL_TRANSITION');
    assert.match(refused.body.message, /is live/);
    const noSchedule = await call<ErrorBody>('PUT', `/api/v1/migrations/${id}/schedule`, {
      cron: '0 2 * * *',
    });
    assert.equal(noSchedule.status, 409);
    assert.match(noSchedule.body.message, /nothing of any kind may run or change after go-live/);
    view = await ok<View>(200, 'GET', `/api/v1/migrations/${id}`);
    assert.equal(view.migration.phase, 'live');
  });

  it('answers 404 for unknown ids and 409 when a tenant is taken', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/migrations/m-nope'],
      ['POST', '/api/v1/migrations/m-nope/abandon'],
      ['GET', '/api/v1/migrations/m-nope/checklist/items'],
      ['GET', '/api/v1/migrations/m-nope/runtime-key'],
      ['GET', '/api/v1/migrations/m-nope/schedule'],
    ] as const) {
      const r = await call<ErrorBody>(method, path);
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(r.body.code, 'FERRY_MIGRATION_NOT_FOUND');
    }
    const tenant = await call<ErrorBody>('GET', '/api/v1/tenants/nobody');
    assert.deepEqual([tenant.status, tenant.body.code], [404, 'FERRY_TENANT_NOT_FOUND']);
    const taken = await createAcme('acme');
    assert.equal(taken.status, 409);
    assert.equal((taken.body as unknown as ErrorBody).code, 'FERRY_TENANT_IN_USE');
  });

  it('answers a bad body with 400 naming the field, and refuses requests without a token', async () => {
    const missing = await call<ErrorBody>('POST', '/api/v1/migrations', {
      installationPath: installation,
      tenantId: 'beta',
    });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.code, 'FERRY_INVALID_ARGUMENT');
    assert.match(missing.body.message, /profileId/);
    const badTenant = await call<ErrorBody>('POST', '/api/v1/migrations', {
      installationPath: installation,
      profileId: 'crm',
      tenantId: 'Not A Tenant',
    });
    assert.equal(badTenant.status, 400);
    assert.match(badTenant.body.message, /tenantId/);
    const badParty = await call<ErrorBody>('POST', '/api/v1/migrations/m-nope/plan/signatures', {
      party: 'auditor',
      name: 'A',
    });
    assert.equal(badParty.status, 400);
    assert.match(badParty.body.message, /party/);
    const badVersion = await call<ErrorBody>('GET', '/api/v1/migrations/m-nope/update-check?workerVersion=x');
    assert.equal(badVersion.status, 400);
    assert.match(badVersion.body.message, /workerVersion/);

    for (const [method, path] of [
      ['GET', '/api/v1/migrations'],
      ['POST', '/api/v1/migrations'],
      ['GET', '/api/v1/tenants'],
      ['GET', '/api/v1/tokens'],
    ] as const) {
      const r = await call<ErrorBody>(method, path, undefined, false);
      assert.deepEqual([r.status, r.body.code], [401, 'FERRY_UNAUTHORIZED'], `${method} ${path}`);
    }
  });

  it('selects companies, schedules runs, shows the runtime key once, checks for updates and runs checks', async () => {
    const created = await createAcme('beta', betaInstallation);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.migration.id;

    const companies = await ok<{ id: string; estimatedRows: number; selected: boolean }[]>(
      200,
      'GET',
      `/api/v1/migrations/${id}/companies`,
    );
    assert.ok(companies.length > 0);
    assert.ok(companies.every((c) => c.selected && c.estimatedRows >= 0));
    const firstCompany = companies[0]!.id;
    const chosen = await ok<{ selectedCompanies: string[] }>(
      200,
      'PUT',
      `/api/v1/migrations/${id}/companies/selection`,
      { companyIds: [firstCompany] },
    );
    assert.deepEqual(chosen.selectedCompanies, [firstCompany]);
    const unknown = await call<ErrorBody>('PUT', `/api/v1/migrations/${id}/companies/selection`, {
      companyIds: ['no-such-company'],
    });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.message, /no-such-company/);

    const empty = await ok<{ schedule: null }>(200, 'GET', `/api/v1/migrations/${id}/schedule`);
    assert.equal(empty.schedule, null);
    const put = await ok<{ schedule: { cron: string; timeZone: string; nextRunAt: string } }>(
      200,
      'PUT',
      `/api/v1/migrations/${id}/schedule`,
      { cron: '0 2 * * *', timeZone: 'Europe/Oslo' },
    );
    assert.equal(put.schedule.timeZone, 'Europe/Oslo');
    assert.ok(Date.parse(put.schedule.nextRunAt) > Date.now());
    const badCron = await call<ErrorBody>('PUT', `/api/v1/migrations/${id}/schedule`, { cron: 'every day' });
    assert.equal(badCron.status, 400);
    assert.match(badCron.body.message, /not a valid cron expression/);
    const got = await ok<{ schedule: { nextRunAt: string } }>(
      200,
      'GET',
      `/api/v1/migrations/${id}/schedule`,
    );
    assert.equal(got.schedule.nextRunAt, put.schedule.nextRunAt);
    assert.equal((await call('DELETE', `/api/v1/migrations/${id}/schedule`)).status, 204);
    assert.equal(
      (await ok<{ schedule: null }>(200, 'GET', `/api/v1/migrations/${id}/schedule`)).schedule,
      null,
    );

    const key = await ok<{ key: string; hint: string }>(200, 'GET', `/api/v1/migrations/${id}/runtime-key`);
    assert.match(key.key, /^ferry_rk_/);
    assert.equal(key.hint, key.key.slice(-4));
    const again = await ok<{ key: string | null; hint: string }>(
      200,
      'GET',
      `/api/v1/migrations/${id}/runtime-key`,
    );
    assert.deepEqual(again, { ...again, key: null, hint: key.hint });
    const reset = await ok<{ key: string }>(200, 'POST', `/api/v1/migrations/${id}/runtime-key/reset`);
    assert.notEqual(reset.key, key.key);
    assert.equal(await verifyRuntimeKey(cp, key.key), null, 'the old key is refused at once');
    assert.equal(await verifyRuntimeKey(cp, reset.key), id);

    // Over HTTP the runtime key is the agent's credential: its own migration's agent endpoints only.
    const asAgent = async (secret: string, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${secret}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as { code?: string; updateAvailable?: boolean } };
    };
    const beat = await asAgent(reset.key, 'POST', `/api/v1/migrations/${id}/agent/heartbeat`, {
      agentId: 'onprem-1',
      version: '0.0.1',
    });
    assert.equal(beat.status, 200, JSON.stringify(beat.body));
    assert.equal(beat.body.updateAvailable, true, 'an old agent is told to update');
    assert.equal((await asAgent(reset.key, 'GET', `/api/v1/migrations/${id}`)).status, 200);
    const elsewhere = await asAgent(reset.key, 'GET', '/api/v1/migrations');
    assert.equal(elsewhere.status, 403);
    assert.equal(elsewhere.body.code, 'FERRY_FORBIDDEN');
    assert.equal((await asAgent(reset.key, 'POST', `/api/v1/migrations/${id}/pause`)).status, 403);
    const replaced = await asAgent(key.key, 'POST', `/api/v1/migrations/${id}/agent/heartbeat`, {
      agentId: 'onprem-1',
      version: '0.0.1',
    });
    assert.equal(replaced.status, 401, 'the replaced key is refused over HTTP at once');
    assert.equal(replaced.body.code, 'FERRY_UNAUTHORIZED');
    const badBeat = await call<ErrorBody>('POST', `/api/v1/migrations/${id}/agent/heartbeat`, {
      agentId: '',
    });
    assert.equal(badBeat.status, 400);

    const old = await ok<{ updateAvailable: boolean; controlPlaneVersion: string }>(
      200,
      'GET',
      `/api/v1/migrations/${id}/update-check?workerVersion=0.0.1`,
    );
    assert.equal(old.updateAvailable, true);
    const same = await ok<{ updateAvailable: boolean }>(
      200,
      'GET',
      `/api/v1/migrations/${id}/update-check?workerVersion=${old.controlPlaneVersion}`,
    );
    assert.equal(same.updateAvailable, false);
    // A newer server beating on the store is the control plane's version; live workers are listed.
    const beats = new ProcessHeartbeatRepository(cp.store.kysely);
    await beats.beat(
      { id: 'server-next', role: 'server', version: '99.0.0', migrationId: null },
      new Date().toISOString(),
    );
    await beats.beat(
      { id: 'w-old', role: 'worker', version: '0.0.1', migrationId: null },
      new Date().toISOString(),
    );
    const fleetView = await ok<{
      updateAvailable: boolean;
      controlPlaneVersion: string;
      workers: { id: string; updateAvailable: boolean }[];
    }>(200, 'GET', `/api/v1/migrations/${id}/update-check?workerVersion=${old.controlPlaneVersion}`);
    assert.equal(fleetView.controlPlaneVersion, '99.0.0');
    assert.equal(fleetView.updateAvailable, true);
    assert.deepEqual(
      fleetView.workers.map((w) => [w.id, w.updateAvailable]),
      [['w-old', true]],
    );
    await beats.remove('server-next');
    await beats.remove('w-old');

    const report = await ok<{
      blocking: boolean;
      installation: { database: string };
      results: { id: string; outcome: string; count: number }[];
    }>(200, 'POST', `/api/v1/migrations/${id}/checks`);
    assert.ok(report.results.length > 1);
    assert.equal(report.blocking, true, 'the generated installation has blocking problems planted');
    assert.ok(report.results.some((r) => r.outcome === 'blocking' && r.count > 0));
    const one = report.results[0]!.id;
    const only = await ok<{ results: { id: string }[] }>(200, 'POST', `/api/v1/migrations/${id}/checks`, {
      only: [one],
    });
    assert.deepEqual(
      only.results.map((r) => r.id),
      [one],
    );

    const paused = await ok<View>(200, 'POST', `/api/v1/migrations/${id}/pause`);
    assert.equal(paused.migration.phase, 'paused');
    const resumed = await ok<View>(200, 'POST', `/api/v1/migrations/${id}/resume`);
    assert.equal(resumed.migration.phase, 'planning');
    const wiped = await ok<View & { removed: { tables: number } }>(
      200,
      'POST',
      `/api/v1/migrations/${id}/reset-cloud-data`,
    );
    assert.equal(wiped.removed.tables, 0);
    const abandoned = await ok<View>(200, 'POST', `/api/v1/migrations/${id}/abandon`);
    assert.equal(abandoned.migration.phase, 'abandoned');
    assert.equal(abandoned.tenant.state, 'archived');

    const tenants = await ok<{ id: string; state: string; migrations: { id: string }[] }[]>(
      200,
      'GET',
      '/api/v1/tenants',
    );
    assert.deepEqual(
      tenants.map((t) => [t.id, t.state]),
      [
        ['acme', 'running'],
        ['beta', 'archived'],
      ],
    );
    const beta = await ok<{ migrations: { id: string; phase: string }[] }>(
      200,
      'GET',
      '/api/v1/tenants/beta',
    );
    assert.deepEqual(beta.migrations, [{ id, phase: 'abandoned' }]);
  });

  it('keeps a PostgreSQL tenant database URL password out of every answer', { skip: pgSkip }, async () => {
    const db = await freshDatabase('postgres', 'api_tenant');
    try {
      // The test server trusts local connections, so any password works; it must never be shown.
      const withPassword = db.url.replace('postgres://postgres@', 'postgres://postgres:s3cretpw@');
      assert.notEqual(withPassword, db.url, `expected a postgres@ URL, got ${POSTGRES_ADMIN_URL}`);
      const created = await call<View>('POST', '/api/v1/migrations', {
        installationPath: betaInstallation,
        profileId: 'crm',
        tenantId: 'gamma',
        tenantDatabaseUrl: withPassword,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.match(created.body.tenant.databaseUrl, /schema=tenant_gamma/);
      const texts = await Promise.all(
        [`/api/v1/migrations/${created.body.migration.id}`, '/api/v1/tenants', '/api/v1/tenants/gamma'].map(
          async (path) => JSON.stringify((await ok(200, 'GET', path)) as unknown),
        ),
      );
      for (const text of [JSON.stringify(created.body), ...texts]) assert.doesNotMatch(text, /s3cretpw/);
    } finally {
      await db.drop();
    }
  });
});
