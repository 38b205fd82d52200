// The rules a migration's users must meet before a run (seed 000, "Check user plans" and
// usernames): at least one administrator has a plan; every user with a plan has a valid email
// as username; no two users with a plan share a username (compared case-insensitively). Pure.

import { emailKey, isValidEmail } from '../profiles/email-address.ts';

/** The facts the rules need about one user. */
export interface UserFacts {
  id: string;
  name: string;
  isAdministrator: boolean;
  plan: string | null;
  username: string | null;
}

export interface UserRef {
  id: string;
  name: string;
}

export interface DuplicateUsername {
  /** The username as compared (trimmed, lower-case). */
  username: string;
  users: UserRef[];
}

export interface UsersReadiness {
  /** True when a run may start as far as the users are concerned. */
  ready: boolean;
  usersWithPlan: number;
  administrators: number;
  administratorsWithPlan: number;
  /** Users with a plan whose username is missing or not a valid email. */
  withoutValidUsername: UserRef[];
  /** Usernames shared by more than one user with a plan, in the order first seen. */
  duplicates: DuplicateUsername[];
  /** One sentence per problem, naming the users involved; empty when ready. */
  problems: string[];
}

const ref = (u: UserFacts): UserRef => ({ id: u.id, name: u.name });

export function describeUser(u: UserRef): string {
  return `${u.id} (${u.name})`;
}

/** At most `limit` users named, then "and N more". */
function listUsers(users: UserRef[], limit = 10): string {
  const named = users.slice(0, limit).map(describeUser).join(', ');
  return users.length > limit ? `${named} and ${users.length - limit} more` : named;
}

export function hasValidUsername(u: Pick<UserFacts, 'username'>): boolean {
  return u.username !== null && isValidEmail(u.username);
}

export function duplicateUsernames(users: readonly UserFacts[]): DuplicateUsername[] {
  const byKey = new Map<string, UserRef[]>();
  for (const u of users) {
    if (u.plan === null || u.username === null || u.username.trim() === '') continue;
    const key = emailKey(u.username);
    const list = byKey.get(key) ?? [];
    list.push(ref(u));
    byKey.set(key, list);
  }
  return [...byKey.entries()]
    .filter(([, list]) => list.length > 1)
    .map(([username, list]) => ({ username, users: list }));
}

export function administratorsWithPlan(users: readonly UserFacts[]): number {
  return users.filter((u) => u.isAdministrator && u.plan !== null).length;
}

export function usersReadiness(users: readonly UserFacts[]): UsersReadiness {
  const withPlan = users.filter((u) => u.plan !== null);
  const administrators = users.filter((u) => u.isAdministrator).length;
  const adminsWithPlan = administratorsWithPlan(users);
  const withoutValidUsername = withPlan.filter((u) => !hasValidUsername(u)).map(ref);
  const duplicates = duplicateUsernames(users);
  const problems: string[] = [];
  if (adminsWithPlan === 0)
    problems.push(
      administrators === 0
        ? 'there is no administrator among the users, so none can have a plan'
        : `no administrator has a plan (administrators: ${listUsers(users.filter((u) => u.isAdministrator).map(ref))})`,
    );
  if (withoutValidUsername.length > 0)
    problems.push(
      `${withoutValidUsername.length} user(s) with a plan have no valid username: ${listUsers(withoutValidUsername)}`,
    );
  if (duplicates.length > 0) {
    const shown = duplicates
      .slice(0, 10)
      .map((d) => `${d.username} is used by ${listUsers(d.users)}`)
      .join('; ');
    const more = duplicates.length > 10 ? `; and ${duplicates.length - 10} more` : '';
    problems.push(
      `${duplicates.length} username(s) are used by more than one user with a plan: ${shown}${more}`,
    );
  }
  return {
    ready: problems.length === 0,
    usersWithPlan: withPlan.length,
    administrators,
    administratorsWithPlan: adminsWithPlan,
    withoutValidUsername,
    duplicates,
    problems,
  };
}

/**
 * The free-text filter of the user lists: the text is split on white space and every word must
 * occur (case-insensitively) in some field shown for the user. An empty filter matches everyone.
 */
export function matchesFilter(fields: readonly (string | null)[], filter: string | undefined): boolean {
  const words = (filter ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = fields.filter((f): f is string => f !== null).map((f) => f.toLowerCase());
  return words.every((w) => haystack.some((f) => f.includes(w)));
}
