// The setup checklist of a run: crm's excluded permission table with the profile's reason and setup
// text, nothing else for a clean run; unknown runs are refused; the text rendering lists each item.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isFerryError } from '../../src/domain/errors.ts';
import { crmProfile } from '../../src/profiles/crm/profile.ts';
import { profileById } from '../../src/profiles/registry.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { buildSetupChecklist, renderSetupChecklist } from '../../src/services/setup-checklist.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { tempDir } from '../support/servers.ts';
import { loadedMigration } from './sanitize-fixture.ts';

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
