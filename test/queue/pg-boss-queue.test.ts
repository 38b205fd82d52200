// The pg-boss queue on a fresh PostgreSQL database: several processes' worth of queues opening at
// once (regression: concurrent pg-boss create_queue calls deadlocked), one waiting job per run,
// delivery to one worker, and a graceful stop that aborts the job in flight and waits for it.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { PgBossQueue } from '../../src/queue/pg-boss-queue.ts';
import { freshDatabase, skipUnless, type TestDatabase } from '../support/servers.ts';

const skip = await skipUnless('postgres');

describe('the pg-boss queue', { skip }, () => {
  let db: TestDatabase;
  let failed = false;
  before(async () => (db = await freshDatabase('postgres', 'pgboss')));
  after(() => db?.drop(failed));

  it('opens from several clients at once on a fresh database, then queues each run once', async () => {
    try {
      const queues = await Promise.all([1, 2, 3].map(() => PgBossQueue.open({ url: db.url })));
      const [a, b, c] = queues as [PgBossQueue, PgBossQueue, PgBossQueue];
      try {
        assert.equal(await a.submit({ runId: 'run-1' }), true);
        assert.equal(await b.submit({ runId: 'run-1' }), false, 'run-1 already waits in the queue');
        assert.equal(await a.submit({ runId: 'run-2' }), true);

        const seen: string[] = [];
        let abortedInFlight = false;
        let finishedInFlight = false;
        await c.start(async (job, signal) => {
          seen.push(job.runId);
          if (job.runId !== 'run-2') return;
          // run-2 is a long run: it ends only when the queue stops, after its "chunk in flight".
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
          abortedInFlight = signal.aborted;
          await sleep(100);
          finishedInFlight = true;
        });
        const deadline = Date.now() + 10_000;
        while (seen.length < 2 && Date.now() < deadline) await sleep(50);
        assert.deepEqual([...seen].sort(), ['run-1', 'run-2']);
        // While run-2's job is active, the run may be queued again (the sweep after a worker death).
        assert.equal(await a.submit({ runId: 'run-2' }), true);
        await c.stop({ graceful: true, timeoutMs: 5000 });
        assert.equal(abortedInFlight, true);
        assert.equal(finishedInFlight, true, 'graceful stop waited for the job in flight');
        assert.equal(seen.filter((r) => r === 'run-1').length, 1, 'run-1 was delivered once');
      } finally {
        await Promise.all(queues.map((q) => q.stop({ graceful: false })));
      }
    } catch (error) {
      failed = true;
      throw error;
    }
  });
});
