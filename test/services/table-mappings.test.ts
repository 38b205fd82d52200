// A migration's table mappings through the services: set (validated against the installation's
// source), shown resolved, honoured by a diagnostic run (its plan and table results), cleared,
// refused once the migration has ended; an incremental run after a change is refused.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isFerryError } from '../../src/domain/errors.ts';
import { parseTableMappings } from '../../src/domain/table-mappings.ts';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import { profileById } from '../../src/profiles/registry.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { abandon } from '../../src/services/migration-lifecycle.ts';
import { startMigrationRun } from '../../src/services/migration-runs.ts';
import { createMigration } from '../../src/services/migrations.ts';
import {
  assertMappingsUnchangedSince,
  clearTableMappings,
  getTableMappings,
  setTableMappings,
  storedTableMappings,
} from '../../src/services/table-mappings.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { tempDir } from '../support/servers.ts';

const quiet = { onEvent: () => undefined, signal: new AbortController().signal };

const mappings = {
  excludeTables: ['audit_log'],
  tables: {
    persons: {
      rename: 'contacts',
      excludeColumns: ['phone'],
      moveColumns: [{ into: 'contact_scores', columns: ['score', 'birth_date'] }],
    },
  },
};

describe('table mappings of a migration', () => {
  const dir = tempDir('table-mappings-service');
  let store: Store;
  let cp: ControlPlane;
  let migrationId = '';

  before(async () => {
    store = await openStore({ home: join(dir.path, 'home') });
    cp = { store, profiles: profileById };
    await initInstallation({ dir: join(dir.path, 'acme'), size: 'small', seed: 3, problems: false });
    const { migration } = await createMigration(cp, {
      installationPath: join(dir.path, 'acme', 'installation.yaml'),
      profileId: 'crm',
      tenantId: 'acme',
    });
    migrationId = migration.id;
  });
  after(async () => {
    await store?.close();
    dir.remove();
  });

  it('has none at first', async () => {
    const v = await getTableMappings(cp, migrationId);
    assert.equal(v.mappings, null);
    assert.deepEqual(v.tables, []);
    assert.equal(await storedTableMappings(cp, migrationId), null);
  });

  it('refuses mappings that do not fit the source, naming the column', async () => {
    await assert.rejects(
      setTableMappings(cp, migrationId, { tables: { persons: { excludeColumns: ['fax'] } } }),
      (error: unknown) =>
        isFerryError(error, 'FERRY_TABLE_MAPPING_INVALID') &&
        /table "persons" has no column "fax"/.test(error.message),
    );
    assert.equal(await storedTableMappings(cp, migrationId), null);
  });

  it('stores valid mappings and shows them resolved against the source', async () => {
    const v = await setTableMappings(cp, migrationId, mappings);
    assert.deepEqual(v.mappings, parseTableMappings(mappings));
    // In the order the source lists its tables.
    assert.deepEqual(v.summary, [
      'audit_log → not migrated (excluded)',
      'persons → contacts without phone',
      '  + contact_scores (id, birth_date, score) keyed by the primary key of persons',
    ]);
    const shown = await getTableMappings(cp, migrationId);
    assert.deepEqual(shown.mappings, v.mappings);
    assert.deepEqual(
      shown.tables.flatMap((t) => t.targets.map((x) => x.table)),
      ['contacts', 'contact_scores'],
    );
    assert.ok(
      !shown.tables
        .flatMap((t) => t.targets)
        .find((x) => x.table === 'contacts')!
        .columns.includes('phone'),
    );
  });

  it('is honoured by a diagnostic run: its plan and table results use the target names', async () => {
    const outcome = await startMigrationRun({ cp, migrationId, kind: 'diagnostic', ...quiet });
    const names = outcome.tables.map((t) => t.table);
    assert.ok(names.includes('contacts') && names.includes('contact_scores'), names.join(', '));
    assert.ok(!names.includes('persons') && !names.includes('audit_log'), names.join(', '));
    const failed = outcome.tables.filter((t) => t.status === 'failed');
    assert.deepEqual(failed, []);
    const contacts = outcome.tables.find((t) => t.table === 'contacts')!;
    const scores = outcome.tables.find((t) => t.table === 'contact_scores')!;
    assert.ok(contacts.rowsWritten > 0);
    assert.equal(scores.rowsWritten, contacts.rowsWritten);
    const run = await store.getRun(outcome.runId);
    assert.deepEqual(run!.plan!.mappings, parseTableMappings(mappings));
    const plan = run!.plan!.tables.find((t) => t.target.name === 'contact_scores')!;
    assert.equal(plan.source.name, 'persons');
    assert.deepEqual(plan.copyColumns, ['id', 'birth_date', 'score']);
  });

  it('refuses an incremental run after the mappings changed since the last load', () => {
    const previous = {
      id: 'run-1',
      plan: { sourceDialect: 'sqlite', targetDialect: 'sqlite', tables: [] },
    } as const;
    assert.doesNotThrow(() =>
      assertMappingsUnchangedSince(
        migrationId,
        { ...previous, plan: { ...previous.plan, tables: [] } },
        undefined,
      ),
    );
    assert.throws(
      () =>
        assertMappingsUnchangedSince(
          migrationId,
          { ...previous, plan: { ...previous.plan, tables: [] } },
          parseTableMappings(mappings),
        ),
      (error: unknown) =>
        isFerryError(error, 'FERRY_ILLEGAL_TRANSITION') &&
        /table mappings changed since run run-1/.test(error.message),
    );
    // The same mappings, keys in another order: unchanged.
    assert.doesNotThrow(() =>
      assertMappingsUnchangedSince(
        migrationId,
        { ...previous, plan: { ...previous.plan, tables: [], mappings: parseTableMappings(mappings) } },
        { tables: parseTableMappings(mappings).tables, excludeTables: ['audit_log'], version: 1 },
      ),
    );
  });

  it('clears them; setting empty mappings clears them too', async () => {
    assert.equal(await clearTableMappings(cp, migrationId), true);
    assert.equal(await clearTableMappings(cp, migrationId), false);
    await setTableMappings(cp, migrationId, mappings);
    const v = await setTableMappings(cp, migrationId, {});
    assert.equal(v.mappings, null);
    assert.equal(await storedTableMappings(cp, migrationId), null);
  });

  it('refuses changes once the migration has ended', async () => {
    await abandon(cp, migrationId);
    await assert.rejects(setTableMappings(cp, migrationId, mappings), (error: unknown) => {
      assert.ok(isFerryError(error, 'FERRY_ILLEGAL_TRANSITION'), String(error));
      assert.match(error.message, /changing the table mappings refused/);
      return true;
    });
    await assert.rejects(clearTableMappings(cp, migrationId), /clearing the table mappings refused/);
  });
});
