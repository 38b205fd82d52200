// Following a run through the store (what the API streams for a run executing elsewhere): the
// events come from the run's record, chunks and table results in a real SQLite store, as a real
// execution leaves them.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createCopyRun, defaultRunOptions, resumeCopyRun } from '../../src/services/copy-runs.ts';
import { StoreRunFollower, type StoreRunEvent } from '../../src/services/store-run-events.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { tempDir } from '../support/servers.ts';

describe('following a run through the store', () => {
  const dir = tempDir('store-run-events');
  const source = join(dir.path, 'source.db');
  let store: Store;
  let n = 0;

  before(async () => {
    const db = new Database(source);
    db.exec(`CREATE TABLE "Order Lines" (id INTEGER PRIMARY KEY, v TEXT);
             CREATE TABLE persons (id INTEGER PRIMARY KEY, name TEXT);`);
    const insert = db.prepare('INSERT INTO "Order Lines" (id, v) VALUES (?, ?)');
    for (let i = 1; i <= 250; i++) insert.run(i, `line ${i}`);
    db.prepare('INSERT INTO persons (id, name) VALUES (1, ?), (2, ?)').run('Ann', 'Bo');
    db.close();
    store = await openStore({ home: join(dir.path, 'home') });
  });

  after(async () => {
    await store?.close();
    dir.remove();
  });

  const newRun = () =>
    createCopyRun({
      from: `sqlite:${source}`,
      to: `sqlite:${join(dir.path, `target-${++n}.db`)}`,
      options: { ...defaultRunOptions, chunkRows: 100, parallel: 2, replace: false },
      store,
    });
  const types = (events: StoreRunEvent[]) => events.map((e) => e.type);

  it('starts with the run as it stands and ends with run-finished once it succeeded', async () => {
    const run = await newRun();
    const follower = new StoreRunFollower(store, run.id);
    const first = await follower.poll();
    assert.deepEqual(types(first), ['run-started', 'snapshot']);
    const started = first[0]!;
    assert.ok(started.type === 'run-started');
    assert.equal(started.status, 'queued');
    assert.equal(started.resumed, false);
    assert.deepEqual(started.tables.map((t) => [t.name, t.doneRows]).sort(), [
      ['Order Lines', 0],
      ['persons', 0],
    ]);
    assert.deepEqual(await follower.poll(), [], 'nothing changed, nothing said');

    // Executed elsewhere (here with no bus: only the store knows).
    const outcome = await resumeCopyRun({
      runId: run.id,
      store,
      onEvent: () => undefined,
      signal: new AbortController().signal,
    });
    assert.equal(outcome.status, 'succeeded');
    const rest = await follower.poll();
    assert.equal(rest[0]?.type, 'step');
    assert.equal(rest.at(-1)?.type, 'run-finished');
    const progress = rest.filter((e) => e.type === 'progress');
    assert.deepEqual(progress.map((e) => [e.table, e.rows]).sort(), [
      ['Order Lines', 250],
      ['persons', 2],
    ]);
    assert.deepEqual(
      rest
        .filter((e) => e.type === 'table-copied')
        .map((e) => [e.table, e.chunks])
        .sort(),
      [
        ['Order Lines', 3],
        ['persons', 1],
      ],
    );
    assert.deepEqual(
      rest
        .filter((e) => e.type === 'table-finished')
        .map((e) => [e.table, e.status, e.rowsWritten])
        .sort(),
      [
        ['Order Lines', 'migrated', 250],
        ['persons', 'migrated', 2],
      ],
    );
    const snapshot = rest.find((e) => e.type === 'snapshot');
    assert.ok(snapshot?.type === 'snapshot');
    assert.deepEqual(
      [snapshot.status, snapshot.rowsDone, snapshot.chunks, snapshot.tables, snapshot.executor],
      ['succeeded', 252, { total: 4, done: 4, verified: 4 }, { total: 2, copied: 2 }, null],
    );
    const finished = rest.at(-1)!;
    assert.ok(finished.type === 'run-finished');
    assert.equal(finished.status, 'succeeded');
    assert.equal(finished.tables.length, 2);
    assert.equal(finished.error, null);
    assert.ok(follower.ended);
    assert.deepEqual(await follower.poll(), []);
  });

  it('does not end while a process holds the run, even when its status says cancelled for a moment', async () => {
    const run = await newRun();
    const follower = new StoreRunFollower(store, run.id);
    await follower.poll();
    // A worker holds it, and on a graceful shutdown sets it cancelled, then running again.
    assert.ok(await store.claimRunLease(run.id, { owner: 'w1', version: 'test', ttlMs: 30_000 }));
    await store.updateRun(run.id, { status: 'running' });
    const running = await follower.poll();
    assert.deepEqual(types(running), ['snapshot']);
    assert.ok(running[0]?.type === 'snapshot' && running[0].executor === 'w1');
    await store.updateRun(run.id, { status: 'cancelled', finishedAt: new Date().toISOString() });
    assert.ok(!types(await follower.poll()).includes('run-finished'), 'still held by w1');
    await store.updateRun(run.id, { status: 'running', finishedAt: null });
    await store.releaseRunLease(run.id, 'w1');
    assert.ok(!types(await follower.poll()).includes('run-finished'), 'running, waiting for a worker');
    assert.equal(follower.ended, false);
    // Paused with nobody holding it: the stream ends, saying so.
    await store.updateRun(run.id, { status: 'paused' });
    const paused = await follower.poll();
    const last = paused.at(-1);
    assert.ok(last?.type === 'run-finished', types(paused).join(', '));
    assert.equal(last.status, 'paused');
    assert.ok(follower.ended);
  });
});
