// Deterministic, streamed rows for every CRM table. Each table draws from its own PRNG stream
// (seed, table name), rows are yielded one at a time and never collected, so any size runs in
// bounded memory. Values: numbers for small integers and floats, bigint for 64-bit values above
// 2^53, strings for decimals ('1234.5600'), dates ('YYYY-MM-DD') and datetimes
// ('YYYY-MM-DD HH:MM:SS.mmm', UTC), booleans, Buffers for BLOBs, null for NULL.

import { documentFile, sha256 } from './archive.ts';
import type { ProblemSwitches } from './planted-problems.ts';
import {
  activeSatelliteId,
  currentVersion,
  invalidCharacterIds,
  invalidCharacterVariants,
  missingCompanionIds,
  missingDocumentIds,
  oldVersion,
  problemUsers,
  sentryPreferenceIds,
} from './planted-problems.ts';
import { Random } from './random.ts';
import type { CrmSize } from './schema.ts';
import { appointmentStatuses, companyStatuses, crmRowCounts, userPlans } from './schema.ts';
import {
  auditActions,
  cities,
  companySuffixes,
  companyWords,
  countries,
  firstNames,
  groupNames,
  lastNames,
  mimeTypes,
  permissions,
  positions,
  preferenceKeys,
  roleNames,
  words,
} from './vocabulary.ts';

export type CellValue = string | number | bigint | boolean | Buffer | null;
export type GeneratedRow = CellValue[];

export interface GenerationContext {
  seed: number;
  size: CrmSize;
  problems: ProblemSwitches;
}

const count = (ctx: GenerationContext, table: string): number => crmRowCounts[ctx.size][table] ?? 0;

/** Rows `generateRows(table)` yields for this context. */
export function rowCount(table: string, ctx: GenerationContext): number {
  if (table === 'company_extensions') return count(ctx, 'companies') - plantedMissingCompanions(ctx).size;
  if (table !== 'user_emails') return count(ctx, table);
  const users = count(ctx, 'users');
  const missing = ctx.problems['licensed-user-without-valid-email'] ? 1 : 0;
  return users + Math.floor(users / 2) - missing;
}

const NULL_RATE = 0.1;
const orNull = <T>(rng: Random, value: T): T | null => (rng.chance(NULL_RATE) ? null : value);

const START_MS = Date.UTC(2005, 0, 1);
const SPAN_MS = Date.UTC(2030, 0, 1) - START_MS;

function datetimeAt(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23).replace('T', ' ');
}
const datetime = (rng: Random): string => datetimeAt(START_MS + Math.floor(rng.float() * SPAN_MS));
/** TIMESTAMP values: whole seconds (MariaDB's TIMESTAMP keeps no fraction), UTC. */
const instant = (rng: Random): string =>
  datetimeAt(START_MS + Math.floor(rng.float() * SPAN_MS)).slice(0, 19);
const date = (rng: Random, fromYear = 1940, toYear = 2020): string =>
  `${rng.int(fromYear, toYear)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;

/** DECIMAL(18,4) as exact text, at most 13 significant digits (SQLite keeps 15 in a REAL). */
function amount(rng: Random): string {
  const units = rng.int(0, 999_999_999);
  const fraction = String(rng.int(0, 9999)).padStart(4, '0');
  return `${rng.chance(0.05) ? '-' : ''}${units}.${fraction}`;
}

function paragraph(rng: Random, minLength: number, maxLength: number): string {
  const target = rng.int(minLength, maxLength);
  let out = rng.pick(words);
  while (out.length < target) out += (rng.chance(0.08) ? '.\n' : ' ') + rng.pick(words);
  return out;
}

function ascii(text: string): string {
  const out = text
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
  return out === '' ? 'x' : out;
}

/** Plants one of the invalid-character variants into `value` (the j-th planted row). */
function withInvalidCharacter(value: string, j: number): string {
  const variant = invalidCharacterVariants[j % invalidCharacterVariants.length] ?? ' ';
  if (variant === ' ') return `${value} `;
  const chars = Array.from(value);
  chars.splice(1, 0, variant);
  return chars.join('');
}

function invalidCharacterPlanter(
  ctx: GenerationContext,
  table: string,
): (id: number, value: string) => string {
  if (!ctx.problems['invalid-characters']) return (_id, value) => value;
  const ids = new Map(invalidCharacterIds(ctx.size, table).map((id, j) => [id, j]));
  return (id, value) => {
    const j = ids.get(id);
    return j === undefined ? value : withInvalidCharacter(value, j);
  };
}

interface UserIdentity {
  firstName: string;
  lastName: string;
  login: string;
}

function userIdentity(seed: number, id: number): UserIdentity {
  const rng = new Random(seed, `user:${id}`);
  const firstName = rng.pick(firstNames);
  const lastName = rng.pick(lastNames);
  return { firstName, lastName, login: `${ascii(firstName)}.${ascii(lastName)}${id}` };
}

const isDuplicateSecond = (id: number): number | undefined =>
  problemUsers.duplicatePairs.find(([, b]) => b === id)?.[0];

const plantedPlanUsers = new Set<number>([
  ...problemUsers.duplicatePairs.flat(),
  problemUsers.noEmail,
  problemUsers.invalidEmail,
]);

function* users(ctx: GenerationContext): Generator<GeneratedRow> {
  const rng = new Random(ctx.seed, 'users');
  const persons = count(ctx, 'persons');
  const groups = count(ctx, 'user_groups');
  const travel = new Set<number>(ctx.problems['users-on-travel'] ? problemUsers.onTravel : []);
  const emailProblems =
    ctx.problems['duplicate-user-emails'] || ctx.problems['licensed-user-without-valid-email'];
  for (let id = 1; id <= count(ctx, 'users'); id++) {
    const who = userIdentity(ctx.seed, id);
    const randomPlan = rng.chance(0.75) ? rng.pick(userPlans) : null;
    const plan = id <= 2 || (emailProblems && plantedPlanUsers.has(id)) ? 'standard' : randomPlan;
    yield [
      id,
      orNull(rng, rng.int(1, persons)),
      who.login,
      `${who.firstName} ${who.lastName}`,
      orNull(rng, rng.int(1, groups)),
      orNull(rng, rng.pick(positions)),
      plan,
      id <= 2 || rng.chance(0.03),
      travel.has(id),
      instant(rng),
    ];
  }
}

function* userEmails(ctx: GenerationContext): Generator<GeneratedRow> {
  let rowId = 0;
  const primary = (id: number): string => `${userIdentity(ctx.seed, id).login}@crm-demo.example`;
  for (let id = 1; id <= count(ctx, 'users'); id++) {
    if (ctx.problems['licensed-user-without-valid-email'] && id === problemUsers.noEmail) continue;
    const emails = [primary(id)];
    if (id % 2 === 0) emails.push(`${userIdentity(ctx.seed, id).login}@private.example`);
    const original = isDuplicateSecond(id);
    if (ctx.problems['duplicate-user-emails'] && original !== undefined) emails[0] = primary(original);
    if (ctx.problems['licensed-user-without-valid-email'] && id === problemUsers.invalidEmail) {
      emails[0] = `${userIdentity(ctx.seed, id).login}(at)crm-demo.example`;
    }
    for (const [k, email] of emails.entries()) yield [++rowId, id, email, k === 0, k + 1];
  }
}

function* companies(ctx: GenerationContext): Generator<GeneratedRow> {
  const rng = new Random(ctx.seed, 'companies');
  const plant = invalidCharacterPlanter(ctx, 'companies');
  for (let id = 1; id <= count(ctx, 'companies'); id++) {
    const name = `${rng.pick(companyWords)} ${rng.pick(companyWords)} ${rng.pick(companySuffixes)}`;
    const city = rng.pick(cities);
    const settings = {
      currency: rng.pick(['NOK', 'EUR', 'JPY', 'CHF']),
      tags: [rng.pick(words)],
      vip: rng.chance(0.1),
    };
    yield [
      id,
      plant(id, name),
      orNull(rng, `${name} – ${city}`),
      orNull(rng, city),
      orNull(rng, rng.pick(countries)),
      rng.pick(companyStatuses),
      orNull(rng, amount(rng)),
      orNull(rng, rng.int(1, 250_000)),
      orNull(rng, rng.int(0, 50) / 10),
      orNull(rng, date(rng, 1850, 2023)),
      orNull(rng, rng.bigint63()),
      orNull(rng, JSON.stringify(settings)),
      instant(rng),
    ];
  }
}

/** One extension row per company, but for the companies planted without one. */
function* companyExtensions(ctx: GenerationContext): Generator<GeneratedRow> {
  const rng = new Random(ctx.seed, 'company_extensions');
  const missing = plantedMissingCompanions(ctx);
  const users = count(ctx, 'users');
  for (let id = 1; id <= count(ctx, 'companies'); id++) {
    // Drawn for every company, so a company's values do not depend on which ones are missing.
    const row: GeneratedRow = [
      id,
      rng.pick(['enterprise', 'mid-market', 'small-business', 'public-sector']),
      rng.chance(0.3),
      orNull(rng, rng.int(1, users)),
      orNull(rng, paragraph(rng, 20, 200)),
    ];
    if (!missing.has(id)) yield row;
  }
}

function* persons(ctx: GenerationContext): Generator<GeneratedRow> {
  const rng = new Random(ctx.seed, 'persons');
  const plant = invalidCharacterPlanter(ctx, 'persons');
  const companyCount = count(ctx, 'companies');
  for (let id = 1; id <= count(ctx, 'persons'); id++) {
    const first = rng.pick(firstNames);
    const last = rng.pick(lastNames);
    yield [
      id,
      orNull(rng, rng.int(1, companyCount)),
      first,
      plant(id, last),
      orNull(rng, `${ascii(first)}.${ascii(last)}${id}@${ascii(rng.pick(companyWords))}.example`),
      orNull(rng, `+47 ${rng.int(10_000_000, 99_999_999)}`),
      orNull(rng, date(rng)),
      orNull(rng, rng.float() * 1000),
      rng.chance(0.9),
      datetime(rng),
    ];
  }
}

function* appointments(ctx: GenerationContext): Generator<GeneratedRow> {
  const rng = new Random(ctx.seed, 'appointments');
  const plant = invalidCharacterPlanter(ctx, 'appointments');
  const [personCount, companyCount, userCount] = [
    count(ctx, 'persons'),
    count(ctx, 'companies'),
    count(ctx, 'users'),
  ];
  for (let id = 1; id <= count(ctx, 'appointments'); id++) {
    const start = START_MS + Math.floor(rng.float() * SPAN_MS);
    yield [
      id,
      orNull(rng, rng.int(1, personCount)),
      orNull(rng, rng.int(1, companyCount)),
      rng.int(1, userCount),
      plant(id, `${rng.pick(words)} ${rng.pick(words)} – ${rng.pick(lastNames)}`),
      orNull(rng, paragraph(rng, 800, 1200)),
      orNull(rng, rng.pick(cities)),
      datetimeAt(start),
      orNull(rng, datetimeAt(start + rng.int(15, 240) * 60_000 + rng.int(0, 999))),
      orNull(rng, amount(rng)),
      rng.pick(appointmentStatuses),
      rng.chance(0.1),
    ];
  }
}

function* documents(ctx: GenerationContext): Generator<GeneratedRow> {
  const rng = new Random(ctx.seed, 'documents');
  const companyCount = count(ctx, 'companies');
  for (let id = 1; id <= count(ctx, 'documents'); id++) {
    const doc = documentFile(ctx.seed, ctx.size, id);
    yield [
      id,
      orNull(rng, rng.int(1, companyCount)),
      doc.title,
      doc.relativePath,
      doc.bytes.length,
      sha256(doc.bytes),
      doc.mimeType,
      instant(rng),
    ];
  }
}

function* documentContents(ctx: GenerationContext): Generator<GeneratedRow> {
  const rng = new Random(ctx.seed, 'document_contents');
  const [docs, n] = [count(ctx, 'documents'), count(ctx, 'document_contents')];
  for (let id = 1; id <= n; id++) {
    const [, mime] = rng.pick(mimeTypes);
    yield [
      id,
      Math.min(docs, 1 + Math.floor(((id - 1) * docs) / n)),
      mime,
      orNull(rng, rng.bytes(rng.int(1000, 6000))),
    ];
  }
}

function* userGroups(ctx: GenerationContext): Generator<GeneratedRow> {
  const rng = new Random(ctx.seed, 'user_groups');
  for (let id = 1; id <= count(ctx, 'user_groups'); id++) {
    const name = groupNames[(id - 1) % groupNames.length] ?? 'Group';
    yield [id, id > groupNames.length ? `${name} ${id}` : name, orNull(rng, paragraph(rng, 20, 120))];
  }
}

function* satellites(ctx: GenerationContext): Generator<GeneratedRow> {
  const rng = new Random(ctx.seed, 'satellites');
  for (let id = 1; id <= count(ctx, 'satellites'); id++) {
    const active = ctx.problems['active-satellite'] && id === activeSatelliteId;
    yield [id, `Satellite ${rng.pick(cities)} ${id}`, active, orNull(rng, datetime(rng))];
  }
}

function* userPreferences(ctx: GenerationContext): Generator<GeneratedRow> {
  const rng = new Random(ctx.seed, 'user_preferences');
  const sentry = new Set(ctx.problems['sentry-addon-preferences'] ? sentryPreferenceIds(ctx.size) : []);
  for (let id = 1; id <= count(ctx, 'user_preferences'); id++) {
    const user = rng.int(1, count(ctx, 'users'));
    const [section, key] = rng.pick(preferenceKeys);
    const value = orNull(rng, `${rng.pick(words)}${rng.int(0, 99)}`);
    yield sentry.has(id)
      ? [id, user, 'AddOns', 'SentryAddonNames', 'SoSentryPlugin.LegacyAddon;CustomSentry']
      : [id, user, section, key, value];
  }
}

function* scheduledTasks(ctx: GenerationContext): Generator<GeneratedRow> {
  const rng = new Random(ctx.seed, 'scheduled_tasks');
  for (let id = 1; id <= count(ctx, 'scheduled_tasks'); id++) {
    const settings = JSON.stringify({ retries: rng.int(0, 5), notify: rng.pick(firstNames) });
    yield [
      id,
      `${rng.pick(['Sync', 'Export', 'Reminder', 'Cleanup', 'Import'])} ${rng.pick(words)} ${id}`,
      rng.pick(['0 * * * *', '*/15 * * * *', '0 2 * * *', '0 6 * * 1']),
      rng.chance(0.7),
      orNull(rng, instant(rng)),
      orNull(rng, settings),
    ];
  }
}

function* appAuthorizations(ctx: GenerationContext): Generator<GeneratedRow> {
  const rng = new Random(ctx.seed, 'app_authorizations');
  for (let id = 1; id <= count(ctx, 'app_authorizations'); id++) {
    yield [
      id,
      `${rng.pick(companyWords)} ${rng.pick(['Connector', 'Sync', 'Mail', 'Sign'])}`,
      rng.bytes(16).toString('hex'),
      orNull(rng, 'crm.read crm.write'),
      orNull(rng, rng.int(1, count(ctx, 'users'))),
      instant(rng),
    ];
  }
}

function* systemUsers(ctx: GenerationContext): Generator<GeneratedRow> {
  const names = ['SystemUser', 'Scheduler', 'Integration', 'Anonymous', 'Migration'];
  for (let id = 1; id <= count(ctx, 'system_users'); id++) {
    yield [id, names[(id - 1) % names.length] ?? `System ${id}`, id === 4 ? 'anonymous' : 'system', id !== 5];
  }
}

function* rolePermissions(ctx: GenerationContext): Generator<GeneratedRow> {
  const rng = new Random(ctx.seed, 'role_permissions');
  for (let id = 1; id <= count(ctx, 'role_permissions'); id++) {
    yield [id, rng.pick(roleNames), rng.pick(permissions), rng.chance(0.8)];
  }
}

function* license(ctx: GenerationContext): Generator<GeneratedRow> {
  const rng = new Random(ctx.seed, 'license');
  const company = `${rng.pick(companyWords)} ${rng.pick(companyWords)} ${rng.pick(companySuffixes)}`;
  const serial = `FCRM-${rng.bytes(6).toString('hex').toUpperCase().match(/.{4}/g)?.join('-') ?? ''}`;
  yield [1, company, serial, count(ctx, 'users'), date(rng, 2026, 2030)];
}

function* appVersion(ctx: GenerationContext): Generator<GeneratedRow> {
  const rng = new Random(ctx.seed, 'app_version');
  yield [1, ctx.problems['old-version'] ? oldVersion : currentVersion, datetime(rng)];
}

function* auditLog(ctx: GenerationContext): Generator<GeneratedRow> {
  const rng = new Random(ctx.seed, 'audit_log');
  for (let i = 1; i <= count(ctx, 'audit_log'); i++) {
    yield [
      datetime(rng),
      orNull(rng, rng.int(1, count(ctx, 'users'))),
      rng.pick(auditActions),
      orNull(rng, paragraph(rng, 20, 200)),
    ];
  }
}

const generators: Record<string, (ctx: GenerationContext) => Generator<GeneratedRow>> = {
  user_groups: userGroups,
  companies,
  company_extensions: companyExtensions,
  persons,
  users,
  user_emails: userEmails,
  satellites,
  user_preferences: userPreferences,
  appointments,
  documents,
  document_contents: documentContents,
  scheduled_tasks: scheduledTasks,
  app_authorizations: appAuthorizations,
  system_users: systemUsers,
  role_permissions: rolePermissions,
  license,
  app_version: appVersion,
  audit_log: auditLog,
};

/** The rows of `table`, in primary-key order, one at a time. */
export function generateRows(table: string, ctx: GenerationContext): Generator<GeneratedRow> {
  const generator = generators[table];
  if (generator === undefined) throw new Error(`no generator for CRM table ${table}`);
  return generator(ctx);
}

/** Company ids planted without their `company_extensions` row in this context. */
export function plantedMissingCompanions(ctx: GenerationContext): Set<number> {
  return new Set(ctx.problems['missing-companion-records'] ? missingCompanionIds(ctx.size) : []);
}

/** Document ids planted as missing from the archive in this context. */
export function plantedMissingDocuments(ctx: GenerationContext): Set<number> {
  return new Set(ctx.problems['documents-missing-from-archive'] ? missingDocumentIds(ctx.size) : []);
}
