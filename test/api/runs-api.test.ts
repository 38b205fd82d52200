// The HTTP API, over real HTTP: authentication, validation, the OpenAPI document, starting a run
// (with an idempotency key), following it by Server-Sent Events and reading its table results.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { buildServer, type FerryServer } from '../../src/api/server.ts';
import { createOperatorToken, revokeOperatorToken, verifyOperatorToken } from '../../src/services/tokens.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { registryProfiles } from '../../src/cli/control-plane-session.ts';
import { tempDir } from '../support/servers.ts';

describe('HTTP API: runs', () => {
  const dir = tempDir('api-runs');
  let store: Store;
  let server: FerryServer;
  let base = '';
  let token = '';
  let tokenId = '';
  const source = `${dir.path}/source.db`;

  before(async () => {
    const db = new Database(source);
    db.exec(`CREATE TABLE "Order Lines" (id INTEGER PRIMARY KEY, note TEXT);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
      INSERT INTO "Order Lines" SELECT i, 'line ' || i FROM n;`);
    db.close();
    store = await openStore({ home: `${dir.path}/home` });
    const cp = { store, profiles: registryProfiles };
    const created = await createOperatorToken(cp, 'api test');
    token = created.token;
    tokenId = created.record.id;
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

  const call = (path: string, init: RequestInit = {}, auth = true) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: {
        ...(auth ? { authorization: `Bearer ${token}` } : {}),
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(init.headers as Record<string, string> | undefined),
      },
    });

  it('refuses every endpoint without a valid bearer token', async () => {
    const none = await call('/api/v1/runs', {}, false);
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { code: string }).code, 'FERRY_UNAUTHORIZED');
    const wrong = await call('/api/v1/runs', { headers: { authorization: 'Bearer ferry_op_nope' } }, false);
    assert.equal(wrong.status, 401);
  });

  it('publishes the OpenAPI document generated from the route schemas', async () => {
    const res = await call('/api/v1/openapi.json', {}, false);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    assert.match(doc.openapi, /^3\./);
    assert.ok(doc.paths['/api/v1/runs']);
    assert.ok(doc.paths['/api/v1/runs/{runId}/events']);
    const explorer = await call('/api/v1/docs/', {}, false);
    assert.equal(explorer.status, 200);
  });

  it('answers a bad request with 400 naming the field', async () => {
    const res = await call('/api/v1/runs', {
      method: 'POST',
      body: JSON.stringify({ from: 'sqlite:x.db', parallel: 0 }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { code: string; message: string };
    assert.equal(body.code, 'FERRY_INVALID_ARGUMENT');
    assert.match(body.message, /to|parallel/);
  });

  it('maps a Ferry error to its catalogue status', async () => {
    const res = await call('/api/v1/runs', {
      method: 'POST',
      body: JSON.stringify({ from: 'oracle://u:secretpw@h/x', to: `sqlite:${dir.path}/t0.db` }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { code: string; message: string };
    assert.equal(body.code, 'FERRY_URL_INVALID');
    assert.doesNotMatch(JSON.stringify(body), /secretpw/);
    assert.equal((await call('/api/v1/runs/run-nope')).status, 404);
  });

  it('starts a run once per idempotency key, streams its progress and reports verified tables', async () => {
    const body = JSON.stringify({
      from: `sqlite:${source}`,
      to: `sqlite:${dir.path}/tenant.db`,
      chunkRows: 500,
    });
    const headers = { 'idempotency-key': 'create-acme-1' };
    const first = await call('/api/v1/runs', { method: 'POST', body, headers });
    assert.equal(first.status, 202);
    const { runId, created } = (await first.json()) as { runId: string; created: boolean };
    assert.equal(created, true);
    const again = (await (await call('/api/v1/runs', { method: 'POST', body, headers })).json()) as {
      runId: string;
      created: boolean;
    };
    assert.deepEqual(again, { runId, created: false });

    const events = await call(`/api/v1/runs/${runId}/events`);
    assert.equal(events.headers.get('content-type'), 'text/event-stream');
    const text = await events.text(); // the stream ends after run-finished
    assert.match(text, /event: run-finished/);
    assert.match(text, /event: chunk-verified/);

    const run = (await (await call(`/api/v1/runs/${runId}`)).json()) as {
      status: string;
      tables: { table: string; status: string; rowsWritten: number }[];
      chunks: { total: number; verified: number };
    };
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(
      run.tables.map((t) => [t.table, t.status, t.rowsWritten]),
      [['Order Lines', 'migrated', 3000]],
    );
    assert.equal(run.chunks.verified, run.chunks.total);
  });

  it('refuses a revoked token at once', async () => {
    await revokeOperatorToken({ store, profiles: registryProfiles }, tokenId);
    assert.equal((await call('/api/v1/runs')).status, 401);
  });
});
