// A migration's life after set-up: go-live, abandon, pause and resume the phase, reset the cloud
// data, and the license binding. Phase and tenant change together in one store transaction; the
// profile's hooks (archive, unfreeze) run first, are idempotent, and so may be repeated when the
// store update is retried.

import { FerryError } from '../domain/errors.ts';
import { transitionPhase, type PhaseAction } from '../domain/migration-phase.ts';
import {
  assertCanAbandon,
  assertCanGoLive,
  assertCanPause,
  assertCanResetCloudData,
  assertLicenseUnchanged as assertLicenseBinding,
  type LicenseBinding,
} from '../domain/migration-rules.ts';
import type { TenantEvent } from '../domain/tenant-state.ts';
import {
  MigrationRepository,
  type MigrationPatch,
  type MigrationRecord,
} from '../store/migration-repository.ts';
import { assertNoCompanyBusy } from './company-busy.ts';
import { type ControlPlane, migrationsRepo, nowIso, schedulesRepo } from './control-plane.ts';
import { readInstallation } from './installation-file.ts';
import { concurrentChange, getMigration, loadFacts } from './migrations.ts';
import { changeTenantState, wipeTenantData } from './tenants.ts';

/**
 * Applies a phase action (and optionally a tenant event) in one transaction, compare-and-set on
 * the phase and the active run the caller saw.
 */
export async function applyPhaseAction(
  cp: ControlPlane,
  migration: MigrationRecord,
  action: PhaseAction | null,
  options: { tenantEvent?: TenantEvent; patch?: MigrationPatch; activeRunId?: string | null } = {},
): Promise<MigrationRecord> {
  const at = nowIso(cp);
  const next = action === null ? migration : transitionPhase(migration, action);
  await cp.store.kysely.transaction().execute(async (tx) => {
    const repo = new MigrationRepository(tx);
    const ok = await repo.updateMigration(
      migration.id,
      {
        phase: migration.phase,
        ...(options.activeRunId === undefined ? {} : { activeRunId: options.activeRunId }),
      },
      { phase: next.phase, paused_from: next.pausedFrom, ...options.patch },
      at,
    );
    if (!ok) throw concurrentChange(migration.id, action ?? 'the update');
    if (options.tenantEvent !== undefined) {
      const tenant = await repo.getTenant(migration.tenantId);
      if (tenant === null) throw new FerryError('FERRY_INTERNAL', `tenant ${migration.tenantId} is missing`);
      await changeTenantState(repo, tenant, options.tenantEvent, at);
    }
  });
  return getMigration(cp, migration.id);
}

async function profileOf(cp: ControlPlane, migration: MigrationRecord) {
  return cp.profiles(migration.profileId);
}

/**
 * Go-live: after a successful final run. The tenant becomes `running`, the source is kept as a
 * read-only archive (the profile's `freeze.archive`), and nothing may run afterwards.
 */
export async function goLive(cp: ControlPlane, id: string): Promise<MigrationRecord> {
  const repo = migrationsRepo(cp);
  const migration = await getMigration(cp, id);
  const active = await repo.activeRun(migration);
  assertCanGoLive(await loadFacts(repo, migration), active);
  const profile = await profileOf(cp, migration);
  await profile.freeze.archive(await readInstallation(migration.installationPath));
  const live = await applyPhaseAction(cp, migration, 'go-live', {
    tenantEvent: 'accept',
    activeRunId: migration.activeRunId,
  });
  await schedulesRepo(cp).remove(id);
  return live;
}

/**
 * Abandon: the migration ends for good; the source is unfrozen (the profile's `freeze.unfreeze`),
 * the tenant archived, and any schedule removed. A new migration may be set up afterwards.
 */
export async function abandon(cp: ControlPlane, id: string): Promise<MigrationRecord> {
  const repo = migrationsRepo(cp);
  const migration = await getMigration(cp, id);
  assertCanAbandon(await loadFacts(repo, migration), await repo.activeRun(migration));
  const profile = await profileOf(cp, migration);
  await profile.freeze.unfreeze(await readInstallation(migration.installationPath));
  const abandoned = await applyPhaseAction(cp, migration, 'abandon', {
    tenantEvent: 'archive',
    activeRunId: migration.activeRunId,
  });
  await schedulesRepo(cp).remove(id);
  return abandoned;
}

/** Puts the migration on hold; `resumePhase` returns to the phase it was paused from. */
export async function pausePhase(cp: ControlPlane, id: string): Promise<MigrationRecord> {
  const repo = migrationsRepo(cp);
  const migration = await getMigration(cp, id);
  assertCanPause(await loadFacts(repo, migration), await repo.activeRun(migration));
  return applyPhaseAction(cp, migration, 'pause', { activeRunId: migration.activeRunId });
}

export async function resumePhase(cp: ControlPlane, id: string): Promise<MigrationRecord> {
  return applyPhaseAction(cp, await getMigration(cp, id), 'resume');
}

/**
 * Reset cloud data: drops every table of the tenant database and deletes its documents; the
 * migration, its plan, signatures and license binding stay. A migration in the parallel phase goes
 * back to first-migration, and its checklist results are cleared (the data they judged is gone).
 */
export async function resetCloudData(
  cp: ControlPlane,
  id: string,
): Promise<{ migration: MigrationRecord; tables: number; documents: number }> {
  const repo = migrationsRepo(cp);
  const migration = await getMigration(cp, id);
  assertCanResetCloudData(await loadFacts(repo, migration), await repo.activeRun(migration));
  await assertNoCompanyBusy(cp, id, 'the cloud data cannot be reset');
  const tenant = await repo.getTenant(migration.tenantId);
  if (tenant === null) throw new FerryError('FERRY_INTERNAL', `tenant ${migration.tenantId} is missing`);
  const wiped = await wipeTenantData(tenant);
  const after = await applyPhaseAction(cp, migration, 'reset-cloud-data', {
    tenantEvent: 'reset-data',
    activeRunId: migration.activeRunId,
  });
  if (migration.phase === 'parallel') {
    for (const item of await repo.listChecklist(id))
      await repo.setChecklistStatus(id, item.id, 'open', null, null);
    await repo.clearSignatures(id, 'approval');
  }
  return { migration: after, ...wiped };
}

/** Which companies a run takes (null: every company). */
export async function selectCompanies(
  cp: ControlPlane,
  id: string,
  companyIds: string[] | null,
): Promise<MigrationRecord> {
  const migration = await getMigration(cp, id);
  return applyPhaseAction(cp, migration, null, {
    patch: { selected_companies_json: companyIds === null ? null : JSON.stringify(companyIds) },
  });
}

// ---- license binding -----------------------------------------------------------------------------

/**
 * Binds the migration session to the installation's license at the first run. Afterwards the
 * same call checks the binding: a changed company name or serial number throws
 * FERRY_LICENSE_CHANGED with the exact message the seeds prescribe.
 */
export async function recordLicense(
  cp: ControlPlane,
  migration: MigrationRecord,
  license: LicenseBinding,
): Promise<MigrationRecord> {
  if (migration.license !== null) {
    assertLicenseBinding(migration, license);
    return migration;
  }
  return applyPhaseAction(cp, migration, null, {
    activeRunId: migration.activeRunId,
    patch: {
      license_company_name: license.companyName,
      license_serial_number: license.serialNumber,
      license_recorded_at: nowIso(cp),
    },
  });
}

/** Throws FERRY_LICENSE_CHANGED when the license differs from the one recorded at the first run. */
export function assertLicenseUnchanged(migration: MigrationRecord, license: LicenseBinding): void {
  assertLicenseBinding(migration, license);
}
