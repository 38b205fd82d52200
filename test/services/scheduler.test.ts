// The scheduler: a real short cron (every 2 s) starts an incremental run of a loaded migration
// through the launcher, records it on the schedule, and two schedulers started side by side (as
// two servers would) start each occurrence once — on the SQLite and on the PostgreSQL store.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import { profileById } from '../../src/profiles/registry.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { startMigrationRun } from '../../src/services/migration-runs.ts';
import { createMigration, setPlan, signPlan } from '../../src/services/migrations.ts';
import { RunEventBus } from '../../src/services/run-events.ts';
import { RunLauncher } from '../../src/services/run-launcher.ts';
import { Scheduler, type SchedulerEvent } from '../../src/services/scheduler.ts';
import { clearSchedule, getSchedule, setSchedule } from '../../src/services/schedules.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';

const skipPostgres = await skipUnless('postgres');
const quiet = { onEvent: () => undefined, signal: new AbortController().signal };

async function until<T>(what: string, probe: () => Promise<T | null | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function signedMigration(cp: ControlPlane, dir: string, tenantId: string): Promise<string> {
  const { migration } = await createMigration(cp, {
    installationPath: join(dir, 'crm', 'installation.yaml'),
    profileId: 'crm',
    tenantId,
  });
  await setPlan(cp, migration.id, [
    { activity: 'first migration', owner: 'migrator', estimate: '1h', deadline: '2027-01-31' },
  ]);
  await signPlan(cp, migration.id, 'vendor', 'Vera Vendor');
  await signPlan(cp, migration.id, 'customer', 'Carl Customer');
  return migration.id;
}

/** Two schedulers over one store, each with its own launcher (two servers). */
function twoSchedulers(cp: ControlPlane, events: SchedulerEvent[]) {
  const launchers = [0, 1].map(() => new RunLauncher(cp.store, new RunEventBus(), cp));
  const schedulers = launchers.map(
    (launcher) =>
      new Scheduler({
        cp,
        intervalMs: 150,
        startRun: (migrationId, idempotencyKey) =>
          launcher.startForMigration(cp, { migrationId, kind: 'incremental', idempotencyKey }),
        onEvent: (e) => events.push(e),
      }),
  );
  return { launchers, schedulers };
}

async function waitForRunsToEnd(store: Store, migrationId: string): Promise<void> {
  await until('the scheduled runs to end', async () => {
    const runs = await store.listRunsOfMigration(migrationId);
    return runs.every((r) => !['queued', 'running'].includes(r.status)) ? true : null;
  });
}

function suite(
  name: string,
  open: (dir: string) => Promise<{ store: Store; cleanup(): Promise<void> }>,
  skip: string | false = false,
) {
  describe(name, { skip }, () => {
    const dir = tempDir('scheduler');
    let store: Store;
    let cp: ControlPlane;
    let cleanup: () => Promise<void> = async () => undefined;

    before(async () => {
      ({ store, cleanup } = await open(dir.path));
      cp = { store, profiles: profileById };
      await initInstallation({ dir: join(dir.path, 'crm'), size: 'small', seed: 5, problems: false });
    });
    after(async () => {
      await store?.close();
      await cleanup();
      dir.remove();
    });

    it('starts a scheduled incremental run every 2 s, once per occurrence with two schedulers running', async () => {
      const id = await signedMigration(cp, dir.path, 'sched');
      const load = await startMigrationRun({ cp, migrationId: id, kind: 'test', ...quiet });
      assert.ok(['succeeded', 'succeeded-with-warnings'].includes(load.status), load.status);
      const schedule = await setSchedule(cp, id, '*/2 * * * * *');
      assert.ok(schedule.nextRunAt !== null);

      const events: SchedulerEvent[] = [];
      const { launchers, schedulers } = twoSchedulers(cp, events);
      for (const s of schedulers) s.start();
      const started = await until('a scheduled run', async () =>
        events.find((e) => e.type === 'schedule-started'),
      );
      // Let a few more occurrences come due (each skipped or started, never twice).
      await new Promise((r) => setTimeout(r, 4_500));
      await Promise.all(schedulers.map((s) => s.stop()));
      await waitForRunsToEnd(store, id);
      await Promise.all(launchers.map((l) => l.shutdown()));

      assert.equal(started.type, 'schedule-started');
      const run = await store.getRun(started.runId);
      assert.equal(run?.kind, 'incremental');
      assert.equal(run?.migrationId, id);
      assert.ok(['succeeded', 'succeeded-with-warnings'].includes(run.status), run.status);

      const byOccurrence = new Map<string, number>();
      for (const e of events)
        if (e.type === 'schedule-started' || e.type === 'schedule-skipped')
          byOccurrence.set(e.dueAt, (byOccurrence.get(e.dueAt) ?? 0) + 1);
      assert.ok(byOccurrence.size >= 2, `several occurrences came due (${byOccurrence.size})`);
      for (const [dueAt, n] of byOccurrence) assert.equal(n, 1, `occurrence ${dueAt} handled ${n} times`);
      const scheduledRuns = (await store.listRunsOfMigration(id)).filter((r) => r.kind === 'incremental');
      assert.equal(
        scheduledRuns.length,
        events.filter((e) => e.type === 'schedule-started').length,
        'one run per started occurrence',
      );
      assert.ok(
        events.every((e) => e.type !== 'schedule-error'),
        JSON.stringify(events),
      );

      const recorded = await getSchedule(cp, id);
      assert.ok(recorded !== null && recorded.lastRunAt !== null && recorded.lastOutcome !== null);
      assert.ok(
        recorded.nextRunAt !== null && recorded.nextRunAt > recorded.lastRunAt,
        'the next time moved on',
      );
      await clearSchedule(cp, id);
    });

    it('claims an occurrence once when two schedulers tick at the same moment', async () => {
      const id = await signedMigration(cp, dir.path, 'sched-race');
      await startMigrationRun({ cp, migrationId: id, kind: 'test', ...quiet });
      const schedule = await setSchedule(cp, id, '0 3 * * *');
      const events: SchedulerEvent[] = [];
      const { launchers, schedulers } = twoSchedulers(cp, events);
      const now = new Date(Date.parse(schedule.nextRunAt!) + 1_000);
      await Promise.all(schedulers.map((s) => s.tick(now)));
      await waitForRunsToEnd(store, id);
      await Promise.all(launchers.map((l) => l.shutdown()));
      assert.deepEqual(
        events.map((e) => e.type),
        ['schedule-started'],
      );
      assert.equal((await store.listRunsOfMigration(id)).filter((r) => r.kind === 'incremental').length, 1);
      await clearSchedule(cp, id);
    });

    it('records a skipped occurrence with the reason when the migration may not run', async () => {
      const id = await signedMigration(cp, dir.path, 'sched-skip');
      const schedule = await setSchedule(cp, id, '0 3 * * *');
      const events: SchedulerEvent[] = [];
      const { schedulers } = twoSchedulers(cp, events);
      await schedulers[0]!.tick(new Date(Date.parse(schedule.nextRunAt!) + 1_000));
      assert.equal(events[0]?.type, 'schedule-skipped');
      const recorded = await getSchedule(cp, id);
      assert.equal(recorded?.lastRunId, null);
      assert.match(recorded?.lastOutcome ?? '', /^skipped: .*first run is a test or full run/);
      assert.equal((await store.listRunsOfMigration(id)).length, 0);
    });
  });
}

suite('scheduler (SQLite store)', async (dir) => ({
  store: await openStore({ home: join(dir, 'home') }),
  cleanup: async () => undefined,
}));

// Declared whether or not PostgreSQL answers, so a missing server shows as a skipped suite.
let db: TestDatabase;
suite(
  'scheduler (PostgreSQL store)',
  async (dir) => {
    db = await freshDatabase('postgres', 'scheduler');
    return { store: await openStore({ url: db.url, home: join(dir, 'home') }), cleanup: () => db.drop() };
  },
  skipPostgres,
);
