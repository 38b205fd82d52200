// The problems the CRM generator plants on purpose, so that every pre-migration check has something
// to find. Positions are fixed functions of the size (not of the seed), so tests and checks can
// count them exactly.

import type { CrmSize } from './schema.ts';
import { crmRowCounts } from './schema.ts';

export type PlantedProblemId =
  | 'duplicate-user-emails'
  | 'licensed-user-without-valid-email'
  | 'users-on-travel'
  | 'active-satellite'
  | 'sentry-addon-preferences'
  | 'invalid-characters'
  | 'documents-missing-from-archive'
  | 'missing-companion-records'
  | 'old-version';

export const plantedProblemIds: readonly PlantedProblemId[] = [
  'duplicate-user-emails',
  'licensed-user-without-valid-email',
  'users-on-travel',
  'active-satellite',
  'sentry-addon-preferences',
  'invalid-characters',
  'documents-missing-from-archive',
  'missing-companion-records',
  'old-version',
];

/** `true` (default) plants every problem, `false` none; an object switches single ones (unlisted = on). */
export type ProblemsOption = boolean | Partial<Record<PlantedProblemId, boolean>>;
export type ProblemSwitches = Record<PlantedProblemId, boolean>;

export function resolveProblems(option: ProblemsOption | undefined): ProblemSwitches {
  const all = option !== false;
  const out = {} as ProblemSwitches;
  for (const id of plantedProblemIds) {
    out[id] = typeof option === 'object' ? (option[id] ?? true) : all;
  }
  return out;
}

export interface PlantedProblem {
  id: PlantedProblemId;
  /** How many instances were planted (users, rows, files…; see `unit`). */
  count: number;
  unit: string;
  /** Where the problem lives, table → rows planted there. */
  where: Record<string, number>;
  description: string;
}

/** `count` ids spread evenly over 1..n (deterministic; never the first or last id). */
export function spreadIds(n: number, count: number, salt = 0): number[] {
  const ids: number[] = [];
  for (let j = 0; j < count; j++) ids.push(Math.min(n, Math.floor(((j + 0.5 + salt / 7) * n) / count) + 1));
  return ids;
}

/** The users that carry user problems (ids in `users`). Fixed, independent of size (≥ 50 users). */
export const problemUsers = {
  /** Pairs (a, b): b's primary email is a's primary email. */
  duplicatePairs: [
    [10, 11],
    [20, 21],
    [30, 31],
  ] as const,
  /** Licensed, no email row at all. */
  noEmail: 15,
  /** Licensed, only an invalid email. */
  invalidEmail: 25,
  onTravel: [5, 6, 7] as const,
};

export const activeSatelliteId = 2;
export const oldVersion = '6.4';
export const currentVersion = '10.3';
export const minimumVersion = '7.1';

/** Characters that break the target's text handling but are valid in SQLite, MariaDB and PostgreSQL. */
export const invalidCharacterVariants = ['\u0001', '\u000B', '\u200B', ' '] as const;
/** Matches every planted invalid character (including trailing whitespace). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it looks for
export const invalidCharacterPattern = /[\u0001-\u0008\u000B\u000C\u000E-\u001F\u200B]|\s$/u;

export const invalidCharacterColumns = [
  { table: 'companies', column: 'name' },
  { table: 'persons', column: 'last_name' },
  { table: 'appointments', column: 'title' },
] as const;

const perSize: Record<
  CrmSize,
  { invalidPerColumn: number; missingDocuments: number; sentry: number; missingCompanions: number }
> = {
  small: { invalidPerColumn: 3, missingDocuments: 5, sentry: 4, missingCompanions: 4 },
  medium: { invalidPerColumn: 20, missingDocuments: 25, sentry: 10, missingCompanions: 30 },
  large: { invalidPerColumn: 100, missingDocuments: 100, sentry: 20, missingCompanions: 150 },
};

/** The companion (extension) table the CRM expects for every row of its base table. */
export const companionTable = { base: 'companies', companion: 'company_extensions' } as const;

export function invalidCharacterIds(size: CrmSize, table: string): number[] {
  const n = crmRowCounts[size][table] ?? 0;
  return spreadIds(n, perSize[size].invalidPerColumn, 1);
}

export function missingDocumentIds(size: CrmSize): number[] {
  return spreadIds(crmRowCounts[size].documents ?? 0, perSize[size].missingDocuments, 2);
}

/** Company ids planted without their `company_extensions` row. */
export function missingCompanionIds(size: CrmSize): number[] {
  return spreadIds(crmRowCounts[size].companies ?? 0, perSize[size].missingCompanions, 4);
}

export function sentryPreferenceIds(size: CrmSize): number[] {
  return spreadIds(crmRowCounts[size].user_preferences ?? 0, perSize[size].sentry, 3);
}

/** What `initInstallation` plants for this size and these switches. */
export function plantedProblems(size: CrmSize, option?: ProblemsOption): PlantedProblem[] {
  const on = resolveProblems(option);
  const all: PlantedProblem[] = [
    {
      id: 'duplicate-user-emails',
      count: problemUsers.duplicatePairs.length * 2,
      unit: 'users',
      where: { user_emails: problemUsers.duplicatePairs.length * 2 },
      description: `${problemUsers.duplicatePairs.length} pairs of licensed users share a primary email address`,
    },
    {
      id: 'licensed-user-without-valid-email',
      count: 2,
      unit: 'users',
      where: { users: 2 },
      description: 'a licensed user with no email address and one whose only address is invalid',
    },
    {
      id: 'users-on-travel',
      count: problemUsers.onTravel.length,
      unit: 'users',
      where: { users: problemUsers.onTravel.length },
      description: 'users currently on travel (users.on_travel = true)',
    },
    {
      id: 'active-satellite',
      count: 1,
      unit: 'satellites',
      where: { satellites: 1 },
      description: 'an active satellite (satellites.is_active = true)',
    },
    {
      id: 'sentry-addon-preferences',
      count: perSize[size].sentry,
      unit: 'rows',
      where: { user_preferences: perSize[size].sentry },
      description: "user preferences with pref_key = 'SentryAddonNames'",
    },
    {
      id: 'invalid-characters',
      count: perSize[size].invalidPerColumn * invalidCharacterColumns.length,
      unit: 'rows',
      where: Object.fromEntries(
        invalidCharacterColumns.map((c) => [c.table, perSize[size].invalidPerColumn]),
      ),
      description: `control characters (U+0001, U+000B), zero-width spaces or trailing whitespace in ${invalidCharacterColumns
        .map((c) => `${c.table}.${c.column}`)
        .join(', ')}`,
    },
    {
      id: 'documents-missing-from-archive',
      count: perSize[size].missingDocuments,
      unit: 'documents',
      where: { documents: perSize[size].missingDocuments },
      description: 'documents rows whose file is not in the archive',
    },
    {
      id: 'missing-companion-records',
      count: perSize[size].missingCompanions,
      unit: 'rows',
      where: { [companionTable.companion]: perSize[size].missingCompanions },
      description: `${companionTable.base} rows without their ${companionTable.companion} (extension) row`,
    },
    {
      id: 'old-version',
      count: 1,
      unit: 'rows',
      where: { app_version: 1 },
      description: `application version ${oldVersion}, below the minimum ${minimumVersion}`,
    },
  ];
  return all.filter((p) => on[p.id]);
}
