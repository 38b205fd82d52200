// What the document report tests (API and CLI) start from: a `small` crm installation, clean but
// for documents missing from the archive (a warning, so runs may start), a migration into the
// embedded tenant with a diagnostic run (no upload) and a test run (an upload that lists the
// missing documents). Plus an HTTP server over the same store, with an operator token.

import { join } from 'node:path';
import { buildServer, type FerryServer } from '../../src/api/server.ts';
import { initInstallation, type InitInstallationSummary } from '../../src/profiles/crm/init-installation.ts';
import { plantedProblemIds } from '../../src/profiles/crm/planted-problems.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { startMigrationRun, type MigrationRunOutcome } from '../../src/services/migration-runs.ts';
import { createMigration, setPlan, signPlan } from '../../src/services/migrations.ts';
import { createOperatorToken, verifyOperatorToken } from '../../src/services/tokens.ts';

const quiet = { onEvent: () => undefined, signal: new AbortController().signal };

export interface DocumentsMigration {
  generated: InitInstallationSummary;
  migrationId: string;
  diagnosticRunId: string;
  testRun: MigrationRunOutcome;
}

export async function migrationWithMissingDocuments(
  cp: ControlPlane,
  dir: string,
  seed: number,
): Promise<DocumentsMigration> {
  const generated = await initInstallation({
    dir: join(dir, 'acme'),
    size: 'small',
    seed,
    problems: Object.fromEntries(
      plantedProblemIds.map((id) => [id, id === 'documents-missing-from-archive']),
    ),
  });
  const { migration } = await createMigration(cp, {
    installationPath: generated.installationFile,
    profileId: 'crm',
    tenantId: 'acme',
  });
  const migrationId = migration.id;
  const diagnosticRunId = (await startMigrationRun({ cp, migrationId, kind: 'diagnostic', ...quiet })).runId;
  await setPlan(cp, migrationId, [
    { activity: 'first migration', owner: 'migrator', estimate: '2h', deadline: '2027-01-31' },
  ]);
  await signPlan(cp, migrationId, 'vendor', 'Vera Vendor');
  await signPlan(cp, migrationId, 'customer', 'Carl Customer');
  const testRun = await startMigrationRun({ cp, migrationId, kind: 'test', ...quiet });
  return { generated, migrationId, diagnosticRunId, testRun };
}

/** The API over `cp`'s store on a free port, and an operator token for it. */
export async function serveApi(
  cp: ControlPlane,
  tokenName: string,
): Promise<{ server: FerryServer; base: string; token: string }> {
  const token = (await createOperatorToken(cp, tokenName)).token;
  const server = await buildServer({
    store: cp.store,
    controlPlane: cp,
    version: '0.0.0-test',
    tokens: { verify: (t) => verifyOperatorToken(cp, t) },
  });
  const base = await server.app.listen({ host: '127.0.0.1', port: 0 });
  return { server, base, token };
}
