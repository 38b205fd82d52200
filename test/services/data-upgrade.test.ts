// data-upgrade runs: refused before any load succeeded and after go-live; after a test run they
// apply the CRM's 11.0 step to the tenant (persons.full_name), record the tenant data version,
// leave the source untouched, and a second run finds nothing left to do.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { isFerryError } from '../../src/domain/errors.ts';
import type { MigrationPhase } from '../../src/domain/migration-phase.ts';
import { assertRunAllowed, type MigrationFacts } from '../../src/domain/migration-rules.ts';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import { profileById } from '../../src/profiles/registry.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { startMigrationRun } from '../../src/services/migration-runs.ts';
import { createMigration, getMigration, setPlan, signPlan } from '../../src/services/migrations.ts';
import { getTenant } from '../../src/services/tenants.ts';
import { readInstallation } from '../../src/services/installation-file.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { tempDir } from '../support/servers.ts';

const quiet = { onEvent: () => undefined, signal: new AbortController().signal };

function facts(phase: MigrationPhase, finalCompletedAt: string | null = null): MigrationFacts {
  return {
    id: 'm-1',
    phase,
    pausedFrom: null,
    planActivityCount: 1,
    planSignatures: [],
    approvalSignatures: [],
    checklist: [],
    finalCompletedAt,
    license: null,
  };
}

describe('data-upgrade runs', () => {
  const dir = tempDir('data-upgrade');
  let store: Store;
  let cp: ControlPlane;
  let migrationId = '';

  before(async () => {
    store = await openStore({ home: join(dir.path, 'home') });
    cp = { store, profiles: profileById };
    await initInstallation({ dir: join(dir.path, 'crm'), size: 'small', seed: 11, problems: false });
    const { migration } = await createMigration(cp, {
      installationPath: join(dir.path, 'crm', 'installation.yaml'),
      profileId: 'crm',
      tenantId: 'upgraded',
    });
    migrationId = migration.id;
    await setPlan(cp, migrationId, [
      { activity: 'first migration', owner: 'migrator', estimate: '1h', deadline: '2027-01-31' },
    ]);
    await signPlan(cp, migrationId, 'vendor', 'Vera Vendor');
    await signPlan(cp, migrationId, 'customer', 'Carl Customer');
  });
  after(async () => {
    await store?.close();
    dir.remove();
  });

  it('is allowed only on loaded data and never after go-live (the rule)', () => {
    const refused = (phase: MigrationPhase, final: string | null, pattern: RegExp) =>
      assert.throws(
        () => assertRunAllowed(facts(phase, final), 'data-upgrade', null),
        (e: unknown) => isFerryError(e, 'FERRY_ILLEGAL_TRANSITION') && pattern.test(e.message),
      );
    refused('planning', null, /no loading run has succeeded yet/);
    refused('first-migration', null, /no loading run has succeeded yet/);
    refused('approved', null, /only the final run may start now/);
    refused('final-migration', null, /final run has not succeeded yet/);
    refused('live', '2027-01-01T00:00:00.000Z', /nothing of any kind may run or change after go-live/);
    assert.doesNotThrow(() => assertRunAllowed(facts('parallel'), 'data-upgrade', null));
    assert.doesNotThrow(() =>
      assertRunAllowed(facts('final-migration', '2027-01-01T00:00:00.000Z'), 'data-upgrade', null),
    );
  });

  it('is refused with a clear message before any loading run succeeded', async () => {
    await assert.rejects(
      startMigrationRun({ cp, migrationId, kind: 'data-upgrade', ...quiet }),
      (e: unknown) => {
        assert.ok(isFerryError(e, 'FERRY_ILLEGAL_TRANSITION'), String(e));
        assert.match(e.message, /data-upgrade run refused: no loading run has succeeded yet/);
        return true;
      },
    );
    assert.equal((await store.listRunsOfMigration(migrationId)).length, 0, 'no run was recorded');
  });

  it('upgrades the tenant data to 11.0 after a test run, idempotently, without touching the source', async () => {
    const load = await startMigrationRun({ cp, migrationId, kind: 'test', ...quiet });
    assert.ok(['succeeded', 'succeeded-with-warnings'].includes(load.status), load.status);
    assert.equal((await getMigration(cp, migrationId)).phase, 'parallel');

    const upgrade = await startMigrationRun({ cp, migrationId, kind: 'data-upgrade', ...quiet });
    assert.equal(upgrade.kind, 'data-upgrade');
    assert.equal(upgrade.status, 'succeeded');
    const tenant = await getTenant(cp, 'upgraded');
    const db = new Database(tenant.databaseUrl.replace(/^sqlite:/, ''), { readonly: true });
    const persons = db
      .prepare(`SELECT count(*) AS n, sum(full_name = first_name || ' ' || last_name) AS filled FROM persons`)
      .get() as { n: number; filled: number };
    const versions = db.prepare('SELECT version FROM app_version ORDER BY id').all() as { version: string }[];
    db.close();
    assert.ok(persons.n > 0);
    assert.equal(persons.filled, persons.n, 'every person has full_name = first + last name');
    assert.deepEqual(
      versions.map((v) => v.version),
      ['10.3', '11.0'],
      'the tenant records its data version',
    );

    const results = await store.listTableResults(upgrade.runId);
    assert.deepEqual(
      results.map((r) => [r.table, r.status, r.rowsWritten]),
      [['persons', 'migrated', persons.n]],
    );
    assert.match(results[0]!.messages[0]!.text, /11\.0 crm\.persons-full-name: full_name filled/);
    const run = await store.getRun(upgrade.runId);
    assert.equal(run?.kind, 'data-upgrade');
    assert.equal(run?.status, 'succeeded');
    const migration = await getMigration(cp, migrationId);
    assert.equal(migration.activeRunId, null, 'the migration is released');
    assert.equal(migration.phase, 'parallel');
    assert.equal((await getTenant(cp, 'upgraded')).state, 'offline-maintenance');

    // The source keeps its on-premises shape.
    const installation = await readInstallation(join(dir.path, 'crm', 'installation.yaml'));
    const src = new Database(installation.database.replace(/^sqlite:/, ''), { readonly: true });
    const columns = (src.prepare('PRAGMA table_info(persons)').all() as { name: string }[]).map(
      (c) => c.name,
    );
    const srcVersions = src.prepare('SELECT count(*) AS n FROM app_version').get() as { n: number };
    src.close();
    assert.ok(!columns.includes('full_name'), 'the source has no full_name column');
    assert.equal(srcVersions.n, 1);

    const again = await startMigrationRun({ cp, migrationId, kind: 'data-upgrade', ...quiet });
    assert.equal(again.status, 'succeeded');
    assert.deepEqual(again.tables, [], 'at 11.0 already: nothing to do');
    const db2 = new Database(tenant.databaseUrl.replace(/^sqlite:/, ''), { readonly: true });
    const count = db2.prepare('SELECT count(*) AS n FROM app_version').get() as { n: number };
    db2.close();
    assert.equal(count.n, 2, 'the version is recorded once');
  });
});
