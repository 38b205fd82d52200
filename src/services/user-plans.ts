// Assigning plans (seed 000, "Check user plans"): one of the profile's plans, or none (the user
// cannot log in), to one user or to every user matching the free-text filter. A change that would
// leave no administrator with a plan is refused; one that leaves the rule broken as it was is not
// (so the migrator can work towards it step by step).

import { FerryError } from '../domain/errors.ts';
import { type ControlPlane } from './control-plane.ts';
import {
  administratorsWithPlan,
  matchesFilter,
  usersReadiness,
  type UsersReadiness,
} from './user-readiness.ts';
import {
  assertUsersEditable,
  findUser,
  identitiesOf,
  loadUsers,
  shownFields,
  userViews,
  usersRepo,
  type MigrationUser,
} from './users.ts';

export type PlanTarget = { userId: string } | { filter: string };

export interface AssignPlanResult {
  /** The plan given; null for none. */
  plan: string | null;
  /** Users the target selected. */
  matched: number;
  /** Users whose plan changed. */
  changed: number;
  users: MigrationUser[];
  readiness: UsersReadiness;
}

/** `none` (any case) or one of `plans`; anything else is FERRY_INVALID_ARGUMENT naming the plans. */
export function parsePlan(plans: readonly string[], value: string): string | null {
  if (value.trim().toLowerCase() === 'none') return null;
  const plan = plans.find((p) => p.toLowerCase() === value.trim().toLowerCase());
  if (plan === undefined)
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `"${value}" is not a plan: use one of ${plans.join(', ')}, or none (the user cannot log in)`,
      { details: { plan: value, plans: [...plans] } },
    );
  return plan;
}

export async function assignPlan(
  cp: ControlPlane,
  migrationId: string,
  target: PlanTarget,
  planName: string,
): Promise<AssignPlanResult> {
  const { migration, profile, users } = await loadUsers(cp, migrationId);
  assertUsersEditable(migration);
  const plan = parsePlan(profile.users.plans, planName);
  let selected;
  if ('userId' in target) {
    selected = [findUser(users, migrationId, target.userId)];
  } else {
    if (target.filter.trim() === '')
      throw new FerryError(
        'FERRY_INVALID_ARGUMENT',
        'the filter is empty: it would select every user; name the users with --filter TEXT or one with --user ID',
      );
    const views = userViews(users, await identitiesOf(cp, migrationId));
    const ids = new Set(views.filter((v) => matchesFilter(shownFields(v), target.filter)).map((v) => v.id));
    selected = users.filter((u) => ids.has(u.id));
  }
  const ids = new Set(selected.map((u) => u.id));
  const after = users.map((u) => (ids.has(u.id) ? { ...u, plan } : u));
  if (administratorsWithPlan(users) > 0 && administratorsWithPlan(after) === 0) {
    const admins = selected
      .filter((u) => u.isAdministrator && u.plan !== null)
      .map((u) => `${u.id} (${u.name})`);
    throw new FerryError(
      'FERRY_USERS_NOT_READY',
      `removing the plan of ${admins.join(', ')} would leave no administrator with a plan; ` +
        'at least one administrator must be able to log in',
      {
        details: { migrationId, administrators: admins },
        hint: 'Keep a plan for at least one administrator: leave them out of the filter, or give another administrator a plan first.',
      },
    );
  }
  const changing = selected.filter((u) => u.plan !== plan || !u.planChosen).map((u) => u.id);
  await usersRepo(cp).setPlan(migrationId, changing, plan);
  const now = (await loadUsers(cp, migrationId)).users;
  return {
    plan,
    matched: selected.length,
    changed: selected.filter((u) => u.plan !== plan).length,
    users: userViews(now, await identitiesOf(cp, migrationId)).filter((v) => ids.has(v.id)),
    readiness: usersReadiness(now),
  };
}
