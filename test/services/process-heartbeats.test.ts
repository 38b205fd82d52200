// Heartbeats of servers and workers on both stores, and `check for update` against them: the
// control plane's version is the newest live server's; a process not seen for a minute is gone.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  checkFleetForUpdate,
  fleet,
  liveForMs,
  startHeartbeat,
  workerUpdateCheck,
} from '../../src/services/process-heartbeats.ts';
import { controlPlaneVersion } from '../../src/services/update-check.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { ProcessHeartbeatRepository } from '../../src/store/process-heartbeat-repository.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';

const dir = tempDir('heartbeats');
after(() => dir.remove());
let pgDatabase: TestDatabase | undefined;
after(() => pgDatabase?.drop());

const stores = [
  {
    name: 'SQLite',
    skip: () => Promise.resolve(false as const),
    open: () => openStore({ home: join(dir.path, 'home') }),
  },
  {
    name: 'PostgreSQL',
    skip: () => skipUnless('postgres'),
    open: async () => {
      pgDatabase = await freshDatabase('postgres', 'heartbeats');
      return openStore({ url: pgDatabase.url, home: join(dir.path, 'pg-home') });
    },
  },
];

for (const kind of stores) {
  describe(`process heartbeats on the ${kind.name} store`, { skip: await kind.skip() }, () => {
    let store: Store;
    before(async () => (store = await kind.open()));
    after(() => store?.close());

    it('lists live processes, forgets one that stopped, and ignores one not seen for a minute', async () => {
      const server = await startHeartbeat(store, { id: 'server-a', role: 'server' });
      const worker = await startHeartbeat(store, { id: 'worker-a', role: 'worker', version: '0.0.1' });
      const repo = new ProcessHeartbeatRepository(store.kysely);
      await repo.beat(
        { id: 'worker-gone', role: 'worker', version: '0.0.1', migrationId: null },
        new Date(Date.now() - liveForMs - 1000).toISOString(),
      );
      const view = await fleet(store);
      assert.deepEqual(view.processes.map((p) => p.id).sort(), ['server-a', 'worker-a']);
      assert.equal(view.controlPlaneVersion, controlPlaneVersion());
      assert.equal(view.processes.find((p) => p.id === 'worker-a')?.update?.updateAvailable, true);
      await worker.stop();
      await server.stop();
      assert.deepEqual((await fleet(store)).processes, [], 'a clean stop removes the row');
      await repo.remove('worker-gone');
    });

    it('tells a worker older than the newest live server to update, and one as new that it is fine', async () => {
      const server = await startHeartbeat(store, { id: 'server-new', role: 'server', version: '98.1.0' });
      try {
        const outdated = await workerUpdateCheck(store, '98.0.9');
        assert.equal(outdated?.updateAvailable, true);
        assert.match(outdated?.message ?? '', /older than the control plane 98\.1\.0: update the worker/);
        assert.equal(await workerUpdateCheck(store, '98.1.0'), null);
        const check = await checkFleetForUpdate(store, '98.2.0');
        assert.equal(check.updateAvailable, false);
        assert.match(check.message, /newer than the control plane/);
      } finally {
        await server.stop();
      }
    });
  });
}
