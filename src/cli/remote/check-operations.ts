// What `ferry check --migration ID [--fix CHECK]` does, locally (the checks service on the
// migration's installation) or through a Ferry server (/api/v1/migrations/:id/checks). A check of an
// installation.yaml given as a file is local only: the file is on this machine.

import type { ControlPlane } from '../../services/control-plane.ts';
import { applyFix, runChecks, type ChecksReport, type FixOutcome } from '../../services/checks.ts';
import { getMigration } from '../../services/migrations.ts';
import type { ApiClient } from './api-client.ts';
import type { OperationsFactory } from './operations.ts';

export interface CheckOperations {
  /** Every pre-migration check of the migration's installation (reads the source only). */
  run(migrationId: string): Promise<ChecksReport>;
  /** Applies the fix a check offers to the migration's source, then runs that check again. */
  fix(migrationId: string, checkId: string): Promise<FixOutcome>;
}

function local(cp: ControlPlane): CheckOperations {
  return {
    async run(migrationId) {
      const migration = await getMigration(cp, migrationId);
      return runChecks(migration.installationPath, { profile: await cp.profiles(migration.profileId) });
    },
    async fix(migrationId, checkId) {
      const migration = await getMigration(cp, migrationId);
      return applyFix(migration.installationPath, checkId, {
        profile: await cp.profiles(migration.profileId),
      });
    },
  };
}

function remote(api: ApiClient): CheckOperations {
  const checks = (id: string) => `/migrations/${encodeURIComponent(id)}/checks`;
  return {
    run: (migrationId) => api.post<ChecksReport>(checks(migrationId), {}),
    fix: (migrationId, checkId) =>
      api.post<FixOutcome>(`${checks(migrationId)}/${encodeURIComponent(checkId)}/fix`, {}),
  };
}

export const checkOperations: OperationsFactory<CheckOperations> = { local, remote };
