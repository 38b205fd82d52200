// Three real `ferry worker` processes share a PostgreSQL store's queue. A run is submitted with
// `ferry migrate --queue`; once a worker is copying it, that worker is SIGKILLed. Another worker
// must take the run over when the lease expires and finish it from the last checkpoint: chunks
// copied before the kill are not copied again, the run ends succeeded and verified, and the target
// holds exactly the source rows (primary keys are added after the load, so a duplicate would fail
// the run). The two survivors then stop gracefully on SIGTERM and exit 0.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.ts';
import { ferry, startFerry, waitFor, type FerryProcess, type Line } from '../support/ferry-process.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';

const skip = await skipUnless('mysql', 'postgres');

function startWorker(id: string, storeUrl: string, home: string): FerryProcess {
  return startFerry(id, [
    '--store',
    storeUrl,
    '--home',
    home,
    '--json',
    '--verbose',
    'worker',
    '--worker-id',
    id,
    '--lease-seconds',
    '3',
    '--poll-seconds',
    '0.5',
  ]);
}

const chunkKey = (l: Line) => `${String(l.table)}#${String(l.chunk)}`;

describe('three workers, one SIGKILL', { skip }, () => {
  let source: TestDatabase;
  let storeDb: TestDatabase;
  let target: TestDatabase;
  const home = tempDir('three-workers');
  const workers: FerryProcess[] = [];
  let failed = false;

  before(async () => {
    [source, storeDb, target] = await Promise.all([
      freshDatabase('mysql', 'workers_src'),
      freshDatabase('postgres', 'workers_store'),
      freshDatabase('postgres', 'workers_dst'),
    ]);
    const conn = await mysql.createConnection({ uri: source.url, multipleStatements: true });
    await conn.query(`
      CREATE TABLE orders (
        id BIGINT PRIMARY KEY, customer VARCHAR(64) NOT NULL, amount DECIMAL(18,4), note TEXT, created DATETIME(3));
      INSERT INTO orders
        SELECT seq, CONCAT('customer ', seq % 977), seq * 1.2345, IF(seq % 10 = 0, NULL, REPEAT('ø', 100 + seq % 50)),
               TIMESTAMPADD(SECOND, seq, '2024-01-01 00:00:00.125')
        FROM seq_1_to_100000;
      CREATE TABLE persons (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(200));
      INSERT INTO persons SELECT seq, CONCAT('person ', seq), CONCAT('p', seq, '@example.com') FROM seq_1_to_30000;
      CREATE TABLE \`Order Lines\` (code VARCHAR(32) PRIMARY KEY, qty INT);
      INSERT INTO \`Order Lines\` SELECT CONCAT('line-', LPAD(seq, 8, '0')), seq % 13 FROM seq_1_to_20000;
      ANALYZE TABLE orders, persons, \`Order Lines\`;
    `);
    await conn.end();
  });

  after(async () => {
    for (const w of workers)
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exit));
    if (failed)
      for (const w of workers)
        console.error(`--- worker ${w.name} stderr:\n${w.stderr}\n--- last lines:`, w.lines.slice(-5));
    await Promise.all([source?.drop(failed), storeDb?.drop(failed), target?.drop(failed)]);
    home.remove();
  });

  it('another worker finishes the run from its last checkpoint, and the survivors stop gracefully', async () => {
    try {
      const to = `${target.url}?schema=tenant_workers`;
      for (const id of ['w1', 'w2', 'w3']) workers.push(startWorker(id, storeDb.url, home.path));
      await waitFor('three workers to start', 20_000, () =>
        workers.every((w) => w.lines.some((l) => l.type === 'worker-started')),
      );

      const submitted = await ferry([
        '--store',
        storeDb.url,
        '--home',
        home.path,
        '--json',
        'migrate',
        '--from',
        source.url,
        '--to',
        to,
        '--queue',
        '--parallel',
        '2',
        '--chunk-rows',
        '4000',
      ]);
      assert.equal(submitted.code, 0, submitted.stderr);
      const { runId } = JSON.parse(submitted.stdout.trim()) as { runId: string };

      // Wait until one worker has checkpointed a few chunks of the run, then kill it.
      const victim = await waitFor('a worker copying chunks', 30_000, () =>
        workers.find(
          (w) => w.lines.filter((l) => l.type === 'chunk-copied' && l.runId === runId).length >= 3,
        ),
      );
      victim.child.kill('SIGKILL');
      const killed = await victim.exit;
      assert.equal(killed.signal, 'SIGKILL');
      const copiedByVictim = new Set(
        victim.lines.filter((l) => l.type === 'chunk-copied' && l.runId === runId).map(chunkKey),
      );
      assert.ok(
        !victim.lines.some((l) => l.type === 'run-finished'),
        'the victim was killed before the run finished',
      );

      // The checkpoints as the victim left them.
      const store = await openStore({ url: storeDb.url, home: home.path });
      let before: Map<string, number>;
      try {
        const run = await store.getRun(runId);
        assert.equal(run?.status, 'running');
        assert.equal(run?.lease?.owner, victim.name, 'the dead worker still holds the lease');
        before = new Map(
          (await store.listChunks(runId))
            .filter((c) => c.status === 'copied')
            .map((c) => [`${c.table}#${c.index}`, c.durationMs]),
        );
      } finally {
        await store.close();
      }
      for (const key of copiedByVictim) assert.ok(before.has(key), `checkpoint of ${key} is in the store`);

      const survivors = workers.filter((w) => w !== victim);
      const finisher = await waitFor('another worker to finish the run', 40_000, () =>
        survivors.find((w) => w.lines.some((l) => l.type === 'run-finished' && l.runId === runId)),
      );
      const finished = finisher.lines.find((l) => l.type === 'run-finished' && l.runId === runId)!;
      assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
      const claim = finisher.lines.find((l) => l.type === 'run-claimed' && l.runId === runId)!;
      assert.equal(claim.status, 'running');
      assert.ok(
        Number(claim.chunksDone) >= copiedByVictim.size,
        `the successor started from the checkpoints: ${JSON.stringify(claim)}`,
      );
      const recopied = finisher.lines
        .filter((l) => l.type === 'chunk-copied' && l.runId === runId)
        .map(chunkKey)
        .filter((key) => before.has(key));
      assert.deepEqual(recopied, [], 'chunks checkpointed before the kill were copied again');

      const after = await openStore({ url: storeDb.url, home: home.path });
      try {
        const run = await after.getRun(runId);
        assert.equal(run?.status, 'succeeded');
        assert.equal(run?.step, 'done');
        assert.equal(run?.lease ?? null, null, 'the lease is released');
        const chunks = await after.listChunks(runId);
        assert.ok(
          chunks.every((c) => c.status === 'verified'),
          JSON.stringify(chunks.filter((c) => c.status !== 'verified')),
        );
        for (const c of chunks) {
          const key = `${c.table}#${c.index}`;
          if (before.has(key)) assert.equal(c.durationMs, before.get(key), `${key} was not copied again`);
        }
        const tables = await after.listTableResults(runId);
        assert.deepEqual(
          tables.map((t) => [t.table, t.status, t.rowsWritten]),
          [
            ['Order Lines', 'migrated', 20000],
            ['orders', 'migrated', 100000],
            ['persons', 'migrated', 30000],
          ],
        );
      } finally {
        await after.close();
      }

      const client = new pg.Client({ connectionString: target.url });
      await client.connect();
      try {
        const count = async (table: string) =>
          Number((await client.query(`SELECT count(*) AS n FROM tenant_workers."${table}"`)).rows[0].n);
        assert.equal(await count('orders'), 100000);
        assert.equal(await count('persons'), 30000);
        assert.equal(await count('Order Lines'), 20000);
        const keys = await client.query(
          `SELECT count(*) AS n FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
            WHERE n.nspname = 'tenant_workers' AND c.contype = 'p'`,
        );
        assert.equal(Number(keys.rows[0].n), 3, 'every table got its primary key (no duplicates)');
      } finally {
        await client.end();
      }

      // The survivors stop gracefully on SIGTERM and exit 0.
      for (const w of survivors) w.child.kill('SIGTERM');
      const exits = await Promise.all(survivors.map((w) => w.exit));
      assert.deepEqual(
        exits.map((e) => e.code),
        [0, 0],
        survivors.map((w) => w.stderr).join('\n'),
      );
      for (const w of survivors)
        assert.ok(
          w.lines.some((l) => l.type === 'worker-stopped'),
          w.name,
        );
    } catch (error) {
      failed = true;
      throw error;
    }
  });
});
