// The gate every run passes: the run service asks it before starting (or resuming) a run of a
// migration, tells it when the run starts and when it ends. It combines the phase rules with "one
// run at a time per migration", moves the phase and the tenant state along, and binds the session
// to the installation's license at the first run.
//
// Protocol for the run service:
//   1. gate.assertRunAllowed(migrationId, kind)           — cheap early refusal (HTTP 409)
//   2. create the run record (status `queued`)
//   3. gate.runStarted(migrationId, runId, kind, license) — claims the migration atomically
//                                                           (compare-and-set; the loser is refused)
//   4. … the run …
//   5. gate.runEnded(migrationId, runId, kind, outcome)   — releases it; moves the phase on success
// A resume calls runStarted again with the same run id (the license is checked again).
// A run that is paused keeps the migration: do not call runEnded until it ends.

import { FerryError } from '../domain/errors.ts';
import {
  assertLicenseUnchanged,
  assertRunAllowed as assertRunRule,
  phaseActionOnRunEnd,
  phaseActionOnRunStart,
  tenantAwaitsGoLive,
  writesTenant,
  type LicenseBinding,
  type RunKind,
} from '../domain/migration-rules.ts';
import type { TenantEvent } from '../domain/tenant-state.ts';
import type { MigrationPatch, MigrationRecord } from '../store/migration-repository.ts';
import { type ControlPlane, migrationsRepo, nowIso } from './control-plane.ts';
import { assertNoCompanyBusyForRun } from './company-initialization.ts';
import { applyPhaseAction } from './migration-lifecycle.ts';
import { getMigration, loadFacts } from './migrations.ts';

export type RunEndOutcome = 'succeeded' | 'succeeded-with-warnings' | 'failed' | 'cancelled';

export interface RunGate {
  /** Throws FERRY_ILLEGAL_TRANSITION (409) with the reason when a run of `kind` may not start now. */
  assertRunAllowed(migrationId: string, kind: RunKind): Promise<void>;
  /**
   * Claims the migration for `runId` (or re-claims it on resume), applies the phase change the
   * start implies, sets the tenant `in-migration` for runs that write it, and records the license
   * at the first run — or throws FERRY_LICENSE_CHANGED when it differs from the recorded one.
   */
  runStarted(
    migrationId: string,
    runId: string,
    kind: RunKind,
    license: LicenseBinding | null,
  ): Promise<MigrationRecord>;
  /**
   * Releases the migration. A successful first run opens the parallel phase; a successful final
   * run leaves the tenant `in-migration` until go-live accepts it; any other run that wrote the
   * tenant leaves it `offline-maintenance`.
   */
  runEnded(
    migrationId: string,
    runId: string,
    kind: RunKind,
    outcome: RunEndOutcome,
  ): Promise<MigrationRecord>;
}

export function createRunGate(cp: ControlPlane): RunGate {
  const repo = migrationsRepo(cp);

  async function check(migration: MigrationRecord, kind: RunKind, runId: string | null): Promise<void> {
    const active = await repo.activeRun(migration);
    // On resume the run itself holds the migration: it is not "another" run.
    assertRunRule(
      await loadFacts(repo, migration),
      kind,
      active !== null && active.id === runId ? null : active,
    );
    // A company being initialized cannot be changed: runs that write the tenant wait (409).
    await assertNoCompanyBusyForRun(cp, migration.id, kind);
  }

  return {
    async assertRunAllowed(migrationId, kind) {
      await check(await getMigration(cp, migrationId), kind, null);
    },

    async runStarted(migrationId, runId, kind, license) {
      const migration = await getMigration(cp, migrationId);
      // A resumed run is checked against the rules as they stand now, except for its own claim.
      await check(migration, kind, runId);
      if (license !== null) assertLicenseUnchanged(migration, license);
      const facts = await loadFacts(repo, migration);
      const action = phaseActionOnRunStart(facts, kind);
      const patch: MigrationPatch = { active_run_id: runId };
      if (license !== null && migration.license === null) {
        patch.license_company_name = license.companyName;
        patch.license_serial_number = license.serialNumber;
        patch.license_recorded_at = nowIso(cp);
      }
      const tenant = await repo.getTenant(migration.tenantId);
      const tenantEvent: TenantEvent | undefined =
        writesTenant(kind) && tenant?.state !== 'in-migration' ? 'begin-run' : undefined;
      return applyPhaseAction(cp, migration, action, {
        activeRunId: migration.activeRunId,
        patch,
        ...(tenantEvent === undefined ? {} : { tenantEvent }),
      });
    },

    async runEnded(migrationId, runId, kind, outcome) {
      const migration = await getMigration(cp, migrationId);
      if (migration.activeRunId !== runId)
        throw new FerryError(
          'FERRY_ILLEGAL_TRANSITION',
          `run ${runId} does not hold migration ${migrationId} (held by ${migration.activeRunId ?? 'no run'})`,
          { details: { migrationId, runId } },
        );
      const succeeded = outcome === 'succeeded' || outcome === 'succeeded-with-warnings';
      const facts = await loadFacts(repo, migration);
      const action = phaseActionOnRunEnd(facts, kind, succeeded);
      const patch: MigrationPatch = { active_run_id: null };
      if (succeeded && kind === 'final') patch.final_completed_at = nowIso(cp);
      const tenant = await repo.getTenant(migration.tenantId);
      const awaitingGoLive = tenantAwaitsGoLive(facts, kind, succeeded);
      const tenantEvent: TenantEvent | undefined =
        writesTenant(kind) && !awaitingGoLive && tenant?.state === 'in-migration' ? 'end-run' : undefined;
      return applyPhaseAction(cp, migration, action, {
        activeRunId: runId,
        patch,
        ...(tenantEvent === undefined ? {} : { tenantEvent }),
      });
    },
  };
}
