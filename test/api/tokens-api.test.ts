// Operator tokens over real HTTP: created once (the token is in that answer only), listed without
// the secret, revoked and refused at once; and the OpenAPI document, which must list every
// control-plane route with a declared answer.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildServer, type FerryServer } from '../../src/api/server.ts';
import { registryProfiles } from '../../src/cli/control-plane-session.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { createOperatorToken, verifyOperatorToken } from '../../src/services/tokens.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { tempDir } from '../support/servers.ts';

/** Every control-plane route, as the OpenAPI document must list it. */
const controlPlaneRoutes: [string, string][] = [
  ['post', '/api/v1/migrations'],
  ['get', '/api/v1/migrations'],
  ['get', '/api/v1/migrations/{migrationId}'],
  ['post', '/api/v1/migrations/{migrationId}/go-live'],
  ['post', '/api/v1/migrations/{migrationId}/abandon'],
  ['post', '/api/v1/migrations/{migrationId}/pause'],
  ['post', '/api/v1/migrations/{migrationId}/resume'],
  ['post', '/api/v1/migrations/{migrationId}/reset-cloud-data'],
  ['get', '/api/v1/migrations/{migrationId}/plan'],
  ['put', '/api/v1/migrations/{migrationId}/plan/activities'],
  ['post', '/api/v1/migrations/{migrationId}/plan/signatures'],
  ['get', '/api/v1/migrations/{migrationId}/checklist/items'],
  ['post', '/api/v1/migrations/{migrationId}/checklist/items'],
  ['post', '/api/v1/migrations/{migrationId}/checklist/items/{itemId}/result'],
  ['post', '/api/v1/migrations/{migrationId}/approval/signatures'],
  ['get', '/api/v1/migrations/{migrationId}/companies'],
  ['put', '/api/v1/migrations/{migrationId}/companies/selection'],
  ['get', '/api/v1/migrations/{migrationId}/schedule'],
  ['put', '/api/v1/migrations/{migrationId}/schedule'],
  ['delete', '/api/v1/migrations/{migrationId}/schedule'],
  ['get', '/api/v1/migrations/{migrationId}/runtime-key'],
  ['post', '/api/v1/migrations/{migrationId}/runtime-key/reset'],
  ['get', '/api/v1/migrations/{migrationId}/update-check'],
  ['post', '/api/v1/migrations/{migrationId}/agent/heartbeat'],
  ['post', '/api/v1/migrations/{migrationId}/checks'],
  ['get', '/api/v1/migrations/{migrationId}/documents/manifest'],
  ['get', '/api/v1/runs/{runId}/documents'],
  ['get', '/api/v1/tenants'],
  ['get', '/api/v1/tenants/{tenantId}'],
  ['post', '/api/v1/tokens'],
  ['get', '/api/v1/tokens'],
  ['delete', '/api/v1/tokens/{tokenId}'],
];

interface Operation {
  summary?: string;
  tags?: string[];
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

describe('HTTP API: operator tokens and the OpenAPI document', () => {
  const dir = tempDir('api-tokens');
  let store: Store;
  let cp: ControlPlane;
  let server: FerryServer;
  let base = '';
  let token = '';

  before(async () => {
    store = await openStore({ home: join(dir.path, 'home') });
    cp = { store, profiles: registryProfiles };
    token = (await createOperatorToken(cp, 'tokens api test')).token;
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

  const call = (method: string, path: string, body?: unknown, bearer = token) =>
    fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('creates a token shown once, lists it without the secret, and refuses it at once once revoked', async () => {
    const created = await call('POST', '/api/v1/tokens', { name: 'ci pipeline' });
    assert.equal(created.status, 201);
    const body = (await created.json()) as { id: string; name: string; token: string; revokedAt: null };
    assert.match(body.token, /^ferry_op_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual([body.name, body.revokedAt], ['ci pipeline', null]);

    const listedText = await (await call('GET', '/api/v1/tokens')).text();
    const listed = JSON.parse(listedText) as { id: string; name: string }[];
    assert.deepEqual(
      listed.map((t) => t.name),
      ['tokens api test', 'ci pipeline'],
    );
    assert.ok(!listedText.includes(body.token), 'the list never shows a token');
    assert.ok(!listedText.includes('"token"'));
    assert.ok(!readFileSync(join(dir.path, 'home', 'ferry.db')).includes(body.token), 'stored hashed');

    assert.equal((await call('GET', '/api/v1/migrations', undefined, body.token)).status, 200);
    assert.equal((await call('DELETE', `/api/v1/tokens/${body.id}`)).status, 204);
    const refused = await call('GET', '/api/v1/migrations', undefined, body.token);
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { code: string }).code, 'FERRY_UNAUTHORIZED');

    const again = await call('DELETE', `/api/v1/tokens/${body.id}`);
    assert.equal(again.status, 404);
    assert.equal(((await again.json()) as { code: string }).code, 'FERRY_TOKEN_NOT_FOUND');
    const revoked = (await (await call('GET', '/api/v1/tokens')).json()) as {
      id: string;
      revokedAt: string | null;
    }[];
    assert.ok(revoked.find((t) => t.id === body.id)?.revokedAt);
  });

  it('answers a token without a name with 400 naming the field', async () => {
    const res = await call('POST', '/api/v1/tokens', { name: '' });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { code: string; message: string };
    assert.equal(body.code, 'FERRY_INVALID_ARGUMENT');
    assert.match(body.message, /name/);
    assert.equal((await call('POST', '/api/v1/tokens', {}, 'ferry_op_wrong')).status, 401);
  });

  it('lists every control-plane route in the OpenAPI document with a summary and a declared answer', async () => {
    const res = await fetch(`${base}/api/v1/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, Operation>> };
    for (const [method, path] of controlPlaneRoutes) {
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method.toUpperCase()} ${path} is missing from the OpenAPI document`);
      assert.ok(op.summary && op.tags?.length, `${method.toUpperCase()} ${path} has a summary and a tag`);
      const success = Object.entries(op.responses).filter(([status]) => /^2/.test(status));
      assert.equal(success.length, 1, `${method.toUpperCase()} ${path} declares its success answer`);
      const [status, answer] = success[0]!;
      if (status !== '204')
        assert.ok(
          answer.content?.['application/json']?.schema,
          `${method.toUpperCase()} ${path} body schema`,
        );
      if (path.includes('{')) assert.ok(op.responses['404'], `${method.toUpperCase()} ${path} declares 404`);
    }
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops))
        assert.ok(op.summary, `${method.toUpperCase()} ${path} has a summary`);
  });
});
