// Company initialization over real HTTP (the server's in-process job queue, SQLite store): start
// it for the erp companies and the crm's one company, follow each company's status until it
// succeeded and find the effect in the tenant; while a company is being initialized, starting it
// again and changing the selection that includes it are answered 409 FERRY_COMPANY_BUSY.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildServer, type FerryServer } from '../../src/api/server.ts';
import { openTarget } from '../../src/connectors/registry.ts';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import { createErpFixture } from '../../src/profiles/erp/fixture.ts';
import type { ApplicationProfile } from '../../src/profiles/profile.ts';
import { profileById } from '../../src/profiles/registry.ts';
import { readRows, textOf } from '../../src/profiles/source-rows.ts';
import { type ControlPlane, migrationsRepo } from '../../src/services/control-plane.ts';
import type { CompanyInitializations } from '../../src/services/company-initialization.ts';
import { createOperatorToken, verifyOperatorToken } from '../../src/services/tokens.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { tempDir } from '../support/servers.ts';

describe('HTTP API: company initialization', () => {
  const dir = tempDir('api-company-init');
  let store: Store;
  let cp: ControlPlane;
  let server: FerryServer;
  let base = '';
  let token = '';
  // The erp profile's initialization waits while this gate is closed.
  let gate: Promise<void> = Promise.resolve();
  let release = () => undefined as void;

  before(async () => {
    await createErpFixture({ dir: join(dir.path, 'erp') });
    await initInstallation({ dir: join(dir.path, 'acme'), size: 'small' });
    const erp = profileById('erp');
    const initialize = erp.companies.initialize!;
    const gatedErp: ApplicationProfile = {
      ...erp,
      companies: { ...erp.companies, initialize: async (ctx, c) => (await gate, initialize(ctx, c)) },
    };
    store = await openStore({ home: join(dir.path, 'home') });
    cp = { store, profiles: (id) => (id === 'erp' ? gatedErp : profileById(id)) };
    token = (await createOperatorToken(cp, 'company init test')).token;
    server = await buildServer({
      store,
      controlPlane: cp,
      version: '0.0.0-test',
      tokens: { verify: (t) => verifyOperatorToken(cp, t) },
    });
    base = await server.app.listen({ host: '127.0.0.1', port: 0 });
  });

  after(async () => {
    release();
    await server?.close();
    await store?.close();
    dir.remove();
  });

  async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? null : JSON.parse(text)) as T };
  }

  async function create(installation: string, profileId: string, tenantId: string): Promise<string> {
    const r = await call<{ migration: { id: string } }>('POST', '/api/v1/migrations', {
      installationPath: join(dir.path, installation, 'installation.yaml'),
      profileId,
      tenantId,
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.migration.id;
  }

  /** Polls GET …/initializations until no job is queued or running. */
  async function settled(m: string): Promise<CompanyInitializations> {
    for (let i = 0; i < 200; i++) {
      const r = await call<CompanyInitializations>(
        'GET',
        `/api/v1/migrations/${m}/companies/initializations`,
      );
      assert.equal(r.status, 200);
      if (r.body.companies.every((c) => c.status !== 'queued' && c.status !== 'running')) return r.body;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the initializations did not end');
  }

  async function tenantRows(
    tenantId: string,
    table: string,
    columns: readonly string[],
  ): Promise<string[][]> {
    const tenant = await migrationsRepo(cp).getTenant(tenantId);
    const target = await openTarget(tenant?.databaseUrl ?? '');
    try {
      const schema = (await target.listTables()).find((t) => t.name === table);
      assert.ok(schema, `the tenant has table ${table}`);
      const rows: string[][] = [];
      for await (const row of readRows({ source: target }, schema, columns))
        rows.push(columns.map((c) => textOf(row[c] ?? null)));
      return rows;
    } finally {
      await target.close();
    }
  }

  it('initializes the erp companies, refusing changes to a company while it is initialized', async () => {
    const m = await create('erp', 'erp', 'erp-http');
    const select = await call('PUT', `/api/v1/migrations/${m}/companies/selection`, {
      companyIds: ['CRONUS', 'Fabrikam'],
    });
    assert.equal(select.status, 200);
    gate = new Promise((resolve) => (release = resolve));
    const started = await call<CompanyInitializations>(
      'POST',
      `/api/v1/migrations/${m}/companies/initializations`,
    );
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.deepEqual(started.body.companies.map((c) => c.companyId).sort(), ['CRONUS', 'Fabrikam']);
    const again = await call<{ code: string; message: string }>(
      'POST',
      `/api/v1/migrations/${m}/companies/initializations`,
      { companyIds: ['Fabrikam'] },
    );
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'FERRY_COMPANY_BUSY');
    const deselect = await call<{ code: string }>('PUT', `/api/v1/migrations/${m}/companies/selection`, {
      companyIds: ['CRONUS'],
    });
    assert.equal(deselect.status, 409);
    assert.equal(deselect.body.code, 'FERRY_COMPANY_BUSY');
    release();
    const done = await settled(m);
    assert.deepEqual(done.companies.map((c) => [c.companyId, c.status]).sort(), [
      ['CRONUS', 'succeeded'],
      ['Fabrikam', 'succeeded'],
    ]);
    assert.deepEqual(
      (await tenantRows('erp-http', 'Fabrikam$No_ Series', ['Code', 'Last No_ Used'])).sort(),
      [
        ['CUST', 'C00025'],
        ['VEND', 'V00010'],
      ],
    );
    assert.equal(
      (await call('PUT', `/api/v1/migrations/${m}/companies/selection`, { companyIds: ['CRONUS'] })).status,
      200,
    );
    const unselected = await call<{ code: string }>(
      'POST',
      `/api/v1/migrations/${m}/companies/initializations`,
      {
        companyIds: ['Fabrikam'],
      },
    );
    assert.deepEqual([unselected.status, unselected.body.code], [400, 'FERRY_INVALID_ARGUMENT']);
  });

  it("initializes the crm's one company with its default settings", async () => {
    const m = await create('acme', 'crm', 'crm-http');
    const started = await call<CompanyInitializations>(
      'POST',
      `/api/v1/migrations/${m}/companies/initializations`,
      {
        companyIds: null,
      },
    );
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const done = await settled(m);
    assert.equal(done.companies[0]?.status, 'succeeded', JSON.stringify(done.companies[0]?.error));
    assert.match(done.companies[0]?.summary ?? '', /4 of 4 default settings added/);
    const settings = new Map(
      (await tenantRows('crm-http', 'company_setup', ['setting', 'value'])).map(([k, v]) => [k, v]),
    );
    assert.equal(settings.get('company.id'), 'default');
    assert.ok((settings.get('company.name') ?? '') !== '');
    assert.ok((settings.get('license.serial_number') ?? '') !== '');
  });
});
