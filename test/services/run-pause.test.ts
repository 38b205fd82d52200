// Pausing a run at a chunk boundary through the store (as another process would), resuming it
// from its checkpoint to an exact target, and what a paused run of a migration holds and releases.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { isFerryError } from '../../src/domain/errors.ts';
import type { RunEvent } from '../../src/engine/events.ts';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import { profileById } from '../../src/profiles/registry.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { defaultRunOptions, resumeCopyRun, startCopyRun } from '../../src/services/copy-runs.ts';
import { startMigrationRun } from '../../src/services/migration-runs.ts';
import { createMigration, getMigration, setPlan, signPlan } from '../../src/services/migrations.ts';
import {
  clearRunRequest,
  listThroughput,
  requestCancel,
  requestPause,
} from '../../src/services/run-control.ts';
import { verifyDatabases } from '../../src/services/verify-databases.ts';
import { everyTableVerified } from '../../src/engine/run-results.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { tempDir } from '../support/servers.ts';

const ROWS = 200_000;

describe('pausing a run', () => {
  const dir = tempDir('run-pause');
  let store: Store;
  let cp: ControlPlane;
  const source = join(dir.path, 'source.db');

  before(async () => {
    const db = new Database(source);
    db.exec(`CREATE TABLE "Order Lines" (id INTEGER PRIMARY KEY, note TEXT NOT NULL, amount TEXT);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
      INSERT INTO "Order Lines" SELECT i, printf('line %08d', i), CASE WHEN i % 7 = 0 THEN NULL ELSE i * 3 END FROM n;`);
    db.close();
    store = await openStore({ home: join(dir.path, 'home') });
    cp = { store, profiles: profileById };
  });
  after(async () => {
    await store?.close();
    dir.remove();
  });

  it('stops at a chunk boundary as paused, with some chunks copied and some not, and resumes to an exact target', async () => {
    const target = join(dir.path, 'tenant.db');
    let runId = '';
    let pauseAsked: Promise<unknown> | null = null;
    const onEvent = (event: RunEvent) => {
      // The first chunk copied: ask for the pause through the store, as another process would.
      if (event.type === 'chunk-copied' && pauseAsked === null) pauseAsked = requestPause(store, event.runId);
    };
    const paused = await startCopyRun({
      from: `sqlite:${source}`,
      to: `sqlite:${target}`,
      options: { ...defaultRunOptions, parallel: 1, chunkRows: 5_000, replace: false },
      store,
      onEvent,
      signal: new AbortController().signal,
      onRunCreated: (run) => void (runId = run.id),
    });
    await pauseAsked;
    assert.equal(paused.status, 'paused');
    const run = await store.getRun(runId);
    assert.equal(run?.status, 'paused');
    const chunks = await store.listChunks(runId);
    const copied = chunks.filter((c) => c.status === 'copied').length;
    const pending = chunks.filter((c) => c.status === 'pending').length;
    assert.ok(chunks.length >= 30, `several chunks planned (${chunks.length})`);
    assert.ok(copied >= 1, 'some chunks were copied before the pause');
    assert.ok(pending >= 1, `some chunks were left for the resume (${copied} copied)`);
    assert.equal(chunks.filter((c) => c.status === 'copying').length, 0, 'the chunks in flight finished');
    assert.ok((await listThroughput(store, runId)).length >= 1, 'throughput was sampled');

    await clearRunRequest(store, runId);
    const resumed = await resumeCopyRun({
      runId,
      store,
      onEvent: () => undefined,
      signal: new AbortController().signal,
    });
    assert.equal(resumed.status, 'succeeded');
    const verified = await verifyDatabases({
      from: `sqlite:${source}`,
      to: `sqlite:${target}`,
      parallel: 2,
      chunkRows: 50_000,
    });
    assert.ok(everyTableVerified(verified), JSON.stringify(verified));
    const db = new Database(target, { readonly: true });
    const row = db
      .prepare('SELECT count(*) AS n, count(DISTINCT id) AS d, sum(id) AS s FROM "Order Lines"')
      .get() as {
      n: number;
      d: number;
      s: number;
    };
    db.close();
    assert.deepEqual(row, { n: ROWS, d: ROWS, s: (ROWS * (ROWS + 1)) / 2 });
    const samples = await listThroughput(store, runId);
    assert.equal(
      samples[samples.length - 1]?.rowsDone,
      ROWS,
      'the last sample counts every row, across the pause',
    );
  });

  it('refuses to pause a run that is not running', async () => {
    const runs = await store.listRuns(5);
    const done = runs.find((r) => r.status === 'succeeded');
    assert.ok(done);
    await assert.rejects(requestPause(store, done.id), (e: unknown) =>
      isFerryError(e, 'FERRY_ILLEGAL_TRANSITION'),
    );
    await assert.rejects(requestPause(store, 'run-nope'), (e: unknown) =>
      isFerryError(e, 'FERRY_RUN_NOT_FOUND'),
    );
  });

  it('keeps the migration while paused (another run is refused) and releases it when cancelled', async () => {
    await initInstallation({ dir: join(dir.path, 'crm'), size: 'small', seed: 3, problems: false });
    const { migration } = await createMigration(cp, {
      installationPath: join(dir.path, 'crm', 'installation.yaml'),
      profileId: 'crm',
      tenantId: 'paused',
    });
    await setPlan(cp, migration.id, [
      { activity: 'first migration', owner: 'migrator', estimate: '1h', deadline: '2027-01-31' },
    ]);
    await signPlan(cp, migration.id, 'vendor', 'Vera Vendor');
    await signPlan(cp, migration.id, 'customer', 'Carl Customer');
    let asked: Promise<unknown> | null = null;
    const outcome = await startMigrationRun({
      cp,
      migrationId: migration.id,
      kind: 'test',
      parallel: 1,
      signal: new AbortController().signal,
      onEvent: (event) => {
        if (event.type === 'run-started' && asked === null) asked = requestPause(store, event.runId);
      },
    });
    await asked;
    assert.equal(outcome.status, 'paused');
    const held = await getMigration(cp, migration.id);
    assert.equal(held.activeRunId, outcome.runId, 'the paused run still holds the migration');
    await assert.rejects(
      startMigrationRun({
        cp,
        migrationId: migration.id,
        kind: 'test',
        signal: new AbortController().signal,
        onEvent: () => undefined,
      }),
      (e: unknown) => {
        assert.ok(isFerryError(e, 'FERRY_ILLEGAL_TRANSITION'), String(e));
        assert.match(e.message, /is paused on this migration/);
        return true;
      },
    );
    assert.deepEqual(await requestCancel(cp, outcome.runId), { runId: outcome.runId, outcome: 'cancelled' });
    assert.equal((await store.getRun(outcome.runId))?.status, 'cancelled');
    assert.equal(
      (await getMigration(cp, migration.id)).activeRunId,
      null,
      'cancelling released the migration',
    );
  });
});
