// The reference CRM's pre-migration checks, in the order `ferry check` shows them: one per rule of
// seed 000 and one per problem the generator plants (see `crmCheckForProblem`).

import {
  excludedTablesCheck,
  invalidCharactersCheck,
  missingCompanionsCheck,
  versionCheck,
} from '../../common-checks.ts';
import type { CheckDefinition, CompanionTable, ExcludedTable } from '../../profile.ts';
import { crmVersion } from '../hooks.ts';
import type { PlantedProblemId } from '../planted-problems.ts';
import {
  activeSatellites,
  customizations,
  documentsMissing,
  sentryAddonPreferences,
} from './installation.ts';
import {
  administratorWithPlan,
  duplicateUserEmails,
  licensedUsersValidEmail,
  usersOnTravel,
} from './users.ts';

export function crmChecks(
  excludedTables: readonly ExcludedTable[],
  companionTables: readonly CompanionTable[],
): CheckDefinition[] {
  return [
    versionCheck('crm', 'CRM', crmVersion),
    duplicateUserEmails,
    licensedUsersValidEmail,
    administratorWithPlan,
    usersOnTravel,
    activeSatellites,
    sentryAddonPreferences,
    invalidCharactersCheck('crm'),
    missingCompanionsCheck('crm', companionTables),
    documentsMissing,
    excludedTablesCheck('crm', excludedTables),
    customizations,
  ];
}

/** The check that finds each problem the generator plants (its count equals the planted count). */
export const crmCheckForProblem: Record<PlantedProblemId, string> = {
  'old-version': 'crm.version',
  'duplicate-user-emails': 'crm.duplicate-user-emails',
  'licensed-user-without-valid-email': 'crm.licensed-users-valid-email',
  'users-on-travel': 'crm.users-on-travel',
  'active-satellite': 'crm.active-satellites',
  'sentry-addon-preferences': 'crm.sentry-addon-preferences',
  'invalid-characters': 'crm.invalid-characters',
  'documents-missing-from-archive': 'crm.documents-missing',
  'missing-companion-records': 'crm.missing-companion-records',
};
