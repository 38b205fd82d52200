// Tenant state: the one place its transitions are decided.
//
//   provisioned ──begin-run──► in-migration ──accept──► running
//                               ▲       │
//                     begin-run │       │ end-run
//                               │       ▼
//                          offline-maintenance
//   every state but archived ──archive──► archived (terminal)
//   reset-data: provisioned → provisioned, offline-maintenance → offline-maintenance
//
//   begin-run  a run that writes the tenant starts (nobody may log in while it runs)
//   end-run    the run stopped without being accepted: a test run, a failed or cancelled run;
//              the tenant stays closed for logins (`offline-maintenance`)
//   accept     go-live: the final run's data is accepted and users log in (`running`)
//   reset-data the tenant's data is wiped (reset cloud data); it stays closed for logins
//   archive    the migration was abandoned; the tenant is kept but never used again
//
// Pure: no I/O.

import { FerryError } from './errors.ts';

export const tenantStates = [
  'provisioned',
  'offline-maintenance',
  'in-migration',
  'running',
  'archived',
] as const;

export type TenantState = (typeof tenantStates)[number];

export const tenantEvents = ['begin-run', 'end-run', 'accept', 'reset-data', 'archive'] as const;

export type TenantEvent = (typeof tenantEvents)[number];

export function isTenantState(value: string): value is TenantState {
  return (tenantStates as readonly string[]).includes(value);
}

function refuse(tenantId: string, state: TenantState, event: TenantEvent, why: string): FerryError {
  return new FerryError(
    'FERRY_ILLEGAL_TRANSITION',
    `tenant ${tenantId} is ${state}: cannot ${event}, ${why}`,
    {
      details: { tenantId, state, event },
    },
  );
}

/** The tenant's state after `event`, or FERRY_ILLEGAL_TRANSITION saying why it is refused. */
export function transitionTenant(tenantId: string, state: TenantState, event: TenantEvent): TenantState {
  const no = (why: string) => refuse(tenantId, state, event, why);
  switch (state) {
    case 'provisioned':
    case 'offline-maintenance':
      switch (event) {
        case 'begin-run':
          return 'in-migration';
        case 'reset-data':
          return state;
        case 'archive':
          return 'archived';
        case 'end-run':
          throw no('no run is writing into it');
        case 'accept':
          throw no('only a tenant that a final run has just loaded can be accepted');
        default:
          return unreachableEvent(event);
      }
    case 'in-migration':
      switch (event) {
        case 'end-run':
          return 'offline-maintenance';
        case 'accept':
          return 'running';
        case 'archive':
          return 'archived';
        case 'begin-run':
          throw no('another run is already writing into it');
        case 'reset-data':
          throw no('a run is writing into it; cancel the run first');
        default:
          return unreachableEvent(event);
      }
    case 'running':
      switch (event) {
        case 'begin-run':
        case 'end-run':
        case 'reset-data':
          throw no('it is live and no migration may write into it any more');
        case 'accept':
          throw no('it is already running');
        case 'archive':
          return 'archived';
        default:
          return unreachableEvent(event);
      }
    case 'archived':
      throw no('it is archived and is never used again; set up a migration with a new tenant id');
    default: {
      const never: never = state;
      throw new FerryError('FERRY_INTERNAL', `unhandled tenant state ${String(never)}`);
    }
  }
}

function unreachableEvent(event: never): never {
  throw new FerryError('FERRY_INTERNAL', `unhandled tenant event ${String(event)}`);
}
