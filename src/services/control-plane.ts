// What every control-plane service needs: the store, a way to find an application profile by id,
// and a clock. One object, built once per process (CLI command, API server, worker).

import type { ApplicationProfile } from '../profiles/profile.ts';
import { CredentialRepository } from '../store/credential-repository.ts';
import { MigrationRepository } from '../store/migration-repository.ts';
import type { Store } from '../store/open-store.ts';
import { ScheduleRepository } from '../store/schedule-repository.ts';

/**
 * Finds the application profile with this id (e.g. `crm`); throws FERRY_INVALID_ARGUMENT for an
 * unknown id. Services receive it so they stay independent of which profiles are installed.
 */
export type ProfileResolver = (profileId: string) => ApplicationProfile | Promise<ApplicationProfile>;

export interface ControlPlane {
  store: Store;
  profiles: ProfileResolver;
  /** Defaults to the system clock; tests pass a fixed one. */
  clock?: () => Date;
}

export function nowIso(cp: ControlPlane): string {
  return (cp.clock?.() ?? new Date()).toISOString();
}

export function migrationsRepo(cp: ControlPlane): MigrationRepository {
  return new MigrationRepository(cp.store.kysely);
}

export function credentialsRepo(cp: ControlPlane): CredentialRepository {
  return new CredentialRepository(cp.store.kysely);
}

export function schedulesRepo(cp: ControlPlane): ScheduleRepository {
  return new ScheduleRepository(cp.store.kysely);
}
