// The CRM's user checks (seed 000, "SuperOffice Admin check"): unique email addresses, a valid email
// for every licensed user, an administrator with a plan, nobody on travel.

import { emailKey, isValidEmail } from '../../email-address.ts';
import type { CheckDefinition, SourceUser } from '../../profile.ts';
import { isTrue, readRows, requireTable, textOf } from '../../source-rows.ts';
import { crmUsers } from '../users.ts';

const who = (user: Pick<SourceUser, 'id' | 'name'>): string => `user ${user.id} (${user.name})`;

export const duplicateUserEmails: CheckDefinition = {
  id: 'crm.duplicate-user-emails',
  title: 'No two users share an email address',
  severity: 'blocking',
  guidance:
    'An email address is a username in the cloud and must belong to one user only. In the CRM administration client, ' +
    'give each listed user an address of their own (or remove it from the user who should not log in with it).',
  async run(ctx) {
    const users = await crmUsers.list(ctx);
    const owners = new Map<string, { email: string; users: SourceUser[] }>();
    for (const user of users) {
      for (const email of new Set(user.emails.map(emailKey))) {
        const entry = owners.get(email) ?? { email, users: [] };
        entry.users.push(user);
        owners.set(email, entry);
      }
    }
    const involved = new Set<string>();
    const examples: string[] = [];
    for (const { email, users: sharing } of owners.values()) {
      if (sharing.length < 2) continue;
      for (const user of sharing) involved.add(user.id);
      if (examples.length < 20) examples.push(`${email} is used by ${sharing.map(who).join(', ')}`);
    }
    return { count: involved.size, unit: 'users', examples };
  },
};

export const licensedUsersValidEmail: CheckDefinition = {
  id: 'crm.licensed-users-valid-email',
  title: 'Every licensed user has a valid email address',
  severity: 'blocking',
  guidance:
    'Users with a plan log in with an email address. Add a valid address (name@domain.tld) to each listed user, ' +
    'or remove their plan if they should not log in to the cloud.',
  async run(ctx) {
    let count = 0;
    const examples: string[] = [];
    for (const user of await crmUsers.list(ctx)) {
      if (user.plan === null || user.emails.some(isValidEmail)) continue;
      count++;
      if (examples.length < 20) {
        const has =
          user.emails.length === 0
            ? 'has no email address'
            : `has only invalid addresses: ${user.emails.map((e) => JSON.stringify(e)).join(', ')}`;
        examples.push(`${who(user)}, plan ${user.plan}, ${has}`);
      }
    }
    return { count, unit: 'users', examples };
  },
};

export const administratorWithPlan: CheckDefinition = {
  id: 'crm.administrator-with-plan',
  title: 'At least one administrator has a plan',
  severity: 'blocking',
  guidance:
    'Someone must be able to administer the tenant after the migration: give at least one administrator a plan.',
  async run(ctx) {
    const users = await crmUsers.list(ctx);
    const admins = users.filter((u) => u.isAdministrator);
    if (admins.some((u) => u.plan !== null)) return { count: 0, unit: 'problems', examples: [] };
    const examples =
      admins.length === 0
        ? ['the source has no administrator at all']
        : admins.slice(0, 20).map((u) => `${who(u)} is an administrator without a plan`);
    return { count: 1, unit: 'problems', examples };
  },
};

export const usersOnTravel: CheckDefinition = {
  id: 'crm.users-on-travel',
  title: 'No user is on travel',
  severity: 'blocking',
  guidance:
    'A user on travel holds data in a travel database that is not in the central database yet. ' +
    'Have each listed user return from travel (synchronise) before the migration.',
  async run(ctx) {
    const table = requireTable(ctx, 'users', 'crm');
    let count = 0;
    const examples: string[] = [];
    for await (const row of readRows(ctx, table, ['id', 'full_name', 'on_travel'] as const)) {
      if (!isTrue(row.on_travel)) continue;
      count++;
      if (examples.length < 20) examples.push(who({ id: textOf(row.id), name: textOf(row.full_name) }));
    }
    return { count, unit: 'users', examples };
  },
};
