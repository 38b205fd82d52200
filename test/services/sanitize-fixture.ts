// Shared by the sanitize, companion-repair, setup-checklist, data-quality API and CLI tests: a crm
// installation with only the warning problems planted (invalid characters, missing companion
// records), and a signed migration of it whose test run loaded its tenant.

import { join } from 'node:path';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import { plantedProblemIds, type PlantedProblemId } from '../../src/profiles/crm/planted-problems.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { startMigrationRun } from '../../src/services/migration-runs.ts';
import { createMigration, setPlan, signPlan } from '../../src/services/migrations.ts';

const warnings: PlantedProblemId[] = ['invalid-characters', 'missing-companion-records'];

/** Only the problems that do not block a run. */
export const warningProblems = Object.fromEntries(plantedProblemIds.map((id) => [id, warnings.includes(id)]));

export const quiet = { onEvent: () => undefined, signal: new AbortController().signal };

/** A crm installation in `dir` (SQLite unless `db` is given) with the warning problems only. */
export async function warningInstallation(dir: string, db?: string): Promise<string> {
  const summary = await initInstallation({ dir, seed: 3, problems: warningProblems, ...(db ? { db } : {}) });
  return summary.installationFile;
}

/** A migration with a signed plan (runs may start). */
export async function signedMigration(
  cp: ControlPlane,
  installationFile: string,
  tenantId: string,
  tenantDatabaseUrl?: string,
): Promise<string> {
  const { migration } = await createMigration(cp, {
    installationPath: installationFile,
    profileId: 'crm',
    tenantId,
    ...(tenantDatabaseUrl === undefined ? {} : { tenantDatabaseUrl }),
  });
  await setPlan(cp, migration.id, [
    { activity: 'first migration', owner: 'migrator', estimate: '2h', deadline: '2027-01-31' },
  ]);
  await signPlan(cp, migration.id, 'vendor', 'Vera Vendor');
  await signPlan(cp, migration.id, 'customer', 'Carl Customer');
  return migration.id;
}

/** A signed migration whose tenant a test run loaded; answers the migration and run ids. */
export async function loadedMigration(
  cp: ControlPlane,
  dir: string,
  tenantId: string,
  tenantDatabaseUrl?: string,
): Promise<{ migrationId: string; runId: string; installationFile: string }> {
  const installationFile = await warningInstallation(join(dir, `${tenantId}-installation`));
  const migrationId = await signedMigration(cp, installationFile, tenantId, tenantDatabaseUrl);
  const outcome = await startMigrationRun({ cp, migrationId, kind: 'test', ...quiet });
  if (outcome.status !== 'succeeded' && outcome.status !== 'succeeded-with-warnings')
    throw new Error(`the test run of ${migrationId} ended ${outcome.status}`);
  return { migrationId, runId: outcome.runId, installationFile };
}
