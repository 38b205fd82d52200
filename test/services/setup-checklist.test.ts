// The setup checklist of a run: crm's excluded permission table with the profile's reason and setup
// text, nothing else for a clean run; unknown runs are refused; the text rendering lists each item.
// On real servers, one run shows every category: excluded by the profile, excluded by the table
// mappings, not carried by the plan, and failed.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isFerryError } from '../../src/domain/errors.ts';
import { crmProfile } from '../../src/profiles/crm/profile.ts';
import { profileById } from '../../src/profiles/registry.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import mysql from 'mysql2/promise';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import { startMigrationRun } from '../../src/services/migration-runs.ts';
import { buildSetupChecklist, renderSetupChecklist } from '../../src/services/setup-checklist.ts';
import { setTableMappings } from '../../src/services/table-mappings.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';
import { loadedMigration, quiet, signedMigration } from './sanitize-fixture.ts';

describe('setup checklist of a run', () => {
  const dir = tempDir('setup-checklist');
  let store: Store;
  let cp: ControlPlane;
  let runId: string;
  let migrationId: string;

  before(async () => {
    store = await openStore({ home: join(dir.path, 'home') });
    cp = { store, profiles: profileById };
    ({ runId, migrationId } = await loadedMigration(cp, dir.path, 'setup'));
  });
  after(async () => {
    await store?.close();
    dir.remove();
  });

  it("lists crm's excluded permission table with its reason and what to set up instead", async () => {
    const checklist = await buildSetupChecklist(cp, runId);
    const rule = crmProfile.excludedTables.find((e) => e.table === 'role_permissions');
    assert.ok(rule);
    assert.deepEqual(checklist, {
      runId,
      migrationId,
      items: [{ table: 'role_permissions', category: 'excluded', reason: rule.reason, setup: rule.setup }],
    });
    const text = renderSetupChecklist(checklist).join('\n');
    assert.match(text, /1 table\(s\) are not in the tenant/);
    assert.match(text, /\[ \] role_permissions — not migrated by design: /);
    assert.match(text, new RegExp(`Set up instead: ${rule.setup.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('refuses an unknown run', async () => {
    await assert.rejects(buildSetupChecklist(cp, 'run-nope'), (e: unknown) =>
      isFerryError(e, 'FERRY_RUN_NOT_FOUND'),
    );
  });
});

// A crm installation in MariaDB with three extra tables: one the migrator excludes in the table
// mappings, one with a spatial column no target can hold (not carried), and one with a TIME value
// past PostgreSQL's range (the run fails it). A test run into a PostgreSQL tenant, then its checklist.
describe(
  'setup checklist of a run on MariaDB into PostgreSQL',
  { skip: await skipUnless('mysql', 'postgres') },
  () => {
    const dir = tempDir('setup-checklist-servers');
    let store: Store;
    let cp: ControlPlane;
    let source: TestDatabase;
    let tenantDb: TestDatabase;
    let runId = '';

    before(async () => {
      source = await freshDatabase('mysql', 'checklist_src');
      tenantDb = await freshDatabase('postgres', 'checklist_tenant');
      store = await openStore({ home: join(dir.path, 'home') });
      cp = { store, profiles: profileById };
      const installation = await initInstallation({
        dir: join(dir.path, 'crm'),
        seed: 5,
        problems: false,
        db: source.url,
      });
      const conn = await mysql.createConnection({ uri: source.url, multipleStatements: true });
      try {
        await conn.query(`
        CREATE TABLE \`legacy notes\` (id INT PRIMARY KEY, note VARCHAR(100));
        INSERT INTO \`legacy notes\` VALUES (1, 'kept on premises');
        CREATE TABLE site_areas (id INT PRIMARY KEY, area POLYGON);
        INSERT INTO site_areas VALUES (1, ST_GeomFromText('POLYGON((0 0, 1 0, 1 1, 0 0))'));
        CREATE TABLE shifts (id INT PRIMARY KEY, length TIME);
        INSERT INTO shifts VALUES (1, '08:00:00'), (2, '838:59:59');`);
      } finally {
        await conn.end();
      }
      const migrationId = await signedMigration(cp, installation.installationFile, 'checklist', tenantDb.url);
      await setTableMappings(cp, migrationId, { excludeTables: ['legacy notes'] });
      const outcome = await startMigrationRun({ cp, migrationId, kind: 'test', ...quiet });
      assert.equal(outcome.status, 'failed', 'the shifts table fails the run');
      runId = outcome.runId;
    });
    after(async () => {
      await store?.close();
      await source?.drop();
      await tenantDb?.drop();
      dir.remove();
    });

    it('lists each table that is not in the tenant under its own category, with what to do', async () => {
      const checklist = await buildSetupChecklist(cp, runId);
      const byTable = new Map(checklist.items.map((i) => [i.table, i]));
      assert.deepEqual(checklist.items.map((i) => [i.table, i.category]).sort(), [
        ['legacy notes', 'excluded-by-mapping'],
        ['role_permissions', 'excluded'],
        ['shifts', 'failed'],
        ['site_areas', 'not-carried'],
      ]);
      assert.match(byTable.get('legacy notes')?.reason ?? '', /table mappings exclude it/);
      assert.match(byTable.get('legacy notes')?.setup ?? '', /excludeTables/);
      const notCarried = byTable.get('site_areas');
      assert.match(notCarried?.reason ?? '', /column "area" \(polygon\) cannot be carried: spatial type/i);
      assert.match(notCarried?.setup ?? '', /Convert the column/);
      const failed = byTable.get('shifts');
      assert.match(failed?.reason ?? '', /shifts/);
      assert.match(failed?.reason ?? '', /length/);
      assert.ok((failed?.setup ?? '') !== '', 'a failed table says what to do');
      const text = renderSetupChecklist(checklist).join('\n');
      assert.match(text, /4 table\(s\) are not in the tenant/);
      assert.match(text, /\[ \] legacy notes — excluded by the table mappings: /);
      assert.match(text, /\[ \] site_areas — could not be carried: /);
      assert.match(text, /\[ \] shifts — failed: /);
    });
  },
);
