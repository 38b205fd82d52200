// Run leases on both stores (a SQLite file and a fresh PostgreSQL database): the compare-and-set
// that keeps a run on one worker at a time, renewal, release, and the sweep's view of expired
// leases. Then the in-process queue executing a real queued copy run (SQLite source and target).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { RunRecord } from '../../src/engine/run-store.ts';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { isFerryError } from '../../src/domain/errors.ts';
import { InProcessQueue } from '../../src/queue/in-process-queue.ts';
import {
  isDeadLocalOwner,
  LEASE_LOST_REASON,
  processLeaseHolder,
  RunLease,
} from '../../src/services/run-lease.ts';
import { createCopyRun, defaultRunOptions } from '../../src/services/copy-runs.ts';
import { queueRun, RunWorker, type WorkerEvent } from '../../src/services/run-worker.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';

const dir = tempDir('run-leases');
after(() => dir.remove());

let runs = 0;
async function newRun(store: Store): Promise<RunRecord> {
  return store.createRun({
    id: `run-lease-${++runs}`,
    kind: 'full',
    migrationId: null,
    status: 'queued',
    step: 'planned',
    sourceUrl: 'sqlite:/nowhere/source.db',
    targetUrl: 'sqlite:/nowhere/target.db',
    sourceLocation: 'sqlite:/nowhere/source.db',
    targetLocation: 'sqlite:/nowhere/target.db',
    options: { ...defaultRunOptions, replace: false },
    plan: null,
  });
}

const stores: { name: string; skip: () => Promise<string | false>; open: () => Promise<Store> }[] = [
  {
    name: 'SQLite store',
    skip: () => Promise.resolve(false),
    open: () => openStore({ home: join(dir.path, 'home') }),
  },
  {
    name: 'PostgreSQL store',
    skip: () => skipUnless('postgres'),
    open: async () => {
      pgDatabase = await freshDatabase('postgres', 'leases');
      return openStore({ url: pgDatabase.url, home: join(dir.path, 'pg-home') });
    },
  },
];
let pgDatabase: TestDatabase | undefined;
after(() => pgDatabase?.drop());

for (const kind of stores) {
  describe(`run leases on the ${kind.name}`, { skip: await kind.skip() }, () => {
    let store: Store;
    before(async () => (store = await kind.open()));
    after(() => store?.close());

    it('gives a free run to one worker only, until its lease expires', async () => {
      const run = await newRun(store);
      assert.equal(await store.claimRunLease(run.id, { owner: 'w1', version: '0.1.0', ttlMs: 300 }), true);
      assert.equal(await store.claimRunLease(run.id, { owner: 'w2', version: '0.1.0', ttlMs: 300 }), false);
      // Claiming again is a no-op for the holder (a duplicate job for a run it already executes).
      assert.equal(await store.claimRunLease(run.id, { owner: 'w1', version: '0.1.0', ttlMs: 300 }), true);
      const held = await store.getRun(run.id);
      assert.equal(held?.lease?.owner, 'w1');
      assert.equal(held?.lease?.version, '0.1.0');
      await sleep(350);
      assert.equal(await store.claimRunLease(run.id, { owner: 'w2', version: '0.2.0', ttlMs: 300 }), true);
      assert.equal((await store.getRun(run.id))?.lease?.owner, 'w2');
      // The old holder learns it lost the lease when it tries to renew.
      assert.equal(await store.renewRunLease(run.id, 'w1', 300), false);
      assert.equal(await store.renewRunLease(run.id, 'w2', 300), true);
    });

    it('lets exactly one of many concurrent claims win', async () => {
      const run = await newRun(store);
      const owners = ['a', 'b', 'c', 'd', 'e', 'f'];
      const wins = await Promise.all(
        owners.map((owner) => store.claimRunLease(run.id, { owner, version: '0.1.0', ttlMs: 10_000 })),
      );
      assert.equal(wins.filter(Boolean).length, 1, `winners: ${JSON.stringify(wins)}`);
      assert.equal((await store.getRun(run.id))?.lease?.owner, owners[wins.indexOf(true)]);
    });

    it('renewal keeps the lease alive past its first expiry', async () => {
      const run = await newRun(store);
      assert.equal(await store.claimRunLease(run.id, { owner: 'w1', version: '0.1.0', ttlMs: 300 }), true);
      for (let i = 0; i < 4; i++) {
        await sleep(100);
        assert.equal(await store.renewRunLease(run.id, 'w1', 300), true);
      }
      assert.equal(await store.claimRunLease(run.id, { owner: 'w2', version: '0.1.0', ttlMs: 300 }), false);
    });

    it('release frees the run at once, and only its holder can release it', async () => {
      const run = await newRun(store);
      assert.equal(await store.claimRunLease(run.id, { owner: 'w1', version: '0.1.0', ttlMs: 60_000 }), true);
      await store.releaseRunLease(run.id, 'w2');
      assert.equal((await store.getRun(run.id))?.lease?.owner, 'w1');
      await store.releaseRunLease(run.id, 'w1');
      assert.equal((await store.getRun(run.id))?.lease, null);
      assert.equal(await store.claimRunLease(run.id, { owner: 'w2', version: '0.1.0', ttlMs: 60_000 }), true);
    });

    it('refuses a second execution while the holder lives, and takes over from a dead process of this host', async () => {
      const run = await newRun(store);
      const first = await RunLease.acquire(store, run.id, processLeaseHolder(60_000));
      const refused = await RunLease.acquire(store, run.id, processLeaseHolder(60_000)).then(
        () => null,
        (error: unknown) => error,
      );
      assert.ok(isFerryError(refused, 'FERRY_RUN_LEASED'), String(refused));
      assert.match(refused.message, new RegExp(`executing in ${first.holder.owner}`));
      await first.release();

      // A process killed with SIGKILL leaves its lease live for its whole ttl; on the same host,
      // the next execution sees the pid is gone and takes over at once.
      const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
      const deadOwner = `${hostname()}-${child.stdout.toString()}-beef`;
      assert.equal(isDeadLocalOwner(deadOwner), true);
      assert.equal(isDeadLocalOwner(`${hostname()}-${process.pid}-beef`), false, 'this process lives');
      assert.equal(isDeadLocalOwner('worker-1'), false, 'a worker id is never judged here');
      assert.equal(
        await store.claimRunLease(run.id, { owner: deadOwner, version: '0.1.0', ttlMs: 60_000 }),
        true,
      );
      const taken = await RunLease.acquire(store, run.id, processLeaseHolder(60_000));
      assert.equal((await store.getRun(run.id))?.lease?.owner, taken.holder.owner);
      await taken.release();
      assert.equal((await store.getRun(run.id))?.lease, null);
    });

    it('aborts the execution whose lease another holder took', async () => {
      const run = await newRun(store);
      const holder = { ...processLeaseHolder(200), renewMs: 50 };
      const lease = await RunLease.acquire(store, run.id, holder);
      // Stalled past its ttl: another worker claims the expired lease.
      await store.releaseRunLease(run.id, holder.owner);
      assert.equal(await store.claimRunLease(run.id, { owner: 'w9', version: '0.1.0', ttlMs: 60_000 }), true);
      for (let i = 0; i < 40 && !lease.isLost; i++) await sleep(25);
      assert.equal(lease.signal.reason, LEASE_LOST_REASON);
      await lease.release();
      assert.equal((await store.getRun(run.id))?.lease?.owner, 'w9', 'a lost lease is not released');
    });

    it('the sweep sees queue-managed unfinished runs with an expired lease, and nothing else', async () => {
      const notQueued = await newRun(store); // executed by the process that created it: never swept
      const offered = await newRun(store);
      await store.offerRunToQueue(offered.id);
      const dead = await newRun(store);
      await store.updateRun(dead.id, { status: 'running' });
      assert.equal(await store.claimRunLease(dead.id, { owner: 'w1', version: '0.1.0', ttlMs: 200 }), true);
      const alive = await newRun(store);
      assert.equal(
        await store.claimRunLease(alive.id, { owner: 'w2', version: '0.1.0', ttlMs: 60_000 }),
        true,
      );
      const finished = await newRun(store);
      await store.offerRunToQueue(finished.id);
      await store.updateRun(finished.id, { status: 'running' });
      await store.updateRun(finished.id, { status: 'succeeded' });
      await sleep(250);
      const expired = await store.listRunsWithExpiredLease(1000);
      assert.ok(expired.includes(offered.id), 'an offered run nobody took yet');
      assert.ok(expired.includes(dead.id), "a dead worker's run");
      assert.ok(!expired.includes(notQueued.id), 'a run outside the queue');
      assert.ok(!expired.includes(alive.id), 'a run with a live lease');
      assert.ok(!expired.includes(finished.id), 'a finished run');
    });
  });
}

describe('the in-process queue', () => {
  it('runs jobs in submission order, at most `concurrency` at once, once per waiting run', async () => {
    const queue = new InProcessQueue();
    const started: string[] = [];
    let active = 0;
    let maxActive = 0;
    assert.equal(await queue.submit({ runId: 'a' }), true);
    assert.equal(await queue.submit({ runId: 'a' }), false, 'a run waits in the queue once');
    await queue.submit({ runId: 'b' });
    await queue.submit({ runId: 'c' });
    await queue.start(
      async (job) => {
        started.push(job.runId);
        active++;
        maxActive = Math.max(maxActive, active);
        await sleep(30);
        active--;
      },
      { concurrency: 2 },
    );
    await queue.idle();
    assert.deepEqual(started, ['a', 'b', 'c']);
    assert.equal(maxActive, 2);
  });

  it('stop aborts the jobs in flight and waits for them when graceful', async () => {
    const queue = new InProcessQueue();
    let sawAbort = false;
    let finished = false;
    await queue.start(async (_job, signal) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      sawAbort = signal.aborted;
      await sleep(50); // the chunk in flight
      finished = true;
    });
    await queue.submit({ runId: 'x' });
    await sleep(10);
    await queue.stop({ graceful: true, timeoutMs: 5000 });
    assert.equal(sawAbort, true);
    assert.equal(finished, true, 'graceful stop waited for the job');
    await queue.submit({ runId: 'y' });
    assert.equal(queue.pending, 1, 'a stopped queue takes no new job');
  });

  it('executes a queued copy run under a lease, and a second submission does not copy it again', async () => {
    const source = join(dir.path, 'source.db');
    const db = new Database(source);
    db.exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);`);
    const insert = db.prepare('INSERT INTO items (id, name) VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 1; i <= 5000; i++) insert.run(i, `item ${i}`);
    })();
    db.close();
    const store = await openStore({ home: join(dir.path, 'queue-home') });
    const queue = new InProcessQueue();
    const events: WorkerEvent[] = [];
    const worker = new RunWorker({
      store,
      queue,
      workerId: 'embedded',
      version: '0.1.0',
      leaseMs: 5000,
      onEvent: (e) => events.push(e),
    });
    try {
      const run = await createCopyRun({
        from: `sqlite:${source}`,
        to: `sqlite:${join(dir.path, 'target.db')}`,
        options: { ...defaultRunOptions, chunkRows: 1000, replace: false },
        store,
      });
      assert.equal(run.status, 'queued');
      assert.ok(run.plan !== null, 'the queued run carries its plan');
      await queueRun(store, queue, run.id);
      await worker.start(1);
      await queue.idle();
      const done = await store.getRun(run.id);
      assert.equal(done?.status, 'succeeded');
      assert.equal(done?.step, 'done');
      assert.equal(done?.lease, null, 'the lease is released at the end');
      const claimed = events.filter((e) => e.type === 'run-claimed');
      assert.equal(claimed.length, 1);
      const target = new Database(join(dir.path, 'target.db'), { readonly: true });
      const { n } = target.prepare('SELECT count(*) AS n FROM items').get() as { n: number };
      target.close();
      assert.equal(n, 5000);
      // A stale duplicate job for the finished run: claimed, seen finished, skipped.
      await queue.submit({ runId: run.id });
      await queue.idle();
      assert.ok(
        events.some((e) => e.type === 'run-skipped' && e.runId === run.id && /succeeded/.test(e.reason)),
        JSON.stringify(events.filter((e) => e.type === 'run-skipped')),
      );
      assert.equal(events.filter((e) => e.type === 'run-finished').length, 1);
    } finally {
      await worker.stop();
      await store.close();
    }
  });

  it('a graceful stop mid-run hands the run to the next worker, which continues from the checkpoint', async () => {
    const source = join(dir.path, 'source2.db');
    const db = new Database(source);
    db.exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);`);
    const insert = db.prepare('INSERT INTO items (id, name) VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 1; i <= 20000; i++) insert.run(i, `item ${i} ${'x'.repeat(100)}`);
    })();
    db.close();
    const store = await openStore({ home: join(dir.path, 'handover-home') });
    const events: WorkerEvent[] = [];
    const firstQueue = new InProcessQueue();
    const first = new RunWorker({
      store,
      queue: firstQueue,
      workerId: 'first',
      version: '0.1.0',
      leaseMs: 5000,
      onEvent: (e) => {
        events.push(e);
        // Stop the first worker as soon as it has checkpointed a chunk.
        if (e.type === 'chunk-copied' && e.worker === 'first' && !stopping) stopping = first.stop();
      },
    });
    let stopping: Promise<void> | null = null;
    const secondQueue = new InProcessQueue();
    const second = new RunWorker({
      store,
      queue: secondQueue,
      workerId: 'second',
      version: '0.1.0',
      leaseMs: 5000,
      onEvent: (e) => events.push(e),
    });
    try {
      const run = await createCopyRun({
        from: `sqlite:${source}`,
        to: `sqlite:${join(dir.path, 'target2.db')}`,
        options: { ...defaultRunOptions, parallel: 1, chunkRows: 1000, replace: false },
        store,
      });
      await queueRun(store, firstQueue, run.id);
      await first.start(1);
      while (stopping === null) await sleep(10);
      await stopping;
      const handedOver = await store.getRun(run.id);
      assert.equal(handedOver?.status, 'running', 'an unfinished run goes back to running, not cancelled');
      assert.equal(handedOver?.lease, null, 'the stopping worker released its lease');
      assert.ok(events.some((e) => e.type === 'run-requeued' && e.reason === 'shutdown'));
      const copiedByFirst = events.filter((e) => e.type === 'chunk-copied' && e.worker === 'first').length;
      assert.ok(copiedByFirst >= 1 && copiedByFirst < 20, `first copied ${copiedByFirst} chunks`);
      // The next worker's sweep finds the run (its lease is free and expired) and finishes it.
      await second.start(1);
      await secondQueue.idle();
      const done = await store.getRun(run.id);
      assert.equal(done?.status, 'succeeded');
      const claimed = events.find((e) => e.type === 'run-claimed' && e.worker === 'second');
      assert.ok(
        claimed?.type === 'run-claimed' && claimed.chunksDone === copiedByFirst,
        JSON.stringify(claimed),
      );
      const copiedBySecond = events.filter((e) => e.type === 'chunk-copied' && e.worker === 'second').length;
      assert.equal(copiedByFirst + copiedBySecond, 20, 'every chunk copied exactly once');
      const target = new Database(join(dir.path, 'target2.db'), { readonly: true });
      const { n } = target.prepare('SELECT count(*) AS n FROM items').get() as { n: number };
      target.close();
      assert.equal(n, 20000);
    } finally {
      await first.stop();
      await second.stop();
      await store.close();
    }
  });
});
