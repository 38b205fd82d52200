// A migration's users (seed 000, "Check user plans" and usernames): loaded from the installation's
// source through the profile's users hook the first time they are needed, then kept in the store
// with the plan and username the migrator chose. The source plan is the initial plan and the
// user's first valid email the initial username; `refreshUsers` reloads the source and keeps what
// the migrator chose. `assertUsersReady` is the gate the run service calls before every run
// except a diagnostic one.
//
// Plans are assigned in user-plans.ts, usernames in usernames.ts, emails in welcome-emails.ts,
// mappings in user-mappings.ts, the tenant's registry in tenant-user-registry.ts.

import { openSource } from '../connectors/registry.ts';
import { FerryError } from '../domain/errors.ts';
import { isValidEmail } from '../profiles/email-address.ts';
import type { ApplicationProfile, SourceUser } from '../profiles/profile.ts';
import type { MigrationRecord } from '../store/migration-repository.ts';
import { type LoadedUser, type StoredUser, UserRepository } from '../store/user-repository.ts';
import { type ControlPlane, nowIso } from './control-plane.ts';
import { readInstallation } from './installation-file.ts';
import { getMigration } from './migrations.ts';
import {
  describeUser,
  duplicateUsernames,
  hasValidUsername,
  matchesFilter,
  usersReadiness,
  type UsersReadiness,
} from './user-readiness.ts';

/** One user as the lists show it: every field, the chosen plan and username, and what is wrong. */
export interface MigrationUser {
  id: string;
  name: string;
  group: string | null;
  position: string | null;
  emails: string[];
  isAdministrator: boolean;
  /** The plan the source gives the user; null for none. */
  sourcePlan: string | null;
  /** The plan the user gets in the tenant; null for none (cannot log in). */
  plan: string | null;
  /** The email the user logs in with; null when none was chosen (no valid email in the source). */
  username: string | null;
  /** The cloud identity the user is mapped to (`ferry users map`), or null. */
  identity: string | null;
  /** What keeps this user from being ready (empty when nothing does). */
  problems: string[];
}

export interface UsersList {
  migrationId: string;
  /** Plans a user can be given, in the profile's order ("none" is always possible too). */
  plans: string[];
  /** Users matching the filter, in the source's order. */
  users: MigrationUser[];
  /** Users of the migration, whatever the filter. */
  total: number;
  readiness: UsersReadiness;
}

export function usersRepo(cp: ControlPlane): UserRepository {
  return new UserRepository(cp.store.kysely);
}

// ---- loading ---------------------------------------------------------------------------------

async function readSourceUsers(
  profile: ApplicationProfile,
  migration: MigrationRecord,
): Promise<SourceUser[]> {
  const installation = await readInstallation(migration.installationPath);
  const source = await openSource(installation.database);
  try {
    const tables = await source.listTables();
    return await profile.users.list({ installation, source, tables });
  } finally {
    await source.close();
  }
}

/** Source users merged with what the migrator chose before (kept when the user is still there). */
function mergeUsers(source: SourceUser[], previous: StoredUser[]): LoadedUser[] {
  const before = new Map(previous.map((u) => [u.id, u]));
  return source.map((s) => {
    const prev = before.get(s.id);
    const planChosen = prev?.planChosen === true;
    const usernameChosen = prev?.usernameChosen === true;
    return {
      id: s.id,
      name: s.name,
      group: s.group,
      position: s.position,
      emails: [...s.emails],
      isAdministrator: s.isAdministrator,
      sourcePlan: s.plan,
      plan: planChosen ? (prev?.plan ?? null) : s.plan,
      planChosen,
      username: usernameChosen ? (prev?.username ?? null) : (s.emails.find(isValidEmail)?.trim() ?? null),
      usernameChosen,
    };
  });
}

export interface LoadedUsers {
  migration: MigrationRecord;
  profile: ApplicationProfile;
  users: StoredUser[];
}

/** The migration's users, loaded from the source first when they never were. */
export async function loadUsers(cp: ControlPlane, migrationId: string): Promise<LoadedUsers> {
  const migration = await getMigration(cp, migrationId);
  const profile = await cp.profiles(migration.profileId);
  const repo = usersRepo(cp);
  const settings = await repo.getSettings(migrationId);
  if (settings?.usersLoadedAt == null) {
    const source = await readSourceUsers(profile, migration);
    await repo.replaceUsers(migrationId, mergeUsers(source, []), nowIso(cp));
  }
  return { migration, profile, users: await repo.listUsers(migrationId) };
}

export interface RefreshResult {
  added: string[];
  removed: string[];
  total: number;
  readiness: UsersReadiness;
}

/**
 * Reloads the users from the source. Users still there keep the plan and username the migrator
 * chose; the others follow the source again. Users gone from the source are removed (with their
 * mapping); new users start with their source plan and first valid email.
 */
export async function refreshUsers(cp: ControlPlane, migrationId: string): Promise<RefreshResult> {
  const migration = await getMigration(cp, migrationId);
  assertUsersEditable(migration);
  const profile = await cp.profiles(migration.profileId);
  const repo = usersRepo(cp);
  const previous = await repo.listUsers(migrationId);
  const source = await readSourceUsers(profile, migration);
  await repo.replaceUsers(migrationId, mergeUsers(source, previous), nowIso(cp));
  const now = await repo.listUsers(migrationId);
  const before = new Set(previous.map((u) => u.id));
  const after = new Set(now.map((u) => u.id));
  return {
    added: now.filter((u) => !before.has(u.id)).map((u) => u.id),
    removed: previous.filter((u) => !after.has(u.id)).map((u) => u.id),
    total: now.length,
    readiness: usersReadiness(now),
  };
}

/** Users can be changed until the migration is live (or abandoned). */
export function assertUsersEditable(migration: MigrationRecord): void {
  if (migration.phase === 'live' || migration.phase === 'abandoned')
    throw new FerryError(
      'FERRY_ILLEGAL_TRANSITION',
      `migration ${migration.id} is ${migration.phase}: its users, plans and usernames can no longer be changed`,
      { details: { migrationId: migration.id, phase: migration.phase } },
    );
}

export function findUser(users: StoredUser[], migrationId: string, userId: string): StoredUser {
  const user = users.find((u) => u.id === userId);
  if (user === undefined)
    throw new FerryError('FERRY_USER_NOT_FOUND', `migration ${migrationId} has no user "${userId}"`, {
      details: { migrationId, userId },
    });
  return user;
}

// ---- listing ---------------------------------------------------------------------------------

/** One column of a user list: its header and the text it shows for a user (null: blank). */
export interface UserListColumn {
  header: string;
  value(u: MigrationUser): string | null;
}

/**
 * The columns every user list shows (`ferry users list`, the console), in order. The free-text
 * filter searches exactly these values — what a line shows is what a filter can find, and nothing
 * the line does not show (a user's problems are printed under the table and are not searched, so a
 * filter never picks a user because another user's name appears in its problem).
 */
export const userListColumns: readonly UserListColumn[] = [
  { header: 'ID', value: (u) => u.id },
  { header: 'NAME', value: (u) => u.name },
  { header: 'ROLE', value: (u) => (u.isAdministrator ? 'administrator' : null) },
  { header: 'PLAN', value: (u) => u.plan ?? 'none' },
  { header: 'USERNAME', value: (u) => u.username },
  { header: 'GROUP', value: (u) => u.group },
  { header: 'POSITION', value: (u) => u.position },
  { header: 'EMAILS', value: (u) => (u.emails.length === 0 ? null : u.emails.join(', ')) },
  { header: 'IDENTITY', value: (u) => u.identity },
];

/** The values the free-text filter searches: the user's cells in `userListColumns`. */
export function shownFields(u: MigrationUser): (string | null)[] {
  return userListColumns.map((c) => c.value(u));
}

/** Stored users → list entries with their problems (the whole set is needed to find duplicates). */
export function userViews(users: StoredUser[], identities: Map<string, string>): MigrationUser[] {
  const sharedWith = new Map<string, string[]>();
  for (const d of duplicateUsernames(users)) {
    for (const u of d.users) sharedWith.set(u.id, d.users.filter((o) => o.id !== u.id).map(describeUser));
  }
  return users.map((u) => {
    const problems: string[] = [];
    if (u.plan !== null && !hasValidUsername(u))
      problems.push(u.username === null ? 'no username' : `username "${u.username}" is not a valid email`);
    const others = sharedWith.get(u.id);
    if (others !== undefined) problems.push(`username also used by ${others.join(', ')}`);
    return {
      id: u.id,
      name: u.name,
      group: u.group,
      position: u.position,
      emails: u.emails,
      isAdministrator: u.isAdministrator,
      sourcePlan: u.sourcePlan,
      plan: u.plan,
      username: u.username,
      identity: identities.get(u.id) ?? null,
      problems,
    };
  });
}

/** User id → the cloud identity it is mapped to. */
export async function identitiesOf(cp: ControlPlane, migrationId: string): Promise<Map<string, string>> {
  return new Map((await usersRepo(cp).listMappings(migrationId)).map((m) => [m.userId, m.identity]));
}

/** Every user of the migration with every field, narrowed by the free-text filter when given. */
export async function listUsers(
  cp: ControlPlane,
  migrationId: string,
  options: { filter?: string } = {},
): Promise<UsersList> {
  const { profile, users } = await loadUsers(cp, migrationId);
  const views = userViews(users, await identitiesOf(cp, migrationId));
  return {
    migrationId,
    plans: [...profile.users.plans],
    users: views.filter((v) => matchesFilter(shownFields(v), options.filter)),
    total: views.length,
    readiness: usersReadiness(users),
  };
}

export async function getUsersReadiness(cp: ControlPlane, migrationId: string): Promise<UsersReadiness> {
  return usersReadiness((await loadUsers(cp, migrationId)).users);
}

/**
 * The gate before every run except a diagnostic one: throws FERRY_USERS_NOT_READY naming what is
 * wrong (no administrator with a plan; users with a plan but no valid username; duplicate
 * usernames with the users involved). Loads the users from the source when they never were.
 */
export async function assertUsersReady(cp: ControlPlane, migrationId: string): Promise<void> {
  const readiness = await getUsersReadiness(cp, migrationId);
  if (readiness.ready) return;
  throw new FerryError(
    'FERRY_USERS_NOT_READY',
    `the users of migration ${migrationId} are not ready for a run: ${readiness.problems.join('; ')}`,
    {
      details: {
        migrationId,
        administratorsWithPlan: readiness.administratorsWithPlan,
        withoutValidUsername: readiness.withoutValidUsername.map((u) => u.id),
        duplicates: readiness.duplicates.map((d) => ({
          username: d.username,
          users: d.users.map((u) => u.id),
        })),
      },
    },
  );
}
