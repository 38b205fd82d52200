// Companion repair on a SQLite and a PostgreSQL tenant: the check finds the planted companies
// without their extension row, the repair inserts exactly those (with the profile's defaults), a
// second repair inserts nothing, and the source keeps its gaps. Refused before the tenant holds a load.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSource, openTarget } from '../../src/connectors/registry.ts';
import type { Cell, SourceConnection } from '../../src/connectors/types.ts';
import { isFerryError } from '../../src/domain/errors.ts';
import { missingCompanionIds } from '../../src/profiles/crm/planted-problems.ts';
import { profileById } from '../../src/profiles/registry.ts';
import { runChecks } from '../../src/services/checks.ts';
import { repairCompanions } from '../../src/services/companion-repair.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { readInstallation } from '../../src/services/installation-file.ts';
import { createMigration } from '../../src/services/migrations.ts';
import { getTenant } from '../../src/services/tenants.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';
import { loadedMigration } from './sanitize-fixture.ts';

/** company_id → [segment, newsletter, account_manager_id, notes] of every extension row. */
async function extensions(conn: SourceConnection): Promise<Map<string, Cell[]>> {
  const table = (await conn.listTables()).find((t) => t.name === 'company_extensions');
  assert.ok(table);
  const out = new Map<string, Cell[]>();
  const columns = ['company_id', 'segment', 'newsletter', 'account_manager_id', 'notes'];
  const range = { key: [], lower: null, upper: null };
  const warnings = { invalidUtf8: 0, zeroDates: 0 };
  for await (const batch of conn.read(
    table,
    columns,
    range,
    { batchRows: 1000, batchBytes: 1 << 22 },
    warnings,
  ))
    for (const row of batch.rows) out.set(String(row[0]), row.slice(1));
  return out;
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(
    `companion repair on a ${kind} tenant`,
    { skip: kind === 'sqlite' ? false : await skipUnless(kind) },
    () => {
      const dir = tempDir(`companion-${kind}`);
      let database: TestDatabase | undefined;
      let store: Store;
      let cp: ControlPlane;
      let migrationId: string;
      let installationFile: string;
      const missing = missingCompanionIds('small').map(String);

      before(async () => {
        if (kind !== 'sqlite') database = await freshDatabase(kind, 'companion');
        store = await openStore({ home: join(dir.path, 'home') });
        cp = { store, profiles: profileById };
        ({ migrationId, installationFile } = await loadedMigration(
          cp,
          dir.path,
          `comp-${kind}`,
          database?.url,
        ));
      });
      after(async () => {
        await store?.close();
        await database?.drop();
        dir.remove();
      });

      it('is reported by the check as a warning with the count and the repair to run', async () => {
        const report = await runChecks(installationFile, { only: ['crm.missing-companion-records'] });
        const result = report.results[0];
        assert.equal(result?.outcome, 'warning');
        assert.equal(result?.count, missing.length);
        assert.match(result?.guidance ?? '', /ferry repair-companions MIGRATION/);
        assert.match(
          result?.examples[0] ?? '',
          new RegExp(`^companies id=${missing[0]} has no company_extensions row$`),
        );
      });

      it('is refused while the tenant holds no load', async () => {
        const { migration } = await createMigration(cp, {
          installationPath: installationFile,
          profileId: 'crm',
          tenantId: `none-${kind}`,
        });
        await assert.rejects(repairCompanions(cp, migration.id), (e: unknown) =>
          isFerryError(e, 'FERRY_TENANT_NOT_LOADED'),
        );
      });

      it("inserts exactly the missing rows with the profile's defaults, then nothing, and never in the source", async () => {
        const target = await openTarget((await getTenant(cp, `comp-${kind}`)).databaseUrl);
        try {
          const before = await extensions(target);
          assert.ok(missing.every((id) => !before.has(id)));

          const first = await repairCompanions(cp, migrationId);
          assert.deepEqual(first.companions, [
            { base: 'companies', companion: 'company_extensions', inserted: missing.length },
          ]);
          assert.equal(first.inserted, missing.length);

          const after = await extensions(target);
          assert.equal(after.size, before.size + missing.length);
          for (const id of missing) assert.deepEqual(after.get(id), ['unassigned', '0', null, null], id);
          for (const [id, cells] of before) assert.deepEqual(after.get(id), cells, `${id} is unchanged`);

          const second = await repairCompanions(cp, migrationId);
          assert.equal(second.inserted, 0);
        } finally {
          await target.close();
        }
        const source = await openSource((await readInstallation(installationFile)).database);
        try {
          const rows = await extensions(source);
          assert.ok(
            missing.every((id) => !rows.has(id)),
            'the source still lacks them',
          );
        } finally {
          await source.close();
        }
      });
    },
  );
}
