// The control plane's services on both stores (a SQLite file and a fresh PostgreSQL database):
// migrations through every phase, the run gate, the license binding, tenants, tokens, runtime
// keys, schedules and companies. The installation is a real generated CRM; the profile is the real
// crm profile; runs are simulated by the calls the run service makes to the run gate.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openTarget } from '../../src/connectors/registry.ts';
import { isFerryError, type ErrorCode } from '../../src/domain/errors.ts';
import { LICENSE_CHANGED_MESSAGE, runKinds, type RunKind } from '../../src/domain/migration-rules.ts';
import { defaultRunOptions } from '../../src/services/copy-runs.ts';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import { profileById } from '../../src/profiles/registry.ts';
import { chooseCompanies, listCompanies } from '../../src/services/companies.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { readInstallation, writeInstallation } from '../../src/services/installation-file.ts';
import {
  abandon,
  goLive,
  pausePhase,
  resetCloudData,
  resumePhase,
} from '../../src/services/migration-lifecycle.ts';
import {
  addChecklistItem,
  approve,
  createMigration,
  getMigration,
  listChecklist,
  recordChecklistResult,
  setPlan,
  showMigration,
  signPlan,
} from '../../src/services/migrations.ts';
import { createRunGate } from '../../src/services/run-gate.ts';
import { getRuntimeKey, resetRuntimeKey, verifyRuntimeKey } from '../../src/services/runtime-keys.ts';
import { hashSecret } from '../../src/services/secrets.ts';
import { claimScheduledRun, clearSchedule, dueSchedules, setSchedule } from '../../src/services/schedules.ts';
import { tenantSchema } from '../../src/services/tenants.ts';
import {
  createOperatorToken,
  listOperatorTokens,
  revokeOperatorToken,
  verifyOperatorToken,
} from '../../src/services/tokens.ts';
import { checkForUpdate } from '../../src/services/update-check.ts';
import { fileSource } from '../../src/storage/blob-store.ts';
import { openBlobStore } from '../../src/storage/open-blob-store.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';

const dir = tempDir('control-plane');
let template = '';
let copies = 0;

before(async () => {
  template = join(dir.path, 'template');
  await initInstallation({ dir: template, size: 'small' });
});
after(() => dir.remove());

/**
 * A private installation sharing the generated database and archive (read-only here) with its own
 * service config, which go-live archives and abandon unfreezes. Copying the whole archive per
 * migration would cost seconds on slow disks.
 */
async function freshInstallation(): Promise<string> {
  const folder = join(dir.path, `installation-${++copies}`);
  mkdirSync(folder);
  const shared = await readInstallation(join(template, 'installation.yaml'));
  const serviceConfig = join(folder, 'service.config');
  copyFileSync(shared.serviceConfig, serviceConfig);
  const path = join(folder, 'installation.yaml');
  await writeInstallation(path, { ...shared, serviceConfig });
  return path;
}

async function rejects(promise: Promise<unknown>, code: ErrorCode, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isFerryError(error, code), `expected ${code}, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

const pgSkip = await skipUnless('postgres');

interface StoreCase {
  kind: 'sqlite' | 'postgres';
  skip: string | false;
  open(home: string): Promise<{ store: Store; tenantDb?: string; drop(): Promise<void> }>;
}

const cases: StoreCase[] = [
  {
    kind: 'sqlite',
    skip: false,
    async open(home) {
      return { store: await openStore({ home }), drop: async () => undefined };
    },
  },
  {
    kind: 'postgres',
    skip: pgSkip,
    async open(home) {
      const db: TestDatabase = await freshDatabase('postgres', 'control_plane');
      // The PostgreSQL store also keeps its tenants in PostgreSQL (schema tenant_<id>).
      return { store: await openStore({ url: db.url, home }), tenantDb: db.url, drop: () => db.drop() };
    },
  },
];

for (const c of cases) {
  describe(`control plane on a ${c.kind} store`, { skip: c.skip }, () => {
    let cp: ControlPlane;
    let tenantDb: string | undefined;
    let drop: () => Promise<void> = async () => undefined;
    let store: Store | undefined;
    let runs = 0;
    const home = join(dir.path, `home-${c.kind}`);

    before(async () => {
      const opened = await c.open(home);
      store = opened.store;
      tenantDb = opened.tenantDb;
      drop = opened.drop;
      cp = { store: opened.store, profiles: profileById };
    });
    after(async () => {
      await store?.close();
      await drop();
    });

    async function newMigration(tenantId: string) {
      const v = await createMigration(cp, {
        installationPath: await freshInstallation(),
        profileId: 'crm',
        tenantId,
        ...(tenantDb === undefined ? {} : { tenantDatabaseUrl: tenantDb }),
      });
      return v.migration.id;
    }

    async function signedPlan(id: string) {
      await setPlan(cp, id, [
        { activity: 'Test migration', owner: 'Vendor team', estimate: '4h', deadline: '2027-01-31' },
      ]);
      await signPlan(cp, id, 'vendor', 'Vera Vendor');
      await signPlan(cp, id, 'customer', 'Carl Customer');
    }

    /** What the run service does around one run: create it, start it through the gate, end it. */
    async function startRun(
      id: string,
      kind: RunKind,
      license = { companyName: 'Acme AB', serialNumber: 'SN-1' },
    ) {
      const runId = `r-${c.kind}-${++runs}`;
      await cp.store.createRun({
        id: runId,
        kind,
        migrationId: id,
        status: 'running',
        step: 'planned',
        sourceUrl: 'sqlite:source.db',
        targetUrl: 'sqlite:target.db',
        sourceLocation: 'sqlite:source.db',
        targetLocation: 'sqlite:target.db',
        options: { ...defaultRunOptions, replace: false },
        plan: null,
      });
      await createRunGate(cp).runStarted(id, runId, kind, license);
      return runId;
    }

    async function endRun(
      id: string,
      runId: string,
      kind: RunKind,
      outcome: 'succeeded' | 'failed' = 'succeeded',
    ) {
      await cp.store.updateRun(runId, { status: outcome });
      await createRunGate(cp).runEnded(id, runId, kind, outcome);
    }

    async function toParallel(tenantId: string) {
      const id = await newMigration(tenantId);
      await signedPlan(id);
      const run = await startRun(id, 'test');
      await endRun(id, run, 'test');
      return id;
    }

    it('walks a migration from planning to live, and refuses everything afterwards', async () => {
      const id = await newMigration('acme');
      let view = await showMigration(cp, id);
      assert.equal(view.migration.phase, 'planning');
      assert.equal(view.tenant.state, 'provisioned');
      assert.deepEqual(
        view.checklist.map((i) => i.id),
        profileById('crm').checklist.map((i) => i.id),
      );
      if (tenantDb !== undefined)
        assert.match(view.tenant.databaseUrl, new RegExp(`schema=${tenantSchema('acme')}`));

      const gate = createRunGate(cp);
      await rejects(gate.assertRunAllowed(id, 'test'), 'FERRY_ILLEGAL_TRANSITION', /plan has no activities/);
      await setPlan(cp, id, [
        { activity: 'Test migration', owner: 'Vendor team', estimate: '4h', deadline: '2027-01-31' },
        { activity: 'Parallel tests', owner: 'Customer', estimate: '2d', deadline: '2027-02-28' },
      ]);
      await signPlan(cp, id, 'vendor', 'Vera Vendor');
      await rejects(gate.assertRunAllowed(id, 'test'), 'FERRY_ILLEGAL_TRANSITION', /missing: customer/);
      await signPlan(cp, id, 'customer', 'Carl Customer');
      view = await showMigration(cp, id);
      assert.equal(view.plan.totalEstimateMinutes, 4 * 60 + 16 * 60);
      assert.deepEqual(view.plan.missing, []);

      const first = await startRun(id, 'full');
      view = await showMigration(cp, id);
      assert.equal(view.migration.phase, 'first-migration');
      assert.equal(view.tenant.state, 'in-migration');
      assert.deepEqual(view.activeRun, { id: first, kind: 'full', status: 'running' });
      assert.equal(view.migration.license?.companyName, 'Acme AB');
      await rejects(
        gate.assertRunAllowed(id, 'incremental'),
        'FERRY_ILLEGAL_TRANSITION',
        new RegExp(`run ${first} \\(full\\) is running`),
      );
      await endRun(id, first, 'full');
      view = await showMigration(cp, id);
      assert.equal(view.migration.phase, 'parallel');
      assert.equal(view.tenant.state, 'offline-maintenance');
      assert.equal(view.activeRun, null);

      await rejects(gate.assertRunAllowed(id, 'final'), 'FERRY_ILLEGAL_TRANSITION', /final run refused/);
      const custom = await addChecklistItem(cp, id, 'Invoices print with the new layout');
      assert.equal(custom.id, 'custom-1');
      for (const item of await listChecklist(cp, id))
        await recordChecklistResult(cp, id, item.id, 'passed', 'Carl Customer');
      await recordChecklistResult(cp, id, 'documents-open', 'failed', 'Carl Customer');
      await rejects(
        approve(cp, id, 'vendor', 'Vera Vendor'),
        'FERRY_ILLEGAL_TRANSITION',
        /documents-open: failed/,
      );
      const passed = await recordChecklistResult(cp, id, 'documents-open', 'passed', 'Vera Vendor');
      assert.equal(passed.item.decidedBy, 'Vera Vendor');
      assert.notEqual(passed.item.decidedAt, null);
      const half = await approve(cp, id, 'vendor', 'Vera Vendor');
      assert.deepEqual(half.missing, ['customer']);
      assert.equal(half.migration.phase, 'parallel');
      const both = await approve(cp, id, 'customer', 'Carl Customer');
      assert.equal(both.migration.phase, 'approved');

      await rejects(
        gate.assertRunAllowed(id, 'incremental'),
        'FERRY_ILLEGAL_TRANSITION',
        /only the final run may start/,
      );
      await rejects(goLive(cp, id), 'FERRY_ILLEGAL_TRANSITION', /go-live refused/);
      const final = await startRun(id, 'final');
      assert.equal((await getMigration(cp, id)).phase, 'final-migration');
      await endRun(id, final, 'final');
      const live = await goLive(cp, id);
      assert.equal(live.phase, 'live');
      view = await showMigration(cp, id);
      assert.equal(view.tenant.state, 'running');
      const installation = await readInstallation(live.installationPath);
      assert.equal(await profileById('crm').freeze.isFrozen(installation), true, 'source archived read-only');

      for (const kind of runKinds)
        await rejects(
          gate.assertRunAllowed(id, kind),
          'FERRY_ILLEGAL_TRANSITION',
          /is live: .*nothing of any kind/,
        );
      await rejects(
        setPlan(cp, id, [{ activity: 'x', owner: 'y', estimate: '1h', deadline: '2027-01-01' }]),
        'FERRY_ILLEGAL_TRANSITION',
        /is live/,
      );
      await rejects(pausePhase(cp, id), 'FERRY_ILLEGAL_TRANSITION', /live/);
      await rejects(abandon(cp, id), 'FERRY_ILLEGAL_TRANSITION', /live/);
      await rejects(resetCloudData(cp, id), 'FERRY_ILLEGAL_TRANSITION', /live/);
      await rejects(setSchedule(cp, id, '0 2 * * *'), 'FERRY_ILLEGAL_TRANSITION', /live/);
      await rejects(resetRuntimeKey(cp, id), 'FERRY_ILLEGAL_TRANSITION', /live/);
      await rejects(addChecklistItem(cp, id, 'late'), 'FERRY_ILLEGAL_TRANSITION', /live/);
    });

    it('binds the session to the license recorded at the first run', async () => {
      const id = await newMigration('license-co');
      await signedPlan(id);
      const run = await startRun(id, 'test', { companyName: 'Acme AB', serialNumber: 'SN-1' });
      await endRun(id, run, 'test', 'failed');
      await assert.rejects(
        startRun(id, 'test', { companyName: 'Acme AB', serialNumber: 'SN-2' }),
        (error: unknown) =>
          isFerryError(error, 'FERRY_LICENSE_CHANGED') &&
          error.message === LICENSE_CHANGED_MESSAGE &&
          error.status === 409,
      );
      const again = await startRun(id, 'test', { companyName: 'Acme AB', serialNumber: 'SN-1' });
      assert.equal((await getMigration(cp, id)).activeRunId, again);
    });

    it('lets exactly one of two runs started at once claim the migration', async () => {
      const id = await toParallel('race-co');
      const results = await Promise.allSettled([startRun(id, 'incremental'), startRun(id, 'incremental')]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const loser = results.find((r) => r.status === 'rejected');
      assert.ok(loser !== undefined && isFerryError(loser.reason, 'FERRY_ILLEGAL_TRANSITION'), String(loser));
    });

    it('pauses and resumes the phase, abandons (unfreezing the source) and archives the tenant', async () => {
      const id = await toParallel('pause-co');
      await pausePhase(cp, id);
      await rejects(
        createRunGate(cp).assertRunAllowed(id, 'incremental'),
        'FERRY_ILLEGAL_TRANSITION',
        /paused \(from parallel\)/,
      );
      assert.equal((await resumePhase(cp, id)).phase, 'parallel');
      const m = await getMigration(cp, id);
      const installation = await readInstallation(m.installationPath);
      await profileById('crm').freeze.freeze(installation);
      assert.equal((await abandon(cp, id)).phase, 'abandoned');
      assert.equal(await profileById('crm').freeze.isFrozen(installation), false, 'source unfrozen');
      assert.equal((await showMigration(cp, id)).tenant.state, 'archived');
      await rejects(newMigration('pause-co'), 'FERRY_TENANT_IN_USE', /archived/);
      await rejects(createRunGate(cp).assertRunAllowed(id, 'test'), 'FERRY_ILLEGAL_TRANSITION', /abandoned/);
    });

    it('refuses a second migration into a tenant that is in use', async () => {
      const id = await newMigration('busy-co');
      await rejects(
        newMigration('busy-co'),
        'FERRY_TENANT_IN_USE',
        new RegExp(`migration ${id} \\(planning\\)`),
      );
    });

    it('resets cloud data: wipes the tenant database and documents, keeps the migration', async () => {
      const id = await toParallel('reset-co');
      await recordChecklistResult(cp, id, 'users-log-in', 'passed', 'Carl');
      const before = await showMigration(cp, id);
      const tenant = await cp.store.kysely
        .selectFrom('tenants')
        .selectAll()
        .where('id', '=', 'reset-co')
        .executeTakeFirstOrThrow();
      const target = await openTarget(tenant.database_url);
      await target.execute(['CREATE TABLE "persons" ("id" integer)', 'CREATE TABLE "order" ("id" integer)']);
      await target.close();
      const file = join(dir.path, 'doc.txt');
      writeFileSync(file, 'hello');
      const blobs = openBlobStore(tenant.blob_store_url);
      await blobs.put('so_arc/doc.txt', fileSource(file, 5), { size: 5 });
      await blobs.close();

      const r = await resetCloudData(cp, id);
      assert.deepEqual([r.tables, r.documents], [2, 1]);
      assert.equal(r.migration.phase, 'first-migration');
      const check = await openTarget(tenant.database_url);
      assert.deepEqual(await check.listTables(), []);
      await check.close();
      const after = await showMigration(cp, id);
      assert.deepEqual(after.plan.signatures, before.plan.signatures);
      assert.ok(after.checklist.every((i) => i.status === 'open'));
      assert.equal(after.tenant.state, 'offline-maintenance');
    });

    it('stores operator tokens hashed, shows them once and refuses a revoked one at once', async () => {
      const { token, record } = await createOperatorToken(cp, 'ci');
      const rows = JSON.stringify(await cp.store.kysely.selectFrom('operator_tokens').selectAll().execute());
      assert.ok(!rows.includes(token), 'plaintext token stored');
      assert.ok(rows.includes(hashSecret(token)));
      assert.equal((await verifyOperatorToken(cp, token))?.id, record.id);
      assert.notEqual((await listOperatorTokens(cp)).find((t) => t.id === record.id)?.lastUsedAt, null);
      assert.equal(await verifyOperatorToken(cp, token.slice(0, -1) + 'x'), null);
      await revokeOperatorToken(cp, record.id);
      assert.equal(await verifyOperatorToken(cp, token), null);
      await rejects(revokeOperatorToken(cp, record.id), 'FERRY_TOKEN_NOT_FOUND', /no active operator token/);
    });

    it('shows a runtime key once, stores its hash, and refuses the old key at once after a reset', async () => {
      const id = await newMigration('key-co');
      const first = await getRuntimeKey(cp, id);
      assert.ok(first.key !== null && first.key.startsWith('ferry_rk_'));
      assert.equal((await getRuntimeKey(cp, id)).key, null, 'shown only once');
      assert.equal(await verifyRuntimeKey(cp, first.key), id);
      const second = await resetRuntimeKey(cp, id);
      assert.ok(second.key !== null && second.key !== first.key);
      assert.equal(await verifyRuntimeKey(cp, first.key), null, 'old key refused');
      assert.equal(await verifyRuntimeKey(cp, second.key), id);
      const rows = JSON.stringify(await cp.store.kysely.selectFrom('runtime_keys').selectAll().execute());
      assert.ok(!rows.includes(first.key) && !rows.includes(second.key), 'plaintext key stored');
    });

    it('computes and stores the next run of a cron schedule; one worker claims each due run', async () => {
      const id = await newMigration('cron-co');
      const clocked: ControlPlane = { ...cp, clock: () => new Date('2027-01-10T12:00:00Z') };
      const s = await setSchedule(clocked, id, '0 2 * * *');
      assert.equal(s.nextRunAt, '2027-01-11T02:00:00.000Z');
      await rejects(
        setSchedule(clocked, id, 'every night'),
        'FERRY_INVALID_ARGUMENT',
        /not a valid cron expression/,
      );
      const due = (await dueSchedules(cp, new Date('2027-01-11T02:00:00Z'))).filter(
        (d) => d.migrationId === id,
      );
      assert.equal(due.length, 1);
      const claims = await Promise.all([
        claimScheduledRun(cp, due[0]!, new Date('2027-01-11T02:00:01Z')),
        claimScheduledRun(cp, due[0]!, new Date('2027-01-11T02:00:01Z')),
      ]);
      assert.deepEqual(claims.sort(), [false, true]);
      assert.equal((await showMigration(cp, id)).schedule?.nextRunAt, '2027-01-12T02:00:00.000Z');
      assert.equal(await clearSchedule(cp, id), true);
      assert.equal((await showMigration(cp, id)).schedule, null);
    });

    it("lists the source's companies with their estimated size and selects a subset", async () => {
      const id = await newMigration('companies-co');
      const companies = await listCompanies(cp, id);
      assert.equal(companies.length, 1);
      assert.ok(companies[0]!.estimatedRows > 0 && companies[0]!.selected);
      await rejects(
        chooseCompanies(cp, id, ['nope']),
        'FERRY_INVALID_ARGUMENT',
        /unknown company id\(s\): nope/,
      );
      assert.deepEqual((await chooseCompanies(cp, id, [companies[0]!.id])).selectedCompanies, [
        companies[0]!.id,
      ]);
    });

    it('refuses an unknown migration with FERRY_MIGRATION_NOT_FOUND', async () => {
      await rejects(showMigration(cp, 'm-nothere'), 'FERRY_MIGRATION_NOT_FOUND', /no migration "m-nothere"/);
    });
  });
}

describe('check for update', () => {
  it("compares a worker's version with the control plane's package version", () => {
    assert.equal(checkForUpdate('0.0.9', '0.1.0').updateAvailable, true);
    assert.equal(checkForUpdate('0.1.0', '0.1.0').updateAvailable, false);
    assert.match(checkForUpdate('0.0.1').controlPlaneVersion, /^\d+\.\d+\.\d+/);
  });
});
