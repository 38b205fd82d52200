// Sanitize: find counts exactly the planted invalid characters per table and column on every source
// (reading only) and in a diagnostic run's table results; fix rewrites exactly those values in a
// SQLite and a PostgreSQL tenant with the sanitize rule, changes nothing else, never touches the
// source, and a second fix finds nothing. With sanitize-on-load a test run fixes the tenant itself.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSource, openTarget } from '../../src/connectors/registry.ts';
import type { Cell, SourceConnection, TableSchema } from '../../src/connectors/types.ts';
import { isFerryError } from '../../src/domain/errors.ts';
import { findInvalidText, rowKeyOf, textColumnsOf } from '../../src/engine/sanitize-text.ts';
import { plantedProblems } from '../../src/profiles/crm/planted-problems.ts';
import { invalidCharacterColumns } from '../../src/profiles/crm/planted-problems.ts';
import { hasInvalidCharacters, sanitizeText } from '../../src/profiles/invalid-text.ts';
import { profileById } from '../../src/profiles/registry.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { startMigrationRun } from '../../src/services/migration-runs.ts';
import { createMigration } from '../../src/services/migrations.ts';
import {
  findInvalidTextInSource,
  fixInvalidTextInTenant,
  getSanitizeOnLoad,
  setSanitizeOnLoad,
} from '../../src/services/sanitize.ts';
import { readInstallation } from '../../src/services/installation-file.ts';
import { getTenant } from '../../src/services/tenants.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';
import { loadedMigration, quiet, warningInstallation, warningProblems } from './sanitize-fixture.ts';

/** `table.column` → planted values with invalid characters (small). */
function plantedCounts(): Record<string, number> {
  const planted = plantedProblems('small', warningProblems).find((p) => p.id === 'invalid-characters');
  assert.ok(planted);
  return Object.fromEntries(
    invalidCharacterColumns.map((c) => [`${c.table}.${c.column}`, planted.where[c.table] ?? -1]),
  );
}

const byLabel = (columns: { table: string; column: string }[], count: (c: never) => number) =>
  Object.fromEntries(columns.map((c) => [`${c.table}.${c.column}`, count(c as never)]));

/** Every row of `table` (key → text cells), read through the connector. */
async function textRows(conn: SourceConnection, table: TableSchema): Promise<Map<string, Cell[]>> {
  const key = rowKeyOf(table);
  const columns = textColumnsOf(table);
  const out = new Map<string, Cell[]>();
  const warnings = { invalidUtf8: 0, zeroDates: 0 };
  const range = { key: [], lower: null, upper: null };
  for await (const batch of conn.read(
    table,
    [...key, ...columns],
    range,
    { batchRows: 500, batchBytes: 1 << 22 },
    warnings,
  ))
    for (const row of batch.rows) out.set(JSON.stringify(row.slice(0, key.length)), row.slice(key.length));
  return out;
}

async function checksums(conn: SourceConnection, tables: TableSchema[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of tables) {
    const sum = await conn.checksum(
      t,
      t.columns.map((c) => c.name),
      { key: [], lower: null, upper: null },
    );
    out[t.name] = `${sum.rows}:${sum.sum}`;
  }
  return out;
}

for (const kind of ['sqlite', 'mysql'] as const) {
  describe(
    `sanitize --find on a ${kind} source`,
    { skip: kind === 'sqlite' ? false : await skipUnless(kind) },
    () => {
      const dir = tempDir(`sanitize-find-${kind}`);
      let database: TestDatabase | undefined;
      let store: Store;
      let cp: ControlPlane;
      let migrationId: string;
      let installationFile: string;

      before(async () => {
        if (kind !== 'sqlite') database = await freshDatabase(kind, 'sanitize_find');
        installationFile = await warningInstallation(join(dir.path, 'crm'), database?.url);
        store = await openStore({ home: join(dir.path, 'home') });
        cp = { store, profiles: profileById };
        ({
          migration: { id: migrationId },
        } = await createMigration(cp, {
          installationPath: installationFile,
          profileId: 'crm',
          tenantId: 'find',
        }));
      });
      after(async () => {
        await store?.close();
        await database?.drop();
        dir.remove();
      });

      it('counts exactly the planted values per table and column, reading only', async () => {
        const source = await openSource((await readInstallation(installationFile)).database);
        const tables = await source.listTables();
        const before = await checksums(source, tables);
        const report = await findInvalidTextInSource(cp, migrationId);
        assert.deepEqual(
          byLabel(report.columns, (c: { values: number }) => c.values),
          plantedCounts(),
        );
        assert.equal(report.total, 9);
        assert.deepEqual(await checksums(source, tables), before, 'the source is unchanged');
        await source.close();
      });

      it('a diagnostic run stores the counts as warnings in its table results', async () => {
        const outcome = await startMigrationRun({ cp, migrationId, kind: 'diagnostic', ...quiet });
        const results = await store.listTableResults(outcome.runId);
        for (const [label, count] of Object.entries(plantedCounts())) {
          const [table, column] = label.split('.');
          const result = results.find((r) => r.table === table);
          assert.ok(result, table);
          assert.equal(result.status, 'warning', table);
          assert.ok(
            result.messages.some(
              (m) =>
                m.level === 'warning' &&
                m.text.startsWith(`${count} value(s) of column "${column}" hold invalid characters`),
            ),
            JSON.stringify(result.messages),
          );
        }
        assert.equal(outcome.status, 'succeeded-with-warnings');
        assert.equal(results.find((r) => r.table === 'users')?.status, 'migrated');
      });
    },
  );
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(
    `sanitize --fix on a ${kind} tenant`,
    { skip: kind === 'sqlite' ? false : await skipUnless(kind) },
    () => {
      const dir = tempDir(`sanitize-fix-${kind}`);
      let database: TestDatabase | undefined;
      let store: Store;
      let cp: ControlPlane;
      let migrationId: string;
      let installationFile: string;

      before(async () => {
        if (kind !== 'sqlite') database = await freshDatabase(kind, 'sanitize_fix');
        store = await openStore({ home: join(dir.path, 'home') });
        cp = { store, profiles: profileById };
        ({ migrationId, installationFile } = await loadedMigration(
          cp,
          dir.path,
          `fix-${kind}`,
          database?.url,
        ));
      });
      after(async () => {
        await store?.close();
        await database?.drop();
        dir.remove();
      });

      it('refuses a fix while the tenant holds no load', async () => {
        const { migration } = await createMigration(cp, {
          installationPath: installationFile,
          profileId: 'crm',
          tenantId: `empty-${kind}`,
        });
        await assert.rejects(fixInvalidTextInTenant(cp, migration.id), (e: unknown) => {
          assert.ok(isFerryError(e, 'FERRY_TENANT_NOT_LOADED'), String(e));
          assert.match(e.message, /holds no completed load yet/);
          return true;
        });
      });

      it('fixes exactly the invalid values in the tenant, changes nothing else, and leaves the source as it was', async () => {
        const tenant = await getTenant(cp, `fix-${kind}`);
        const target = await openTarget(tenant.databaseUrl);
        try {
          const tables = (await target.listTables()).filter((t) => !t.name.startsWith('ferry_'));
          const dirty = new Set<string>(invalidCharacterColumns.map((c) => c.table));
          const others = tables.filter((t) => !dirty.has(t.name));
          const othersBefore = await checksums(target, others);
          const rowsBefore = new Map<string, Map<string, Cell[]>>();
          for (const t of tables.filter((t) => dirty.has(t.name)))
            rowsBefore.set(t.name, await textRows(target, t));

          const report = await fixInvalidTextInTenant(cp, migrationId);
          assert.deepEqual(
            byLabel(report.columns, (c: { fixed: number }) => c.fixed),
            plantedCounts(),
          );
          assert.deepEqual(
            byLabel(report.columns, (c: { found: number }) => c.found),
            plantedCounts(),
          );
          assert.equal(report.fixed, 9);

          assert.deepEqual(await findInvalidText(target, tables), [], 'no invalid value is left');
          assert.deepEqual(await checksums(target, others), othersBefore, 'other tables are unchanged');
          for (const t of tables.filter((t) => dirty.has(t.name))) {
            const expected = new Map(
              [...rowsBefore.get(t.name)!].map(([k, cells]) => [
                k,
                cells.map((c) => (typeof c === 'string' && hasInvalidCharacters(c) ? sanitizeText(c) : c)),
              ]),
            );
            assert.deepEqual(
              await textRows(target, t),
              expected,
              `${t.name}: only the invalid values changed`,
            );
          }
        } finally {
          await target.close();
        }
        assert.equal((await findInvalidTextInSource(cp, migrationId)).total, 9, 'the source still has them');
        const again = await fixInvalidTextInTenant(cp, migrationId);
        assert.deepEqual([again.found, again.fixed, again.columns], [0, 0, []]);
      });

      it('fixes the tenant after a test run when sanitize-on-load is on, and says so in the table results', async () => {
        assert.equal(await getSanitizeOnLoad(cp, migrationId), false);
        await setSanitizeOnLoad(cp, migrationId, true);
        assert.equal(await getSanitizeOnLoad(cp, migrationId), true);
        const outcome = await startMigrationRun({ cp, migrationId, kind: 'test', ...quiet });
        const companies = (await store.listTableResults(outcome.runId)).find((r) => r.table === 'companies');
        assert.ok(
          companies?.messages.some((m) => m.level === 'info' && /^sanitize fixed 3 value\(s\)/.test(m.text)),
          JSON.stringify(companies?.messages),
        );
        const again = await fixInvalidTextInTenant(cp, migrationId);
        assert.equal(again.found, 0, 'the run left nothing to fix');
      });
    },
  );
}
