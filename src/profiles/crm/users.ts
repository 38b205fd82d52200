// The reference CRM's users hook: every user with name, group, position, every email address (in
// the user's own order), the administrator flag and the plan (license) the source gives them.
//
// Memory grows with the number of users and their emails (the hook returns them all), never with
// the big tables: `users`, `user_emails` and `user_groups` are streamed.

import type { ProfileContext, SourceUser, UsersHook } from '../profile.ts';
import { findTable, isTrue, readRows, requireTable, textOf } from '../source-rows.ts';
import { userPlans } from './schema.ts';

const PROFILE = 'crm';

/** Group id → group name. */
async function groupNames(ctx: ProfileContext): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const table = findTable(ctx, 'user_groups');
  if (table === null) return names;
  for await (const row of readRows(ctx, table, ['id', 'name'] as const)) {
    names.set(textOf(row.id), textOf(row.name));
  }
  return names;
}

/** User id → email addresses, ordered by the `order` column then row id. */
export async function emailsByUser(ctx: ProfileContext): Promise<Map<string, string[]>> {
  const table = requireTable(ctx, 'user_emails', PROFILE);
  const collected = new Map<string, { order: number; id: number; email: string }[]>();
  for await (const row of readRows(ctx, table, ['id', 'user_id', 'email', 'order'] as const)) {
    const user = textOf(row.user_id);
    const list = collected.get(user) ?? [];
    list.push({ order: Number(textOf(row.order)), id: Number(textOf(row.id)), email: textOf(row.email) });
    collected.set(user, list);
  }
  const out = new Map<string, string[]>();
  for (const [user, list] of collected) {
    out.set(
      user,
      list.sort((a, b) => a.order - b.order || a.id - b.id).map((e) => e.email),
    );
  }
  return out;
}

async function listUsers(ctx: ProfileContext): Promise<SourceUser[]> {
  const table = requireTable(ctx, 'users', PROFILE);
  const [groups, emails] = [await groupNames(ctx), await emailsByUser(ctx)];
  const users: SourceUser[] = [];
  const columns = ['id', 'full_name', 'group_id', 'position', 'plan', 'is_administrator'] as const;
  for await (const row of readRows(ctx, table, columns)) {
    const id = textOf(row.id);
    users.push({
      id,
      name: textOf(row.full_name),
      group: row.group_id === null ? null : (groups.get(textOf(row.group_id)) ?? null),
      position: row.position === null ? null : textOf(row.position),
      emails: emails.get(id) ?? [],
      isAdministrator: isTrue(row.is_administrator),
      plan: row.plan === null || textOf(row.plan) === '' ? null : textOf(row.plan),
    });
  }
  return users;
}

export const crmUsers: UsersHook = { plans: [...userPlans], list: listUsers };
