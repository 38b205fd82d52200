// The rules a migration's actions must follow beyond its phase (migration-phase.ts): signatures,
// the checklist, one run at a time, the license binding, and which run kinds each phase allows.
// Every refusal is a FerryError whose message says what the state is and why. Pure: no I/O.
//
// Which runs each phase allows (a run is refused in every phase while another one is active):
//   planning         diagnostic; test or full once the plan is signed by both parties
//   first-migration  every kind but final and data-upgrade
//   parallel         every kind but final
//   approved         diagnostic, final
//   final-migration  diagnostic, final (again, after a failed one), recovery-missing-files;
//                    data-upgrade once the final run succeeded
//   live, paused, abandoned: none
//
// data-upgrade brings tenant data loaded from an older on-premises version to the cloud version's
// shape: it needs loaded data (a loading run that succeeded, i.e. the parallel phase, or the
// final run done) and, like every run, is refused after go-live.

import { FerryError } from './errors.ts';
import {
  transitionPhase,
  type ActivePhase,
  type MigrationPhase,
  type PhaseAction,
} from './migration-phase.ts';

export const runKinds = [
  'diagnostic',
  'test',
  'full',
  'incremental',
  'final',
  'recovery-missing-files',
  'recovery-overwrite-test',
  'data-upgrade',
] as const;

export type RunKind = (typeof runKinds)[number];

export function isRunKind(value: string): value is RunKind {
  return (runKinds as readonly string[]).includes(value);
}

export const parties = ['vendor', 'customer'] as const;

/** The two parties that sign the plan and the approval. */
export type Party = (typeof parties)[number];

export function isParty(value: string): value is Party {
  return (parties as readonly string[]).includes(value);
}

export interface Signature {
  party: Party;
  name: string;
  /** ISO-8601 UTC. */
  signedAt: string;
}

export type ChecklistStatus = 'open' | 'passed' | 'failed';

export interface LicenseBinding {
  companyName: string;
  serialNumber: string;
}

/** What the rules need to know about a migration. */
export interface MigrationFacts {
  id: string;
  phase: MigrationPhase;
  pausedFrom: ActivePhase | null;
  planActivityCount: number;
  planSignatures: readonly Signature[];
  approvalSignatures: readonly Signature[];
  checklist: readonly { id: string; status: ChecklistStatus }[];
  /** When a final run succeeded (go-live needs one). */
  finalCompletedAt: string | null;
  /** The license recorded at the first run, or null before it. */
  license: LicenseBinding | null;
}

/** A run of this migration that has not ended (queued, running or paused). */
export interface ActiveRun {
  id: string;
  kind: string;
  status: string;
}

export const LICENSE_CHANGED_MESSAGE =
  'Unable to resume migration session because company name or serialnumber has changed';

function refuse(
  m: MigrationFacts,
  what: string,
  why: string,
  details: Record<string, unknown> = {},
): FerryError {
  return new FerryError(
    'FERRY_ILLEGAL_TRANSITION',
    `migration ${m.id} is ${phaseText(m)}: ${what} refused: ${why}`,
    {
      details: { migrationId: m.id, phase: m.phase, ...details },
    },
  );
}

function phaseText(m: MigrationFacts): string {
  return m.phase === 'paused' && m.pausedFrom !== null ? `paused (from ${m.pausedFrom})` : m.phase;
}

/** Refusals shared by every action: nothing happens after go-live, on an abandoned or paused migration. */
function assertInProgress(m: MigrationFacts, what: string, allowPaused = false): void {
  if (m.phase === 'live')
    throw refuse(m, what, 'the migration is live; nothing of any kind may run or change after go-live');
  if (m.phase === 'abandoned')
    throw refuse(m, what, 'the migration was abandoned; set up a new migration to start again');
  if (m.phase === 'paused' && !allowPaused)
    throw refuse(m, what, 'the migration is paused; resume the phase first (`ferry migration resume-phase`)');
}

export function missingParties(signatures: readonly Signature[]): Party[] {
  return parties.filter((p) => !signatures.some((s) => s.party === p));
}

export function assertNoActiveRun(m: MigrationFacts, what: string, active: ActiveRun | null): void {
  if (active === null) return;
  throw refuse(
    m,
    what,
    `run ${active.id} (${active.kind}) is ${active.status} on this migration; only one run at a time — wait for it, or pause or cancel it`,
    { activeRunId: active.id },
  );
}

/** Whether a run of this kind writes into the tenant (and so moves the migration along). */
export function writesTenant(kind: RunKind): boolean {
  return kind !== 'diagnostic';
}

/** May a run of `kind` start now? Throws FERRY_ILLEGAL_TRANSITION with the reason when not. */
export function assertRunAllowed(m: MigrationFacts, kind: RunKind, active: ActiveRun | null): void {
  const what = `a ${kind} run`;
  assertInProgress(m, what);
  assertNoActiveRun(m, what, active);
  if (kind === 'diagnostic') return;
  if (kind === 'data-upgrade') return assertDataUpgradeAllowed(m, what);
  const phase = m.phase as ActivePhase;
  switch (phase) {
    case 'planning': {
      if (kind === 'final')
        throw refuse(m, what, 'a final run needs the approval signed by both parties first');
      if (kind !== 'test' && kind !== 'full')
        throw refuse(m, what, 'there is no earlier run yet; the first run is a test or full run');
      const missing = missingParties(m.planSignatures);
      if (m.planActivityCount === 0)
        throw refuse(m, what, 'the plan has no activities; set the plan and have both parties sign it first');
      if (missing.length > 0)
        throw refuse(
          m,
          what,
          `the plan must be signed by both parties before the first run; missing: ${missing.join(', ')}`,
          {
            missingSignatures: missing,
          },
        );
      return;
    }
    case 'first-migration':
    case 'parallel':
      if (kind === 'final')
        throw refuse(
          m,
          what,
          'a final run needs the checklist completed and the approval signed by both parties first',
        );
      return;
    case 'approved':
      if (kind === 'final') return;
      throw refuse(
        m,
        what,
        'the migration is approved; only the final run may start now (another run would change the approved tenant)',
      );
    case 'final-migration':
      if (kind === 'final' || kind === 'recovery-missing-files') return;
      throw refuse(
        m,
        what,
        'the final migration is under way; only the final run or recovery-missing-files may start',
      );
    default: {
      const never: never = phase;
      throw new FerryError('FERRY_INTERNAL', `unhandled phase ${String(never)}`);
    }
  }
}

/** data-upgrade: only on loaded tenant data (see the table at the top). */
function assertDataUpgradeAllowed(m: MigrationFacts, what: string): void {
  const phase = m.phase as ActivePhase;
  switch (phase) {
    case 'planning':
    case 'first-migration':
      throw refuse(
        m,
        what,
        'no loading run has succeeded yet, so the tenant holds no data to upgrade; run a test or full run first',
      );
    case 'parallel':
      return;
    case 'approved':
      throw refuse(
        m,
        what,
        'the migration is approved; only the final run may start now (upgrade its data once it succeeded, before go-live)',
      );
    case 'final-migration':
      if (m.finalCompletedAt !== null) return;
      throw refuse(m, what, 'the final run has not succeeded yet; upgrade the data once it has');
    default: {
      const never: never = phase;
      throw new FerryError('FERRY_INTERNAL', `unhandled phase ${String(never)}`);
    }
  }
}

/**
 * Whether the tenant stays `in-migration` (awaiting go-live) when a run of `kind` ends, instead of
 * going back to offline-maintenance: after a successful final run, and after a data upgrade of
 * that final data.
 */
export function tenantAwaitsGoLive(m: MigrationFacts, kind: RunKind, succeeded: boolean): boolean {
  if (kind === 'final') return succeeded;
  return kind === 'data-upgrade' && m.phase === 'final-migration' && m.finalCompletedAt !== null;
}

/** The phase action a run of `kind` starting now implies, or null when the phase stays. */
export function phaseActionOnRunStart(m: MigrationFacts, kind: RunKind): PhaseAction | null {
  if (m.phase === 'planning' && writesTenant(kind)) return 'start-first-migration';
  if (m.phase === 'approved' && kind === 'final') return 'start-final-migration';
  return null;
}

/** The phase action a run of `kind` that ended implies, or null when the phase stays. */
export function phaseActionOnRunEnd(
  m: MigrationFacts,
  kind: RunKind,
  succeeded: boolean,
): PhaseAction | null {
  if (
    succeeded &&
    m.phase === 'first-migration' &&
    (kind === 'test' || kind === 'full' || kind === 'incremental')
  )
    return 'complete-first-migration';
  return null;
}

export function assertPlanEditable(m: MigrationFacts): void {
  assertInProgress(m, 'changing the plan');
  if (m.phase !== 'planning')
    throw refuse(m, 'changing the plan', 'the plan can change only in planning, before the first run');
}

export function assertCanSignPlan(m: MigrationFacts, party: Party): void {
  const what = `signing the plan for the ${party}`;
  assertInProgress(m, what);
  if (m.phase !== 'planning') throw refuse(m, what, 'the plan is signed in planning, before the first run');
  if (m.planActivityCount === 0)
    throw refuse(m, what, 'the plan has no activities yet; add them with `ferry migration plan`');
  const existing = m.planSignatures.find((s) => s.party === party);
  if (existing !== undefined)
    throw refuse(m, what, `the ${party} already signed it (${existing.name}, ${existing.signedAt})`);
}

export function assertChecklistEditable(m: MigrationFacts): void {
  const what = 'adding a checklist item';
  assertInProgress(m, what);
  if (m.phase !== 'planning' && m.phase !== 'first-migration' && m.phase !== 'parallel')
    throw refuse(m, what, 'the checklist is fixed once the migration is approved');
}

export function assertCanRecordChecklistResult(m: MigrationFacts): void {
  const what = 'recording a checklist result';
  assertInProgress(m, what);
  if (m.phase !== 'parallel')
    throw refuse(
      m,
      what,
      'checklist items are passed or failed in the parallel phase, after the first migration',
    );
}

export function assertCanSignApproval(m: MigrationFacts, party: Party): void {
  const what = `signing the approval for the ${party}`;
  assertInProgress(m, what);
  if (m.phase !== 'parallel')
    throw refuse(
      m,
      what,
      m.phase === 'approved' || m.phase === 'final-migration'
        ? 'it is already approved'
        : 'approval comes after the first migration, in the parallel phase',
    );
  if (m.checklist.length === 0) throw refuse(m, what, 'the checklist is empty; add its items first');
  const open = m.checklist.filter((i) => i.status !== 'passed');
  if (open.length > 0)
    throw refuse(
      m,
      what,
      `the checklist is not complete: ${open.length} item(s) not passed (${open
        .slice(0, 5)
        .map((i) => `${i.id}: ${i.status}`)
        .join(', ')}${open.length > 5 ? ', …' : ''})`,
      { itemsNotPassed: open.map((i) => i.id) },
    );
  const existing = m.approvalSignatures.find((s) => s.party === party);
  if (existing !== undefined)
    throw refuse(m, what, `the ${party} already signed it (${existing.name}, ${existing.signedAt})`);
}

/** After this party's signature: approve when both parties have signed. */
export function approvalComplete(signatures: readonly Signature[]): boolean {
  return missingParties(signatures).length === 0;
}

export function assertCanGoLive(m: MigrationFacts, active: ActiveRun | null): void {
  const what = 'go-live';
  assertInProgress(m, what);
  assertNoActiveRun(m, what, active);
  if (m.phase !== 'final-migration')
    throw refuse(m, what, 'go-live comes after the approval and a successful final run');
  if (m.finalCompletedAt === null) throw refuse(m, what, 'no final run has succeeded yet');
}

export function assertCanPause(m: MigrationFacts, active: ActiveRun | null): void {
  assertNoActiveRun(m, 'pausing the migration', active);
  transitionPhase(m, 'pause');
}

export function assertCanAbandon(m: MigrationFacts, active: ActiveRun | null): void {
  assertInProgress(m, 'abandoning', true);
  assertNoActiveRun(m, 'abandoning', active);
}

export function assertCanResetCloudData(m: MigrationFacts, active: ActiveRun | null): void {
  assertInProgress(m, 'resetting the cloud data');
  assertNoActiveRun(m, 'resetting the cloud data', active);
  transitionPhase(m, 'reset-cloud-data');
}

/** Schedules and runtime keys: allowed until the migration ends. */
export function assertNotEnded(m: MigrationFacts, what: string): void {
  assertInProgress(m, what, true);
}

/**
 * The session is bound to the license recorded at the first run: a run or resume after the
 * company name or serial number changed is refused with the seeds' exact message.
 */
export function assertLicenseUnchanged(
  m: Pick<MigrationFacts, 'id' | 'license'>,
  current: LicenseBinding,
): void {
  if (m.license === null) return;
  if (m.license.companyName === current.companyName && m.license.serialNumber === current.serialNumber)
    return;
  throw new FerryError('FERRY_LICENSE_CHANGED', LICENSE_CHANGED_MESSAGE, {
    details: {
      migrationId: m.id,
      companyNameChanged: m.license.companyName !== current.companyName,
      serialNumberChanged: m.license.serialNumber !== current.serialNumber,
    },
  });
}
