// Runs of a migration through its gate: blocking checks stop them, a diagnostic writes nothing to
// the tenant, a test run loads the tenant and leaves it offline-maintenance, the session is bound
// to the license, and a final run overwrites what changed in the tenant.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { isFerryError } from '../../src/domain/errors.ts';
import { LICENSE_CHANGED_MESSAGE } from '../../src/domain/migration-rules.ts';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import { profileById } from '../../src/profiles/registry.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import {
  approve,
  createMigration,
  getMigration,
  listChecklist,
  recordChecklistResult,
  setPlan,
  signPlan,
} from '../../src/services/migrations.ts';
import { resumeMigrationRun, startMigrationRun } from '../../src/services/migration-runs.ts';
import { getTenant } from '../../src/services/tenants.ts';
import { crmFreeze } from '../../src/profiles/crm/hooks.ts';
import { readInstallation } from '../../src/services/installation-file.ts';
import { chooseRunKind } from '../../src/services/run-kind-choice.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { documentFile } from '../../src/profiles/crm/archive.ts';
import { plantedProblemIds } from '../../src/profiles/crm/planted-problems.ts';
import { tempDir } from '../support/servers.ts';

const quiet = { onEvent: () => undefined, signal: new AbortController().signal };

describe('runs of a migration', () => {
  const dir = tempDir('migration-runs');
  let store: Store;
  let cp: ControlPlane;

  before(async () => {
    store = await openStore({ home: join(dir.path, 'home') });
    cp = { store, profiles: profileById };
    await initInstallation({ dir: join(dir.path, 'clean'), size: 'small', seed: 7, problems: false });
    await initInstallation({ dir: join(dir.path, 'dirty'), size: 'small', seed: 7 });
    await initInstallation({ dir: join(dir.path, 'live'), size: 'small', seed: 8, problems: false });
    // Clean but for documents missing from the archive (a warning, not blocking).
    const onlyMissingDocuments = Object.fromEntries(
      plantedProblemIds.map((id) => [id, id === 'documents-missing-from-archive']),
    );
    await initInstallation({
      dir: join(dir.path, 'docs'),
      size: 'small',
      seed: 9,
      problems: onlyMissingDocuments,
    });
  });
  after(async () => {
    await store?.close();
    dir.remove();
  });

  async function signedMigration(installation: string, tenantId: string): Promise<string> {
    const { migration: m } = await createMigration(cp, {
      installationPath: join(dir.path, installation, 'installation.yaml'),
      profileId: 'crm',
      tenantId,
    });
    await setPlan(cp, m.id, [
      { activity: 'first migration', owner: 'migrator', estimate: '2h', deadline: '2027-01-31' },
    ]);
    await signPlan(cp, m.id, 'vendor', 'Vera Vendor');
    await signPlan(cp, m.id, 'customer', 'Carl Customer');
    return m.id;
  }

  it('refuses a run while a blocking check fails, naming the checks', async () => {
    const id = await signedMigration('dirty', 'dirty');
    await assert.rejects(
      startMigrationRun({ cp, migrationId: id, kind: 'test', ...quiet }),
      (error: unknown) => {
        assert.ok(isFerryError(error, 'FERRY_CHECKS_BLOCKING'), String(error));
        assert.match(error.message, /crm\.duplicate-user-emails/);
        return true;
      },
    );
    assert.equal((await getMigration(cp, id)).activeRunId, null);
  });

  it('runs a diagnostic on the problem installation without writing to the tenant', async () => {
    const { migration: m } = await createMigration(cp, {
      installationPath: join(dir.path, 'dirty', 'installation.yaml'),
      profileId: 'crm',
      tenantId: 'diag',
    });
    const outcome = await startMigrationRun({ cp, migrationId: m.id, kind: 'diagnostic', ...quiet });
    assert.ok(outcome.tables.length > 10);
    const tenant = await getTenant(cp, 'diag');
    const db = new Database(tenant.databaseUrl.replace(/^sqlite:/, ''), { readonly: true });
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as {
      n: number;
    };
    db.close();
    assert.equal(tables.n, 0, 'the tenant stays empty');
    assert.equal(
      existsSync(join(dir.path, 'home', 'tenants', 'diag', 'diagnostic.db')),
      false,
      'the scratch copy is removed',
    );
  });

  it('chooses a test run first, loads the tenant, opens the parallel phase, and a final run overwrites tenant edits', async () => {
    const id = await signedMigration('clean', 'acme');
    let reason = '';
    const first = await startMigrationRun({
      cp,
      migrationId: id,
      ...quiet,
      onKindChosen: (choice) => (reason = choice.reason),
    });
    assert.equal(first.kind, 'test');
    assert.match(reason, /no earlier session/);
    assert.ok(['succeeded', 'succeeded-with-warnings'].includes(first.status), first.status);
    assert.ok(
      first.tables.every((t) => t.table !== 'role_permissions'),
      'permission tables are not migrated',
    );
    let migration = await getMigration(cp, id);
    assert.equal(migration.phase, 'parallel');
    const registry = new Database((await getTenant(cp, 'acme')).databaseUrl.replace(/^sqlite:/, ''), {
      readonly: true,
    });
    const users = registry.prepare('SELECT count(*) AS n, count(plan) AS planned FROM ferry_users').get() as {
      n: number;
      planned: number;
    };
    registry.close();
    assert.ok(users.n > 0 && users.planned > 0, 'the tenant user registry holds the users and their plans');
    assert.equal((await getTenant(cp, 'acme')).state, 'offline-maintenance');

    // The customer edits a company in the tenant during the parallel phase.
    const tenantFile = (await getTenant(cp, 'acme')).databaseUrl.replace(/^sqlite:/, '');
    const tenant = new Database(tenantFile);
    const before = tenant.prepare('SELECT id, name FROM companies ORDER BY id LIMIT 1').get() as {
      id: number;
      name: string;
    };
    tenant.prepare("UPDATE companies SET name = 'edited in the cloud' WHERE id = ?").run(before.id);
    tenant.close();

    for (const item of await listChecklist(cp, id))
      await recordChecklistResult(cp, id, item.id, 'passed', 'tester');
    await approve(cp, id, 'vendor', 'Vera Vendor');
    await approve(cp, id, 'customer', 'Carl Customer');
    const final = await startMigrationRun({ cp, migrationId: id, ...quiet });
    assert.equal(final.kind, 'final');
    assert.ok(['succeeded', 'succeeded-with-warnings'].includes(final.status), final.status);
    const after = new Database(tenantFile, { readonly: true });
    const row = after.prepare('SELECT name FROM companies WHERE id = ?').get(before.id) as { name: string };
    after.close();
    assert.equal(row.name, before.name, 'the final run overwrote the tenant-side edit');
    migration = await getMigration(cp, id);
    assert.equal(migration.phase, 'final-migration');
  });

  it('a test run wipes the tenant and never freezes the source; a full run freezes it and holds the tenant in-migration', async () => {
    const id = await signedMigration('live', 'live');
    const installation = await readInstallation(join(dir.path, 'live', 'installation.yaml'));
    const tenantFile = (await getTenant(cp, 'live')).databaseUrl.replace(/^sqlite:/, '');
    // Something left in the tenant from before: a test run starts from an empty tenant.
    const stray = new Database(tenantFile);
    stray.exec(
      'CREATE TABLE stray_left_over (id INTEGER PRIMARY KEY); INSERT INTO stray_left_over VALUES (1)',
    );
    stray.close();

    const states: Promise<string>[] = [];
    const watching = {
      signal: new AbortController().signal,
      onEvent: (event: { type: string }) => {
        if (event.type === 'chunk-copied' && states.length === 0)
          states.push(getTenant(cp, 'live').then((t) => t.state));
      },
    };
    const test = await startMigrationRun({ cp, migrationId: id, kind: 'test', ...watching });
    assert.ok(['succeeded', 'succeeded-with-warnings'].includes(test.status), test.status);
    assert.equal(await crmFreeze.isFrozen(installation), false, 'a test run leaves the source untouched');
    const tables = new Database(tenantFile, { readonly: true });
    const strayLeft = tables
      .prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'stray_left_over'")
      .get() as { n: number };
    tables.close();
    assert.equal(strayLeft.n, 0, 'the tenant was wiped before the test run loaded it');
    assert.equal(await states[0], 'in-migration', 'the tenant is in-migration while the run copies');
    assert.equal((await getTenant(cp, 'live')).state, 'offline-maintenance');

    // After a test run, the next run offers the recovery that overwrites it.
    const next = await chooseRunKind(cp, await getMigration(cp, id));
    assert.equal(next.kind, 'incremental');
    assert.deepEqual(
      next.alternatives.map((a) => a.kind),
      ['recovery-missing-files', 'recovery-overwrite-test'],
    );

    states.length = 0;
    const full = await startMigrationRun({ cp, migrationId: id, kind: 'full', ...watching });
    assert.ok(['succeeded', 'succeeded-with-warnings'].includes(full.status), full.status);
    assert.equal(await states[0], 'in-migration');
    assert.equal(await crmFreeze.isFrozen(installation), true, 'a live run freezes the source');
    const config = readFileSync(installation.serviceConfig, 'utf8');
    assert.match(config, /Frozen\s*=\s*true/);
    assert.match(config, /LoginMode\s*=\s*no-login/);
  });

  it('uploads the documents, lists the missing ones, and a recovery uploads only those found since', async () => {
    const id = await signedMigration('docs', 'docs');
    const first = await startMigrationRun({ cp, migrationId: id, kind: 'test', ...quiet });
    assert.ok(first.documents !== null);
    const missing = first.documents.missing;
    assert.ok(missing.length > 0, 'the planted missing documents are listed');
    assert.ok(first.documents.outcomes.uploaded.files > 100);
    assert.equal(first.documents.failed.length, 0);

    // The missing documents turn up in the archive again.
    for (const doc of missing) {
      const file = documentFile(9, 'small', Number(doc.id));
      const path = join(dir.path, 'docs', 'archive', file.relativePath);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.bytes);
    }
    const tenantFile = (await getTenant(cp, 'docs')).databaseUrl.replace(/^sqlite:/, '');
    const marker = new Database(tenantFile);
    marker.exec("UPDATE companies SET name = 'kept by recovery' WHERE id = 1");
    marker.close();

    const recovery = await startMigrationRun({
      cp,
      migrationId: id,
      kind: 'recovery-missing-files',
      ...quiet,
    });
    assert.equal(recovery.status, 'succeeded');
    assert.ok(recovery.documents !== null);
    assert.equal(
      recovery.documents.transferred.files,
      missing.length,
      'only the documents found since are uploaded',
    );
    assert.equal(recovery.documents.missing.length, 0);
    const after = new Database(tenantFile, { readonly: true });
    const row = after.prepare('SELECT name FROM companies WHERE id = 1').get() as { name: string };
    after.close();
    assert.equal(row.name, 'kept by recovery', 'the tenant database is left as it is');
  });

  it('refuses to resume when the license changed since the session began', async () => {
    const id = await signedMigration('clean', 'licensed');
    const run = await startMigrationRun({ cp, migrationId: id, kind: 'test', ...quiet });
    const source = new Database(join(dir.path, 'clean', 'crm.db'));
    const original = source.prepare('SELECT serial_number FROM license ORDER BY id LIMIT 1').get() as {
      serial_number: string;
    };
    source.prepare('UPDATE license SET serial_number = ?').run('CHANGED-123');
    source.close();
    try {
      await assert.rejects(
        resumeMigrationRun(cp, run.runId, quiet.onEvent, quiet.signal),
        (error: unknown) => {
          assert.ok(isFerryError(error, 'FERRY_LICENSE_CHANGED'), String(error));
          assert.equal(error.message, LICENSE_CHANGED_MESSAGE);
          return true;
        },
      );
      await assert.rejects(
        startMigrationRun({ cp, migrationId: id, kind: 'test', ...quiet }),
        (error: unknown) => isFerryError(error, 'FERRY_LICENSE_CHANGED'),
      );
    } finally {
      const restore = new Database(join(dir.path, 'clean', 'crm.db'));
      restore.prepare('UPDATE license SET serial_number = ?').run(original.serial_number);
      restore.close();
    }
  });
});

describe('the run log', () => {
  it('is written as JSON lines with steps, samples and the final results', async () => {
    const dir = tempDir('run-log');
    const store = await openStore({ home: join(dir.path, 'home') });
    try {
      const { openRunLog, runLogFile } = await import('../../src/services/run-log.ts');
      const events: string[] = [];
      const log = openRunLog(join(dir.path, 'home', 'logs'), (e) => events.push(e.type));
      log.listener({ type: 'step', runId: 'run-x', step: 'copied' });
      log.listener({ type: 'progress', runId: 'run-x', table: 't', rows: 10, bytes: 100 });
      log.listener({ type: 'run-finished', runId: 'run-x', status: 'succeeded', tables: [], durationMs: 5 });
      const { readFileSync } = await import('node:fs');
      const lines = readFileSync(runLogFile(join(dir.path, 'home', 'logs'), 'run-x'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; rows?: number });
      assert.deepEqual(
        lines.map((l) => l.type),
        ['step', 'sample', 'sample', 'run-finished'],
      );
      assert.equal(lines[2]!.rows, 10, 'samples carry cumulative rows');
      assert.deepEqual(events, ['step', 'progress', 'run-finished'], 'events still reach the next listener');
    } finally {
      await store.close();
      dir.remove();
    }
  });
});
