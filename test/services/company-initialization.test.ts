// Company initialization with the erp profile: one job per company through the job queue — the
// embedded in-process queue on a SQLite store, pg-boss and a worker on a PostgreSQL store (with a
// PostgreSQL tenant) — each company's number series really written to the tenant, a change while a
// company is being initialized refused, a failing initialization shown as failed with its message,
// and a company whose worker died (or that no worker took) freed again.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openTarget } from '../../src/connectors/registry.ts';
import { isFerryError } from '../../src/domain/errors.ts';
import { numberSeriesTable } from '../../src/profiles/erp/company-initialization.ts';
import { createErpFixture } from '../../src/profiles/erp/fixture.ts';
import type { ApplicationProfile } from '../../src/profiles/profile.ts';
import { profileById } from '../../src/profiles/registry.ts';
import { readRows, textOf } from '../../src/profiles/source-rows.ts';
import { InProcessQueue } from '../../src/queue/in-process-queue.ts';
import type { JobQueue } from '../../src/queue/job-queue.ts';
import { PgBossQueue } from '../../src/queue/pg-boss-queue.ts';
import { chooseCompanies } from '../../src/services/companies.ts';
import {
  listCompanyInitializations,
  startCompanyInitializations,
  startInProcessCompanyInitializer,
  waitForCompanyInitializations,
  type CompanyInitializationView,
} from '../../src/services/company-initialization.ts';
import { type ControlPlane, migrationsRepo } from '../../src/services/control-plane.ts';
import { createMigration } from '../../src/services/migrations.ts';
import { RunWorker } from '../../src/services/run-worker.ts';
import { CompanyInitializationRepository } from '../../src/store/company-initialization-repository.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';

const dir = tempDir('company-init');
let fixtureFile = '';
let pgDatabase: TestDatabase | undefined;

before(async () => {
  fixtureFile = (await createErpFixture({ dir: join(dir.path, 'erp') })).installationFile;
});
after(async () => {
  await pgDatabase?.drop();
  dir.remove();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The erp profile, whose initialization waits while `gate` is closed (to watch a running job). */
function gatedErp(): { profiles: (id: string) => ApplicationProfile; close(): void; open(): void } {
  let release: (() => void) | null = null;
  let gate: Promise<void> = Promise.resolve();
  const erp = profileById('erp');
  const initialize = erp.companies.initialize!;
  const gated: ApplicationProfile = {
    ...erp,
    companies: { ...erp.companies, initialize: async (ctx, c) => (await gate, initialize(ctx, c)) },
  };
  return {
    profiles: (id) => (id === 'erp' ? gated : profileById(id)),
    close: () => (gate = new Promise((resolve) => (release = resolve))),
    open: () => release?.(),
  };
}

interface Setup {
  name: string;
  skip: () => Promise<string | false>;
  store: () => Promise<Store>;
  tenantDatabaseUrl: () => string | undefined;
  /** The queue jobs are submitted to, with whoever executes them already started. */
  jobs: (cp: ControlPlane) => Promise<{ queue: JobQueue; stop(): Promise<void> }>;
}

const setups: Setup[] = [
  {
    name: 'SQLite store, in-process jobs',
    skip: () => Promise.resolve(false),
    store: () => openStore({ home: join(dir.path, 'home') }),
    tenantDatabaseUrl: () => undefined,
    jobs: async (cp) => {
      const queue = await startInProcessCompanyInitializer(cp, { workerId: 'embedded', leaseMs: 3_000 });
      return { queue, stop: () => queue.stop() };
    },
  },
  {
    name: 'PostgreSQL store and tenant, pg-boss and a worker',
    skip: () => skipUnless('postgres'),
    store: async () => {
      pgDatabase = await freshDatabase('postgres', 'company_init');
      return openStore({ url: pgDatabase.url, home: join(dir.path, 'pg-home') });
    },
    tenantDatabaseUrl: () => pgDatabase?.url,
    jobs: async (cp) => {
      const url = pgDatabase?.url ?? '';
      const queue = await PgBossQueue.open({ url, pollingIntervalSeconds: 0.5 });
      const workerQueue = await PgBossQueue.open({ url, pollingIntervalSeconds: 0.5 });
      const worker = new RunWorker({
        store: cp.store,
        queue: workerQueue,
        controlPlane: cp,
        workerId: 'worker-1',
        version: '0.0.0-test',
        leaseMs: 3_000,
      });
      await worker.start(2);
      return {
        queue,
        async stop() {
          await worker.stop({ graceful: true, timeoutMs: 5_000 });
          await queue.stop({ graceful: false });
        },
      };
    },
  },
];

for (const setup of setups) {
  describe(`company initialization (${setup.name})`, { skip: await setup.skip() }, () => {
    let store: Store;
    let cp: ControlPlane;
    let jobs: { queue: JobQueue; stop(): Promise<void> };
    let m = '';
    const gate = gatedErp();

    before(async () => {
      store = await setup.store();
      cp = { store, profiles: gate.profiles };
      const tenantDatabaseUrl = setup.tenantDatabaseUrl();
      const view = await createMigration(cp, {
        installationPath: fixtureFile,
        profileId: 'erp',
        tenantId: 'erp-init',
        ...(tenantDatabaseUrl === undefined ? {} : { tenantDatabaseUrl }),
      });
      m = view.migration.id;
      await chooseCompanies(cp, m, ['CRONUS', 'Fabrikam']);
      jobs = await setup.jobs(cp);
    });
    after(async () => {
      gate.open();
      await jobs?.stop();
      await store?.close();
    });

    /** The tenant's number series of `company`: code → last number used. */
    async function numberSeries(company: string): Promise<Map<string, string>> {
      const tenant = await migrationsRepo(cp).getTenant('erp-init');
      const target = await openTarget(tenant?.databaseUrl ?? '');
      try {
        const tables = await target.listTables();
        const table = tables.find((t) => t.name === numberSeriesTable(company).name);
        assert.ok(table, `the tenant has ${numberSeriesTable(company).name}`);
        const out = new Map<string, string>();
        for await (const row of readRows({ source: target }, table, ['Code', 'Last No_ Used'] as const))
          out.set(textOf(row.Code), textOf(row['Last No_ Used']));
        return out;
      } finally {
        await target.close();
      }
    }

    const byId = (list: CompanyInitializationView[], id: string) => {
      const found = list.find((c) => c.companyId === id);
      assert.ok(found, `a job for ${id}`);
      return found;
    };

    it('initializes every selected company, one job each, and writes their number series', async () => {
      const started = await startCompanyInitializations(cp, m, null, jobs.queue);
      assert.deepEqual(started.companies.map((c) => c.companyId).sort(), ['CRONUS', 'Fabrikam']);
      const done = await waitForCompanyInitializations(cp, m, null, { pollMs: 100 });
      for (const company of ['CRONUS', 'Fabrikam']) {
        const job = byId(done.companies, company);
        assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
        assert.match(job.summary ?? '', /created table .*\$No_ Series; 2 of 2 number series added/);
        assert.ok(job.startedAt !== null && job.finishedAt !== null && job.finishedAt >= job.startedAt);
        assert.deepEqual([...(await numberSeries(company)).entries()].sort(), [
          ['CUST', 'C00025'],
          ['VEND', 'V00010'],
        ]);
      }
    });

    it('is idempotent: initializing again keeps what is set up', async () => {
      await startCompanyInitializations(cp, m, ['CRONUS'], jobs.queue);
      const done = await waitForCompanyInitializations(cp, m, ['CRONUS'], { pollMs: 100 });
      const job = byId(done.companies, 'CRONUS');
      assert.equal(job.status, 'succeeded');
      assert.match(job.summary ?? '', /kept table CRONUS\$No_ Series; 0 of 2 number series added/);
      assert.equal((await numberSeries('CRONUS')).size, 2);
    });

    it('refuses to change a company while it is being initialized', async () => {
      gate.close();
      await startCompanyInitializations(cp, m, ['Fabrikam'], jobs.queue);
      for (let i = 0; ; i++) {
        const job = byId((await listCompanyInitializations(cp, m)).companies, 'Fabrikam');
        if (job.status === 'running') {
          assert.ok(job.worker !== null);
          break;
        }
        assert.ok(i < 200, `Fabrikam's job never started: ${job.status}`);
        await sleep(50);
      }
      await assert.rejects(startCompanyInitializations(cp, m, ['Fabrikam'], jobs.queue), (e) => {
        assert.ok(isFerryError(e, 'FERRY_COMPANY_BUSY'));
        assert.match(e.message, /"Fabrikam" \(running\)/);
        return true;
      });
      await assert.rejects(chooseCompanies(cp, m, ['CRONUS']), (e) => isFerryError(e, 'FERRY_COMPANY_BUSY'));
      // A selection that keeps the busy company as it is may change.
      await chooseCompanies(cp, m, ['CRONUS', 'Fabrikam']);
      gate.open();
      const done = await waitForCompanyInitializations(cp, m, ['Fabrikam'], { pollMs: 100 });
      assert.equal(byId(done.companies, 'Fabrikam').status, 'succeeded');
      await chooseCompanies(cp, m, ['CRONUS']);
      await chooseCompanies(cp, m, null);
    });

    it('shows a failing initialization as failed, with its message', async () => {
      await startCompanyInitializations(cp, m, ['Contoso "Test"'], jobs.queue);
      const done = await waitForCompanyInitializations(cp, m, ['Contoso "Test"'], { pollMs: 100 });
      const job = byId(done.companies, 'Contoso "Test"');
      assert.equal(job.status, 'failed');
      assert.equal(job.error?.code, 'FERRY_COMPANY_INITIALIZATION_FAILED');
      assert.match(job.error?.message ?? '', /cannot be set up in the cloud: its name contains "\\""/);
      assert.equal(job.summary, null);
    });

    it('frees a company whose worker died, once its lease has expired', async () => {
      const repo = new CompanyInitializationRepository(store.kysely);
      const now = new Date();
      await repo.queue(m, [{ id: 'CRONUS', name: 'CRONUS Ltd.' }], {
        queuedAt: now.toISOString(),
        takeBy: new Date(now.getTime() + 60_000).toISOString(),
      });
      // A worker claims the job, then dies: it never renews nor finishes.
      assert.equal(
        await repo.claim(m, 'CRONUS', {
          owner: 'dead-worker',
          startedAt: now.toISOString(),
          expiresAt: new Date(Date.now() + 300).toISOString(),
        }),
        true,
      );
      await assert.rejects(startCompanyInitializations(cp, m, ['CRONUS'], jobs.queue), (e) =>
        isFerryError(e, 'FERRY_COMPANY_BUSY'),
      );
      await sleep(400);
      const job = byId((await listCompanyInitializations(cp, m)).companies, 'CRONUS');
      assert.equal(job.status, 'failed');
      assert.match(job.error?.message ?? '', /the worker executing the job stopped \(its lease expired\)/);
      await startCompanyInitializations(cp, m, ['CRONUS'], jobs.queue);
      const done = await waitForCompanyInitializations(cp, m, ['CRONUS'], { pollMs: 100 });
      assert.equal(byId(done.companies, 'CRONUS').status, 'succeeded');
    });

    it('fails a queued job that no worker takes in time', async () => {
      const nobody = new InProcessQueue(); // never started: nobody takes its jobs
      const started = await startCompanyInitializations(cp, m, ['Fabrikam'], nobody, {
        queuedTimeoutMs: 200,
      });
      assert.equal(byId(started.companies, 'Fabrikam').status, 'queued');
      await assert.rejects(chooseCompanies(cp, m, ['CRONUS']), (e) => isFerryError(e, 'FERRY_COMPANY_BUSY'));
      await sleep(300);
      const job = byId((await listCompanyInitializations(cp, m)).companies, 'Fabrikam');
      assert.equal(job.status, 'failed');
      assert.match(job.error?.message ?? '', /no worker took the job in time/);
      await chooseCompanies(cp, m, ['CRONUS']);
    });
  });
}
