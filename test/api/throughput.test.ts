// The HTTP API over real HTTP: pausing a run the server executes, resuming it, and reading its
// throughput samples (for charts) and table results (drill-down).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { buildServer, type FerryServer } from '../../src/api/server.ts';
import { registryProfiles } from '../../src/cli/control-plane-session.ts';
import { createOperatorToken, verifyOperatorToken } from '../../src/services/tokens.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';

// The target is PostgreSQL: its I/O is asynchronous, so the in-process server answers while it copies.
const skip = await skipUnless('postgres');

const ROWS = 300_000;

describe('HTTP API: pause, resume, throughput and table results of a run', { skip }, () => {
  const dir = tempDir('api-throughput');
  let store: Store;
  let server: FerryServer;
  let base = '';
  let token = '';
  let target: TestDatabase;
  const source = `${dir.path}/source.db`;

  before(async () => {
    target = await freshDatabase('postgres', 'api_throughput');
    const db = new Database(source);
    db.exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
      INSERT INTO items SELECT i, 'item ' || i FROM n;`);
    db.close();
    store = await openStore({ home: `${dir.path}/home` });
    const cp = { store, profiles: registryProfiles };
    token = (await createOperatorToken(cp, 'throughput test')).token;
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
    await target?.drop();
    dir.remove();
  });

  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
    });
  const status = async (runId: string) =>
    ((await (await call(`/api/v1/runs/${runId}`)).json()) as { status: string }).status;
  async function until(runId: string, wanted: string[], ms = 60_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const now = await status(runId);
      if (wanted.includes(now)) return now;
      if (Date.now() > deadline) throw new Error(`run ${runId} stayed ${now}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('pauses at a chunk boundary, resumes, and serves throughput samples and table results', async () => {
    const started = await call('/api/v1/runs', {
      method: 'POST',
      body: JSON.stringify({
        from: `sqlite:${source}`,
        to: `${target.url}?schema=tenant_tp`,
        chunkRows: 5_000,
        parallel: 1,
      }),
    });
    assert.equal(started.status, 202);
    const { runId } = (await started.json()) as { runId: string };
    await until(runId, ['running']);
    const pause = await call(`/api/v1/runs/${runId}/pause`, { method: 'POST' });
    assert.equal(pause.status, 202);
    assert.deepEqual(await pause.json(), { runId, requested: 'pause' });
    assert.equal(await until(runId, ['paused', 'succeeded']), 'paused');
    const chunks = await store.listChunks(runId);
    assert.ok(
      chunks.some((c) => c.status === 'pending'),
      'chunks are left for the resume',
    );

    const again = await call(`/api/v1/runs/${runId}/pause`, { method: 'POST' });
    assert.equal(again.status, 409, 'a paused run cannot be paused');
    assert.match(((await again.json()) as { message: string }).message, /already paused/);

    assert.equal((await call(`/api/v1/runs/${runId}/resume`, { method: 'POST' })).status, 202);
    assert.equal(await until(runId, ['succeeded', 'failed', 'cancelled']), 'succeeded');

    const throughput = await call(`/api/v1/runs/${runId}/throughput`);
    assert.equal(throughput.status, 200);
    const { samples } = (await throughput.json()) as {
      samples: { seq: number; at: string; rowsDone: number; bytesDone: number; rowsPerSecond: number }[];
    };
    assert.ok(samples.length >= 2, `a sample before the pause and after the resume (${samples.length})`);
    assert.deepEqual(
      samples.map((s) => s.seq),
      samples.map((_s, i) => i + 1),
      'numbered in order across the pause',
    );
    assert.equal(samples[samples.length - 1]!.rowsDone, ROWS);
    assert.ok(samples.some((s) => s.rowsPerSecond > 0));
    for (let i = 1; i < samples.length; i++) assert.ok(samples[i]!.rowsDone >= samples[i - 1]!.rowsDone);

    const tables = (await (await call(`/api/v1/runs/${runId}/tables`)).json()) as {
      table: string;
      status: string;
      rowsWritten: number;
    }[];
    assert.deepEqual(
      tables.map((t) => [t.table, t.status, t.rowsWritten]),
      [['items', 'migrated', ROWS]],
    );
    assert.deepEqual(await (await call(`/api/v1/runs/${runId}/tables?status=failed`)).json(), []);
    assert.equal((await call(`/api/v1/runs/${runId}/tables?status=bogus`)).status, 400);
    assert.equal((await call('/api/v1/runs/run-nope/throughput')).status, 404);

    const cancel = await call(`/api/v1/runs/${runId}/cancel`, { method: 'POST' });
    assert.equal(cancel.status, 409, 'a finished run cannot be cancelled');
  });
});
