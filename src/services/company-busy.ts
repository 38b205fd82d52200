// When a company counts as busy, and what its being busy refuses (issue 4: "a company being
// initialized cannot be changed"). A company is busy while its initialization job is `queued` or
// `running`; jobs past their deadline (no worker took them, or their worker stopped renewing its
// lease) are failed first, so a company cannot stay locked forever.
//
// While any company of a migration is busy, nothing may change the tenant's data under it:
//   - runs that write the tenant database (every kind but diagnostic and recovery-missing-files),
//     refused by the run gate (run-gate.ts) through `assertNoCompanyBusyForRun`;
//   - reset cloud data, sanitize --fix and companion repair, through `assertNoCompanyBusy`;
//   - a change of the company selection that adds or removes a busy company
//     (`assertSelectionChangeAllowed`).
// All are FERRY_COMPANY_BUSY (409) naming the companies. The other way round, initialization does
// not start while a run holds the migration (company-initialization.ts).

import { isBusy } from '../domain/company-initialization.ts';
import { FerryError } from '../domain/errors.ts';
import type { RunKind } from '../domain/migration-rules.ts';
import {
  CompanyInitializationRepository,
  type CompanyInitializationRecord,
} from '../store/company-initialization-repository.ts';
import type { MigrationRecord } from '../store/migration-repository.ts';
import { type ControlPlane, nowIso } from './control-plane.ts';

export function initializationsRepo(cp: ControlPlane): CompanyInitializationRepository {
  return new CompanyInitializationRepository(cp.store.kysely);
}

/** Fails the jobs whose deadline passed, so their companies are free again. */
export async function failExpiredInitializations(cp: ControlPlane, migrationId: string): Promise<void> {
  await initializationsRepo(cp).failExpired(migrationId, nowIso(cp), {
    queued: {
      code: 'FERRY_COMPANY_INITIALIZATION_FAILED',
      message:
        'no worker took the job in time: with the PostgreSQL store, start `ferry worker`; then initialize the company again',
    },
    running: {
      code: 'FERRY_COMPANY_INITIALIZATION_FAILED',
      message:
        'the worker executing the job stopped (its lease expired); the initialization is idempotent: start it again',
    },
  });
}

export function companyBusyError(
  migrationId: string,
  busy: CompanyInitializationRecord[],
  action: string,
): FerryError {
  const names = busy.map((r) => `${JSON.stringify(r.companyId)} (${r.status})`).join(', ');
  return new FerryError(
    'FERRY_COMPANY_BUSY',
    `${action}: company ${names} of migration ${migrationId} is being initialized; wait until its initialization has ended`,
    { details: { migrationId, companies: busy.map((r) => ({ id: r.companyId, status: r.status })) } },
  );
}

/** The migration's companies whose initialization is queued or running now. */
export async function busyCompanies(
  cp: ControlPlane,
  migrationId: string,
): Promise<CompanyInitializationRecord[]> {
  await failExpiredInitializations(cp, migrationId);
  return (await initializationsRepo(cp).list(migrationId)).filter((r) => isBusy(r.status));
}

/** Throws FERRY_COMPANY_BUSY when any company of the migration is being initialized. */
export async function assertNoCompanyBusy(
  cp: ControlPlane,
  migrationId: string,
  action: string,
): Promise<void> {
  const busy = await busyCompanies(cp, migrationId);
  if (busy.length > 0) throw companyBusyError(migrationId, busy, action);
}

/** Run kinds that leave the tenant database as it is: they may run while a company is initialized. */
const leavesTenantDatabase: readonly RunKind[] = ['diagnostic', 'recovery-missing-files'];

/** The run gate's check: a run that writes the tenant database waits for company initialization. */
export async function assertNoCompanyBusyForRun(
  cp: ControlPlane,
  migrationId: string,
  kind: RunKind,
): Promise<void> {
  if (leavesTenantDatabase.includes(kind)) return;
  await assertNoCompanyBusy(cp, migrationId, `a ${kind} run cannot start`);
}

/**
 * The company selection may change only for companies that are not busy: a selection change that
 * adds or removes a company whose initialization is queued or running is FERRY_COMPANY_BUSY.
 */
export async function assertSelectionChangeAllowed(
  cp: ControlPlane,
  migration: MigrationRecord,
  next: string[] | null,
): Promise<void> {
  const selected = (ids: string[] | null, id: string) => ids === null || ids.includes(id);
  const busy = (await busyCompanies(cp, migration.id)).filter(
    (r) => selected(migration.selectedCompanies, r.companyId) !== selected(next, r.companyId),
  );
  if (busy.length > 0) throw companyBusyError(migration.id, busy, 'the company selection cannot change');
}
