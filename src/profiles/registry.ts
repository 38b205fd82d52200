// Profile id → application profile. The only place that lists the profiles Ferry ships; an
// installation.yaml names one by id (`profile: crm`).

import { FerryError } from '../domain/errors.ts';
import { crmProfile } from './crm/profile.ts';
import { erpProfile } from './erp/profile.ts';
import type { ApplicationProfile } from './profile.ts';

export const profiles: readonly ApplicationProfile[] = [crmProfile, erpProfile];

export const profileIds: readonly string[] = profiles.map((p) => p.id);

/** The profile with this id; FERRY_INVALID_ARGUMENT naming the known ids otherwise. */
export function profileById(id: string): ApplicationProfile {
  const profile = profiles.find((p) => p.id === id);
  if (profile === undefined) {
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `unknown application profile ${JSON.stringify(id)}: known profiles are ${profileIds.join(', ')}`,
      { details: { profile: id, known: [...profileIds] } },
    );
  }
  return profile;
}
