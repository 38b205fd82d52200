// Migration phase: the one place its transitions are decided.
//
//   planning ──► first-migration ──► parallel ──► approved ──► final-migration ──► live
//      │               │                │            │               │
//      └───────────────┴───── pause ────┴────────────┴───────────────┘──► paused ──resume──► (the phase it paused from)
//      every phase but `live` ──── abandon ──► abandoned (terminal)
//
// Actions and the phases they leave:
//   start-first-migration     planning → first-migration (the first run that writes the tenant)
//   complete-first-migration  first-migration → parallel (that run succeeded)
//   approve                   parallel → approved (both parties signed; the checklist is complete)
//   start-final-migration     approved → final-migration (the final run started)
//   go-live                   final-migration → live (the final run succeeded)
//   pause                     planning … final-migration → paused (remembers the phase)
//   resume                    paused → the phase it paused from
//   abandon                   any phase but live → abandoned
//   reset-cloud-data          planning → planning, first-migration → first-migration,
//                             parallel → first-migration (the data under test is gone)
//
// The preconditions that depend on more than the phase (signatures, checklist, active runs) are in
// migration-rules.ts. Pure: no I/O.

import { FerryError } from './errors.ts';

export const migrationPhases = [
  'planning',
  'first-migration',
  'parallel',
  'approved',
  'final-migration',
  'live',
  'paused',
  'abandoned',
] as const;

export type MigrationPhase = (typeof migrationPhases)[number];

/** The phases of the main line that `paused` can return to. */
export type ActivePhase = Exclude<MigrationPhase, 'live' | 'paused' | 'abandoned'>;

export const activePhases: readonly ActivePhase[] = [
  'planning',
  'first-migration',
  'parallel',
  'approved',
  'final-migration',
];

export const phaseActions = [
  'start-first-migration',
  'complete-first-migration',
  'approve',
  'start-final-migration',
  'go-live',
  'pause',
  'resume',
  'abandon',
  'reset-cloud-data',
] as const;

export type PhaseAction = (typeof phaseActions)[number];

export interface PhaseState {
  phase: MigrationPhase;
  /** Set only while `phase` is `paused`: where `resume` returns to. */
  pausedFrom: ActivePhase | null;
}

export function isActivePhase(phase: MigrationPhase): phase is ActivePhase {
  return (activePhases as readonly string[]).includes(phase);
}

export function isMigrationPhase(value: string): value is MigrationPhase {
  return (migrationPhases as readonly string[]).includes(value);
}

/** What each phase means, for help texts and `migration show`. */
export function describePhase(phase: MigrationPhase): string {
  switch (phase) {
    case 'planning':
      return 'the plan is drawn up; both parties sign it before the first run';
    case 'first-migration':
      return 'the first migration runs (test or full runs; repeatable)';
    case 'parallel':
      return 'both parties test the tenant against the checklist';
    case 'approved':
      return 'the checklist is accepted and the approval signed; the final run may start';
    case 'final-migration':
      return 'the final run moves the latest data, overwriting changes made in the tenant';
    case 'live':
      return 'the tenant is live; the source is a read-only archive; nothing more runs';
    case 'paused':
      return 'on hold; `resume-phase` returns to the phase it was paused from';
    case 'abandoned':
      return 'given up; the source is unfrozen; set up a new migration to start again';
    default:
      return unreachable(phase);
  }
}

function refuse(state: PhaseState, action: PhaseAction, why: string): FerryError {
  const where = state.phase === 'paused' ? `paused (from ${state.pausedFrom ?? '?'})` : state.phase;
  return new FerryError('FERRY_ILLEGAL_TRANSITION', `the migration is ${where}: cannot ${action}, ${why}`, {
    details: { phase: state.phase, pausedFrom: state.pausedFrom, action },
  });
}

function unreachable(value: never): never {
  throw new FerryError('FERRY_INTERNAL', `unhandled migration phase value ${String(value)}`);
}

const next: Partial<Record<ActivePhase, ActivePhase | 'live'>> = {
  planning: 'first-migration',
  'first-migration': 'parallel',
  parallel: 'approved',
  approved: 'final-migration',
  'final-migration': 'live',
};

/** Where the main line expects `action` to start from. */
function mainLine(state: PhaseState, action: PhaseAction, from: ActivePhase): PhaseState {
  if (state.phase === from) return { phase: next[from] ?? from, pausedFrom: null };
  throw refuse(state, action, whyNotHere(state, `it is allowed only in ${from}`));
}

/** The reason a phase refuses a main-line action, most specific first. */
function whyNotHere(state: PhaseState, fallback: string): string {
  switch (state.phase) {
    case 'live':
      return 'the migration is live and nothing may change after go-live';
    case 'abandoned':
      return 'the migration was abandoned; set up a new migration';
    case 'paused':
      return 'resume the phase first (`ferry migration resume-phase`)';
    case 'planning':
    case 'first-migration':
    case 'parallel':
    case 'approved':
    case 'final-migration':
      return fallback;
    default:
      return unreachable(state.phase);
  }
}

/** The phase after `action`, or FERRY_ILLEGAL_TRANSITION saying why the action is refused. */
export function transitionPhase(state: PhaseState, action: PhaseAction): PhaseState {
  switch (action) {
    case 'start-first-migration':
      return mainLine(state, action, 'planning');
    case 'complete-first-migration':
      return mainLine(state, action, 'first-migration');
    case 'approve':
      if (state.phase === 'approved' || state.phase === 'final-migration')
        throw refuse(state, action, 'it is already approved');
      return mainLine(state, action, 'parallel');
    case 'start-final-migration':
      if (isActivePhase(state.phase) && state.phase !== 'approved' && state.phase !== 'final-migration')
        throw refuse(state, action, 'a final run needs the approval signed by both parties first');
      return mainLine(state, action, 'approved');
    case 'go-live':
      return mainLine(state, action, 'final-migration');
    case 'pause':
      if (isActivePhase(state.phase)) return { phase: 'paused', pausedFrom: state.phase };
      throw refuse(
        state,
        action,
        state.phase === 'paused' ? 'it is already paused' : whyNotHere(state, 'it is not in progress'),
      );
    case 'resume':
      if (state.phase === 'paused' && state.pausedFrom !== null)
        return { phase: state.pausedFrom, pausedFrom: null };
      throw refuse(
        state,
        action,
        state.phase === 'paused' ? 'the paused phase is unknown' : 'it is not paused',
      );
    case 'abandon':
      if (state.phase === 'live' || state.phase === 'abandoned')
        throw refuse(state, action, whyNotHere(state, ''));
      return { phase: 'abandoned', pausedFrom: null };
    case 'reset-cloud-data':
      switch (state.phase) {
        case 'planning':
        case 'first-migration':
          return { phase: state.phase, pausedFrom: null };
        case 'parallel':
          return { phase: 'first-migration', pausedFrom: null };
        case 'approved':
        case 'final-migration':
          throw refuse(
            state,
            action,
            'the approved data would be lost; abandon the migration and set up a new one to start over',
          );
        case 'live':
        case 'abandoned':
        case 'paused':
          throw refuse(state, action, whyNotHere(state, ''));
        default:
          return unreachable(state.phase);
      }
    default: {
      const never: never = action;
      throw new FerryError('FERRY_INTERNAL', `unhandled phase action ${String(never)}`);
    }
  }
}
