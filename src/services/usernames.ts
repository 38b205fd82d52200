// Usernames (seed 000): each user with a plan logs in with an email address, picked from the
// user's own addresses or typed in. It must be a valid email and belong to no other user with a
// plan (compared case-insensitively). Duplicates left from the source are listed until resolved.

import { FerryError } from '../domain/errors.ts';
import { emailKey, isValidEmail } from '../profiles/email-address.ts';
import { type ControlPlane } from './control-plane.ts';
import { usersReadiness, type UsersReadiness } from './user-readiness.ts';
import {
  assertUsersEditable,
  findUser,
  identitiesOf,
  loadUsers,
  userViews,
  usersRepo,
  type MigrationUser,
} from './users.ts';

/** The new username: typed in, or the user's Nth email address (1-based, in the source's order). */
export type UsernameChoice = { email: string } | { pick: number };

export interface SetUsernameResult {
  user: MigrationUser;
  readiness: UsersReadiness;
}

export async function setUsername(
  cp: ControlPlane,
  migrationId: string,
  userId: string,
  choice: UsernameChoice,
): Promise<SetUsernameResult> {
  const { migration, users } = await loadUsers(cp, migrationId);
  assertUsersEditable(migration);
  const user = findUser(users, migrationId, userId);
  let username: string;
  if ('pick' in choice) {
    const picked = Number.isInteger(choice.pick) ? user.emails[choice.pick - 1] : undefined;
    if (picked === undefined)
      throw new FerryError(
        'FERRY_INVALID_ARGUMENT',
        user.emails.length === 0
          ? `user ${user.id} (${user.name}) has no email address to pick; type one with --email`
          : `--pick must be 1 to ${user.emails.length} for user ${user.id} (${user.name}): ${user.emails
              .map((e, i) => `${i + 1}. ${e}`)
              .join(', ')}`,
      );
    username = picked.trim();
  } else {
    username = choice.email.trim();
  }
  if (!isValidEmail(username))
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `"${username}" is not a valid email address (name@domain.tld): a username must be one`,
      { details: { userId: user.id } },
    );
  if (user.plan !== null) {
    const other = users.find(
      (u) =>
        u.id !== user.id &&
        u.plan !== null &&
        u.username !== null &&
        emailKey(u.username) === emailKey(username),
    );
    if (other !== undefined)
      throw new FerryError(
        'FERRY_USERNAME_TAKEN',
        `${username} is already the username of ${other.id} (${other.name}), who has plan ${other.plan ?? 'none'}`,
        { details: { userId: user.id, takenBy: other.id } },
      );
  }
  await usersRepo(cp).setUsername(migrationId, user.id, username);
  const now = (await loadUsers(cp, migrationId)).users;
  const view = userViews(now, await identitiesOf(cp, migrationId)).find((v) => v.id === user.id);
  if (view === undefined)
    throw new FerryError('FERRY_INTERNAL', `user ${user.id} vanished while being changed`);
  return { user: view, readiness: usersReadiness(now) };
}

export interface DuplicateUsernamesReport {
  migrationId: string;
  /** Each username shared by more than one user with a plan, with those users and their emails. */
  duplicates: { username: string; users: { id: string; name: string; emails: string[] }[] }[];
}

/** Usernames used by more than one user with a plan, with each user's addresses to choose from. */
export async function listDuplicateUsernames(
  cp: ControlPlane,
  migrationId: string,
): Promise<DuplicateUsernamesReport> {
  const { users } = await loadUsers(cp, migrationId);
  const emails = new Map(users.map((u) => [u.id, u.emails]));
  return {
    migrationId,
    duplicates: usersReadiness(users).duplicates.map((d) => ({
      username: d.username,
      users: d.users.map((u) => ({ ...u, emails: emails.get(u.id) ?? [] })),
    })),
  };
}
