// Table mappings over real HTTP: PUT validates (400 naming the field or the column), GET shows
// them resolved, the plan view summarises them, a diagnostic run started through the API honours
// them, DELETE removes them, and a change after the migration ended is 409.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildServer, type FerryServer } from '../../src/api/server.ts';
import { registryProfiles } from '../../src/cli/control-plane-session.ts';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { createOperatorToken, verifyOperatorToken } from '../../src/services/tokens.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { tempDir } from '../support/servers.ts';

interface Answer {
  status: number;
  body: Record<string, unknown> & { code?: string; message?: string };
}

const mappings = {
  version: 1,
  excludeTables: ['audit_log'],
  tables: {
    companies: { rename: 'organisations', excludeColumns: ['settings'] },
    persons: { moveColumns: [{ into: 'person_scores', columns: ['score'] }] },
  },
};

describe('HTTP API: table mappings', () => {
  const dir = tempDir('api-table-mappings');
  let store: Store;
  let cp: ControlPlane;
  let server: FerryServer;
  let base = '';
  let token = '';
  let id = '';

  before(async () => {
    await initInstallation({ dir: join(dir.path, 'acme'), size: 'small', seed: 5, problems: false });
    store = await openStore({ home: join(dir.path, 'home') });
    cp = { store, profiles: registryProfiles };
    token = (await createOperatorToken(cp, 'table mappings api test')).token;
    server = await buildServer({
      store,
      controlPlane: cp,
      version: '0.0.0-test',
      tokens: { verify: (t) => verifyOperatorToken(cp, t) },
    });
    base = await server.app.listen({ host: '127.0.0.1', port: 0 });
    const created = await call('POST', '/api/v1/migrations', {
      installationPath: join(dir.path, 'acme', 'installation.yaml'),
      profileId: 'crm',
      tenantId: 'acme',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    id = (created.body.migration as { id: string }).id;
  });

  after(async () => {
    await server?.close();
    await store?.close();
    dir.remove();
  });

  async function call(method: string, path: string, body?: unknown): Promise<Answer> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as Answer['body'] };
  }

  const path = () => `/api/v1/migrations/${id}/table-mappings`;

  it('answers no mappings at first', async () => {
    const r = await call('GET', path());
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.mappings, null);
  });

  it('refuses a misspelt field with 400 naming it', async () => {
    const r = await call('PUT', path(), { tables: { persons: { exclude_columns: ['phone'] } } });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.code, 'FERRY_TABLE_MAPPING_INVALID');
    assert.match(r.body.message!, /tables\.persons\.exclude_columns/);
  });

  it('refuses a primary-key column with 400 naming it', async () => {
    const r = await call('PUT', path(), { tables: { persons: { excludeColumns: ['id'] } } });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.code, 'FERRY_TABLE_MAPPING_INVALID');
    assert.match(r.body.message!, /column "id" of table "persons" is part of its primary key/);
  });

  it('stores valid mappings and answers them resolved', async () => {
    const r = await call('PUT', path(), mappings);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.mappings, mappings);
    const shown = await call('GET', path());
    assert.equal(shown.status, 200);
    const targets = (shown.body.tables as { targets: { table: string; columns: string[] }[] }[]).flatMap(
      (t) => t.targets,
    );
    assert.deepEqual(
      targets.map((t) => t.table),
      ['organisations', 'persons', 'person_scores'],
    );
    assert.deepEqual(targets.find((t) => t.table === 'person_scores')!.columns, ['id', 'score']);
    assert.ok(!targets.find((t) => t.table === 'organisations')!.columns.includes('settings'));
  });

  it('summarises them in the plan view', async () => {
    const r = await call('GET', `/api/v1/migrations/${id}/plan`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const tableMappings = r.body.tableMappings as { summary: string[] };
    assert.ok(
      tableMappings.summary.includes('companies → organisations without settings'),
      JSON.stringify(tableMappings),
    );
    assert.ok(tableMappings.summary.includes('audit_log → not migrated (excluded)'));
  });

  it('lists the path in the OpenAPI document', async () => {
    const r = await call('GET', '/api/v1/openapi.json');
    const paths = r.body.paths as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(paths['/api/v1/migrations/{migrationId}/table-mappings']!).sort(), [
      'delete',
      'get',
      'put',
    ]);
  });

  it('is honoured by a diagnostic run started through the API', async () => {
    const started = await call('POST', `/api/v1/migrations/${id}/runs`, { kind: 'diagnostic' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const runId = started.body.runId as string;
    let run: Answer = await call('GET', `/api/v1/runs/${runId}`);
    for (let i = 0; i < 300 && ['queued', 'running'].includes(run.body.status as string); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      run = await call('GET', `/api/v1/runs/${runId}`);
    }
    assert.ok(
      ['succeeded', 'succeeded-with-warnings'].includes(run.body.status as string),
      JSON.stringify(run.body),
    );
    const tables = run.body.tables as { table: string; status: string; rowsWritten: number }[];
    const names = tables.map((t) => t.table);
    assert.ok(names.includes('organisations') && names.includes('person_scores'), names.join(', '));
    assert.ok(!names.includes('companies') && !names.includes('audit_log'), names.join(', '));
    assert.ok(
      tables.every((t) => t.status !== 'failed'),
      JSON.stringify(tables),
    );
    const persons = tables.find((t) => t.table === 'persons')!;
    assert.equal(tables.find((t) => t.table === 'person_scores')!.rowsWritten, persons.rowsWritten);
  });

  it('removes them with DELETE', async () => {
    assert.deepEqual((await call('DELETE', path())).body, { removed: true });
    assert.deepEqual((await call('DELETE', path())).body, { removed: false });
    assert.equal((await call('GET', `/api/v1/migrations/${id}/plan`)).body.tableMappings, null);
  });

  it('refuses a change after the migration ended with 409', async () => {
    const abandoned = await call('POST', `/api/v1/migrations/${id}/abandon`, {});
    assert.ok(abandoned.status < 300, JSON.stringify(abandoned.body));
    const r = await call('PUT', path(), mappings);
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.equal(r.body.code, 'FERRY_ILLEGAL_TRANSITION');
  });

  it('answers 404 for an unknown migration', async () => {
    const r = await call('GET', '/api/v1/migrations/m-nope/table-mappings');
    assert.equal(r.status, 404);
    assert.equal(r.body.code, 'FERRY_MIGRATION_NOT_FOUND');
  });
});
