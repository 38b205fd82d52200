// With the PostgreSQL store, runs started over the HTTP API execute in `ferry worker` processes, and
// their live progress streams from the server all the same. A real `ferry serve` and two real
// `ferry worker` processes share a fresh PostgreSQL store database: a plain copy run (POST /runs)
// and a migration's test run (POST /migrations/:id/runs) are started over HTTP and followed over
// GET /runs/:id/events to run-finished. A worker claims each (its JSON lines say so), the server
// executes neither, the runs end succeeded and verified, the targets hold exactly the source rows,
// and a retry with the same Idempotency-Key answers the same run with created=false.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { serverSentEvents } from '../../src/cli/remote/run-follower.ts';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import { verifyDatabases } from '../../src/services/verify-databases.ts';
import { ferry, startFerry, waitFor, type FerryProcess, type Line } from '../support/ferry-process.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';

const skip = await skipUnless('mysql', 'postgres');

describe('runs started over the API with the PostgreSQL store', { skip }, () => {
  const dir = tempDir('api-workers');
  const home = join(dir.path, 'home');
  let source: TestDatabase;
  let big: TestDatabase;
  let storeDb: TestDatabase;
  let tenantDb: TestDatabase;
  let server: FerryProcess;
  const workers: FerryProcess[] = [];
  let base = '';
  let token = '';
  let failed = false;

  const global = () => ['--store', storeDb.url, '--home', home, '--json'];

  async function api<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? null : JSON.parse(text)) as T };
  }

  /** Every event of GET /runs/:id/events, until the server ends the stream. */
  async function follow(runId: string, onEvent: (event: Line) => void = () => undefined): Promise<Line[]> {
    const res = await fetch(`${base}/api/v1/runs/${runId}/events`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(120_000),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const events: Line[] = [];
    for await (const data of serverSentEvents(res.body!)) {
      const event = JSON.parse(data) as Line;
      events.push(event);
      onEvent(event);
    }
    return events;
  }

  /** The worker that claimed `runId`, and that the server did not execute it. */
  function assertExecutedByAWorker(runId: string): FerryProcess {
    const claimers = workers.filter((w) =>
      w.lines.some((l) => l.type === 'run-claimed' && l.runId === runId),
    );
    assert.equal(claimers.length, 1, `exactly one worker claimed ${runId}`);
    const worker = claimers[0]!;
    assert.ok(
      worker.lines.some((l) => l.type === 'run-finished' && l.runId === runId),
      `${worker.name} finished ${runId}`,
    );
    assert.deepEqual(
      server.lines.filter((l) => l.runId === runId),
      [],
      'the server printed nothing of the run: it did not execute it',
    );
    return worker;
  }

  function assertStoreStream(events: Line[], runId: string): Line {
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'run-started', types.join(', '));
    assert.equal(events[0]!.via, 'store');
    assert.ok(types.includes('snapshot'), types.join(', '));
    assert.ok(types.includes('table-finished'), types.join(', '));
    assert.equal(types.at(-1), 'run-finished', types.join(', '));
    assert.ok(
      events.every((e) => e.runId === runId && typeof e.at === 'string'),
      'every event names the run and when',
    );
    return events.at(-1)!;
  }

  before(async () => {
    [source, big, storeDb, tenantDb] = await Promise.all([
      freshDatabase('mysql', 'apiw_src'),
      freshDatabase('mysql', 'apiw_big'),
      freshDatabase('postgres', 'apiw_store'),
      freshDatabase('postgres', 'apiw_tenant'),
    ]);
    // Big enough that the copy takes a few seconds: the stream shows it while a worker copies.
    const conn = await mysql.createConnection({ uri: big.url, multipleStatements: true });
    await conn.query(`
      CREATE TABLE orders (id BIGINT PRIMARY KEY, customer VARCHAR(64) NOT NULL, amount DECIMAL(18,4), note TEXT);
      INSERT INTO orders
        SELECT seq, CONCAT('customer ', seq % 977), seq * 1.2345, IF(seq % 10 = 0, NULL, REPEAT('ø', 100 + seq % 50))
        FROM seq_1_to_200000;
      CREATE TABLE \`Order Lines\` (code VARCHAR(32) PRIMARY KEY, qty INT);
      INSERT INTO \`Order Lines\` SELECT CONCAT('line-', LPAD(seq, 8, '0')), seq % 13 FROM seq_1_to_20000;
      ANALYZE TABLE orders, \`Order Lines\`;
    `);
    await conn.end();
    await initInstallation({
      dir: join(dir.path, 'acme'),
      size: 'small',
      seed: 5,
      db: source.url,
      problems: false,
    });
    const created = await ferry([...global(), 'token', 'create', '--name', 't']);
    assert.equal(created.code, 0, created.stderr);
    token = (JSON.parse(created.stdout) as { token: string }).token;

    server = startFerry('server', [...global(), 'serve', '--port', '0', '--no-scheduler']);
    const listening = await waitFor('the server to listen', 30_000, () =>
      server.lines.find((l) => l.type === 'listening'),
    );
    base = String(listening.url);
    for (const id of ['w1', 'w2'])
      workers.push(
        startFerry(id, [
          ...global(),
          'worker',
          '--worker-id',
          id,
          '--lease-seconds',
          '5',
          '--poll-seconds',
          '0.5',
          '--no-scheduler',
        ]),
      );
    await waitFor('two workers to start', 30_000, () =>
      workers.every((w) => w.lines.some((l) => l.type === 'worker-started')),
    );
  });

  after(async () => {
    for (const p of [server, ...workers])
      if (p !== undefined && p.child.exitCode === null && p.child.signalCode === null)
        p.child.kill('SIGTERM');
    const exits = await Promise.race([
      Promise.all([server, ...workers].filter((p) => p !== undefined).map((p) => p.exit)),
      sleep(20_000, null, { ref: false }),
    ]);
    if (exits === null)
      for (const p of [server, ...workers]) if (p?.child.exitCode === null) p.child.kill('SIGKILL');
    if (failed)
      for (const p of [server, ...workers].filter((p) => p !== undefined))
        console.error(`--- ${p.name} stderr:\n${p.stderr}\n--- last lines:`, p.lines.slice(-8));
    await Promise.all([
      source?.drop(failed),
      big?.drop(failed),
      storeDb?.drop(failed),
      tenantDb?.drop(failed),
    ]);
    dir.remove();
  });

  it('executes a plain copy run in a worker and streams its progress from the store', async () => {
    try {
      const to = `${tenantDb.url}?schema=plain_copy`;
      const body = { from: big.url, to, parallel: 2, chunkRows: 5000 };
      const key = { 'idempotency-key': 'copy-once' };
      const started = await api<{ runId: string; created: boolean }>('POST', '/runs', body, key);
      assert.equal(started.status, 202, JSON.stringify(started.body));
      assert.equal(started.body.created, true);
      const runId = started.body.runId;

      const events = await follow(runId);
      const finished = assertStoreStream(events, runId);
      assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
      assert.equal(finished.error, null);
      const worker = assertExecutedByAWorker(runId);
      // Followed while the worker copied: chunk by chunk, naming the worker.
      assert.ok(
        events.filter((e) => e.type === 'progress').length >= 2,
        events.map((e) => e.type).join(', '),
      );
      assert.ok(
        events.some((e) => e.type === 'snapshot' && e.executor === worker.name && e.status === 'running'),
        `a snapshot names ${worker.name}: ${JSON.stringify(events.filter((e) => e.type === 'snapshot'))}`,
      );
      assert.deepEqual(
        events
          .filter((e) => e.type === 'table-copied')
          .map((e) => e.table)
          .sort(),
        ['Order Lines', 'orders'],
      );

      const shown = await api<{
        status: string;
        step: string;
        active: boolean;
        chunks: { total: number; verified: number };
        tables: { table: string; rowsWritten: number }[];
      }>('GET', `/runs/${runId}`);
      assert.equal(shown.body.status, 'succeeded');
      assert.equal(shown.body.step, 'done');
      assert.equal(shown.body.active, false, 'not executing in the server');
      assert.ok(shown.body.chunks.total > 0);
      assert.equal(shown.body.chunks.verified, shown.body.chunks.total, 'every chunk verified');
      // Every table finished is streamed once, with its result.
      const streamed = events.filter((e) => e.type === 'table-finished').map((e) => e.table);
      assert.deepEqual([...streamed].sort(), shown.body.tables.map((t) => t.table).sort());
      // The progress streamed adds up to the rows copied.
      const progressRows = events
        .filter((e) => e.type === 'progress')
        .reduce((n, e) => n + Number(e.rows), 0);
      const startedRows = (events[0]!.tables as { doneRows: number }[]).reduce((n, t) => n + t.doneRows, 0);
      assert.equal(
        startedRows + progressRows,
        shown.body.tables.reduce((n, t) => n + t.rowsWritten, 0),
      );

      // The target holds exactly the source's rows (checksums per chunk on both sides, and counts).
      const check = await verifyDatabases({ from: big.url, to, parallel: 2, chunkRows: 100000 });
      assert.deepEqual(
        check.filter((t) => t.status === 'failed'),
        [],
      );
      const mariadb = await mysql.createConnection({ uri: big.url });
      const tenant = new pg.Client({ connectionString: tenantDb.url });
      await tenant.connect();
      try {
        for (const table of ['orders', 'Order Lines']) {
          const [rows] = await mariadb.query(`SELECT count(*) AS n FROM \`${table}\``);
          const expected = Number((rows as { n: number }[])[0]!.n);
          assert.ok(expected > 0, table);
          const got = await tenant.query(`SELECT count(*) AS n FROM "plain_copy"."${table}"`);
          assert.equal(Number(got.rows[0].n), expected, table);
        }
      } finally {
        await mariadb.end();
        await tenant.end();
      }

      const retry = await api<{ runId: string; created: boolean }>('POST', '/runs', body, key);
      assert.equal(retry.status, 202);
      assert.deepEqual(retry.body, { runId, created: false });
    } catch (error) {
      failed = true;
      throw error;
    }
  });

  it('pauses a run a worker executes, and resumes it through the workers from its checkpoint', async () => {
    try {
      const to = `${tenantDb.url}?schema=paused_copy`;
      const started = await api<{ runId: string }>('POST', '/runs', {
        from: big.url,
        to,
        parallel: 1,
        chunkRows: 2000,
      });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      const runId = started.body.runId;
      let pause: Promise<{ status: number }> | null = null;
      // Asked as soon as the stream shows the run executing (a step, a snapshot while running, or
      // progress): waiting for progress alone, which comes only with the poll after a chunk, raced
      // the end of this short run; a queued run cannot be paused yet.
      const first = await follow(runId, (event) => {
        const executing =
          event.type === 'progress' ||
          event.type === 'step' ||
          (event.type === 'snapshot' && event.status === 'running');
        if (executing && pause === null) pause = api('POST', `/runs/${runId}/pause`);
      });
      assert.equal((await pause!)?.status, 202);
      const paused = first.at(-1)!;
      assert.equal(paused.type, 'run-finished');
      assert.equal(paused.status, 'paused', JSON.stringify(paused));

      const resumed = await api<{ runId: string }>('POST', `/runs/${runId}/resume`);
      assert.equal(resumed.status, 202, JSON.stringify(resumed.body));
      const again = await api<{ status: string }>('GET', `/runs/${runId}`);
      assert.equal(
        again.body.status,
        'running',
        'set running before it is queued: a follower does not stop at once',
      );
      const second = await follow(runId);
      assert.equal(second[0]?.type, 'run-started');
      assert.ok(
        (second[0]!.tables as { doneRows: number }[]).some((t) => t.doneRows > 0),
        'the second stream starts from the checkpoint',
      );
      const finished = second.at(-1)!;
      assert.equal(finished.status, 'succeeded', JSON.stringify(finished));

      const claims = workers.flatMap((w) =>
        w.lines.filter((l) => l.type === 'run-claimed' && l.runId === runId),
      );
      assert.equal(claims.length, 2, JSON.stringify(claims));
      assert.equal(claims[1]!.status, 'running');
      assert.ok(Number(claims[1]!.chunksDone) > 0, JSON.stringify(claims[1]));
      assert.deepEqual(
        server.lines.filter((l) => l.runId === runId),
        [],
      );
      const tenant = new pg.Client({ connectionString: tenantDb.url });
      await tenant.connect();
      try {
        const got = await tenant.query('SELECT count(*) AS n FROM "paused_copy"."orders"');
        assert.equal(Number(got.rows[0].n), 200000);
      } finally {
        await tenant.end();
      }
      // A finished run is not resumed.
      const refused = await api<{ code: string }>('POST', `/runs/${runId}/resume`);
      assert.equal(refused.status, 409);
      assert.equal(refused.body.code, 'FERRY_RUN_NOT_RESUMABLE');
    } catch (error) {
      failed = true;
      throw error;
    }
  });

  it("executes a migration's run in a worker; refusals still come back at once", async () => {
    try {
      const created = await api<{ migration: { id: string } }>('POST', '/migrations', {
        installationPath: join(dir.path, 'acme', 'installation.yaml'),
        profileId: 'crm',
        tenantId: 'acme',
        tenantDatabaseUrl: tenantDb.url,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.migration.id;
      // Before the plan is signed the gate refuses: synchronously, and nothing is queued.
      const refused = await api<{ code: string }>('POST', `/migrations/${id}/runs`, { kind: 'test' });
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'FERRY_ILLEGAL_TRANSITION');
      await api('PUT', `/migrations/${id}/plan/activities`, {
        activities: [{ activity: 'First migration', owner: 'm', estimate: '4h', deadline: '2027-01-31' }],
      });
      await api('POST', `/migrations/${id}/plan/signatures`, { party: 'vendor', name: 'Vera Vendor' });
      await api('POST', `/migrations/${id}/plan/signatures`, { party: 'customer', name: 'Carl Customer' });

      const key = { 'idempotency-key': 'first-test-run' };
      const started = await api<{ runId: string; created: boolean; kind?: string; reason?: string }>(
        'POST',
        `/migrations/${id}/runs`,
        {},
        key,
      );
      assert.equal(started.status, 202, JSON.stringify(started.body));
      assert.equal(started.body.created, true);
      assert.equal(started.body.kind, 'test', 'the chosen kind is in the answer');
      assert.equal(typeof started.body.reason, 'string');
      const runId = started.body.runId;

      const events = await follow(runId);
      const finished = assertStoreStream(events, runId);
      assert.ok(
        ['succeeded', 'succeeded-with-warnings'].includes(String(finished.status)),
        JSON.stringify(finished),
      );
      assertExecutedByAWorker(runId);

      // The worker's post-load steps moved the migration on and released it before run-finished.
      const view = await api<{ migration: { phase: string; activeRunId: string | null } }>(
        'GET',
        `/migrations/${id}`,
      );
      assert.equal(view.body.migration.activeRunId, null);
      assert.equal(view.body.migration.phase, 'parallel');
      const shown = await api<{ status: string; chunks: { total: number; verified: number } }>(
        'GET',
        `/runs/${runId}`,
      );
      assert.equal(shown.body.status, finished.status);
      assert.equal(shown.body.chunks.verified, shown.body.chunks.total, 'every chunk verified');
      const check = await verifyDatabases({
        from: source.url,
        to: `${tenantDb.url}?schema=tenant_acme`,
        exclude: ['role_permissions'], // permission tables are never migrated
        parallel: 2,
        chunkRows: 100000,
      });
      assert.deepEqual(
        check.filter((t) => t.status === 'failed'),
        [],
        'the tenant equals the source',
      );

      const retry = await api<{ runId: string; created: boolean }>('POST', `/migrations/${id}/runs`, {}, key);
      assert.equal(retry.status, 202);
      assert.deepEqual(retry.body, { runId, created: false });
    } catch (error) {
      failed = true;
      throw error;
    }
  });
});
