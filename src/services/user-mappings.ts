// User mappings (seeds 002/003, "Define user mappings"): each on-premises user to one cloud
// identity (an email address or identity string), one to one. Mapping a user already mapped to
// another identity, or an identity already used by another user, is refused with
// FERRY_USER_MAPPING_CONFLICT; mapping the same pair again changes nothing. Identities are compared
// case-insensitively. The store's unique key on the identity settles two concurrent requests.

import { FerryError } from '../domain/errors.ts';
import { emailKey } from '../profiles/email-address.ts';
import type { UserMappingRecord } from '../store/user-repository.ts';
import { type ControlPlane, nowIso } from './control-plane.ts';
import { assertUsersEditable, findUser, loadUsers, usersRepo } from './users.ts';

export interface UserMapping {
  userId: string;
  userName: string;
  identity: string;
  mappedAt: string;
}

export interface MapUserResult {
  mapping: UserMapping;
  /** False when the same pair was already mapped (nothing changed). */
  changed: boolean;
}

function validIdentity(raw: string): string {
  const identity = raw.trim();
  if (identity === '' || identity.length > 254 || /\s/.test(identity))
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `"${raw}" is not a cloud identity: give the identity's email address or id (no spaces, at most 254 characters)`,
    );
  return identity;
}

function conflict(migrationId: string, message: string, details: Record<string, unknown>): FerryError {
  return new FerryError('FERRY_USER_MAPPING_CONFLICT', message, { details: { migrationId, ...details } });
}

/** What mapping `userId` to `identity` means given the existing mappings: done, conflict, or new. */
function decide(
  migrationId: string,
  existing: UserMappingRecord[],
  userId: string,
  identity: string,
): UserMappingRecord | null {
  const key = emailKey(identity);
  const ofUser = existing.find((m) => m.userId === userId);
  if (ofUser !== undefined) {
    if (ofUser.identityKey === key) return ofUser;
    throw conflict(
      migrationId,
      `user ${userId} is already mapped to ${ofUser.identity}; remove that mapping first to map it to ${identity}`,
      { userId, identity: ofUser.identity },
    );
  }
  const ofIdentity = existing.find((m) => m.identityKey === key);
  if (ofIdentity !== undefined)
    throw conflict(
      migrationId,
      `${identity} is already mapped to user ${ofIdentity.userId}; a cloud identity maps to one user only`,
      { userId: ofIdentity.userId, identity: ofIdentity.identity },
    );
  return null;
}

export async function mapUser(
  cp: ControlPlane,
  migrationId: string,
  userId: string,
  rawIdentity: string,
): Promise<MapUserResult> {
  const identity = validIdentity(rawIdentity);
  const { migration, users } = await loadUsers(cp, migrationId);
  // Like every other user edit: refused once the migration is live or abandoned.
  assertUsersEditable(migration);
  const user = findUser(users, migrationId, userId);
  const repo = usersRepo(cp);
  const view = (m: UserMappingRecord): UserMapping => ({
    userId: m.userId,
    userName: user.name,
    identity: m.identity,
    mappedAt: m.mappedAt,
  });
  const done = decide(migrationId, await repo.listMappings(migrationId), userId, identity);
  if (done !== null) return { mapping: view(done), changed: false };
  const record = { userId, identity, identityKey: emailKey(identity), mappedAt: nowIso(cp) };
  if (await repo.insertMapping(migrationId, record)) return { mapping: view(record), changed: true };
  // Someone else mapped the user or the identity in between: decide again on what is there now.
  const now = decide(migrationId, await repo.listMappings(migrationId), userId, identity);
  if (now !== null) return { mapping: view(now), changed: false };
  throw new FerryError('FERRY_INTERNAL', `the mapping of user ${userId} could not be stored`);
}

export async function unmapUser(
  cp: ControlPlane,
  migrationId: string,
  userId: string,
): Promise<{ removed: boolean }> {
  const { migration, users } = await loadUsers(cp, migrationId);
  assertUsersEditable(migration);
  findUser(users, migrationId, userId);
  return { removed: await usersRepo(cp).deleteMapping(migrationId, userId) };
}

export async function listUserMappings(cp: ControlPlane, migrationId: string): Promise<UserMapping[]> {
  const { users } = await loadUsers(cp, migrationId);
  const names = new Map(users.map((u) => [u.id, u.name]));
  return (await usersRepo(cp).listMappings(migrationId)).map((m) => ({
    userId: m.userId,
    userName: names.get(m.userId) ?? '',
    identity: m.identity,
    mappedAt: m.mappedAt,
  }));
}
