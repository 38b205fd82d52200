// `ferry users …`: the users checklist of a migration (seed 000) — plans, usernames, duplicates,
// welcome emails and the user summary — and the user mappings to cloud identities (seeds 002/003).

import type { Command } from 'commander';
import { FerryError } from '../../domain/errors.ts';
import { type UsersReadiness } from '../../services/user-readiness.ts';
import type { PlanTarget } from '../../services/user-plans.ts';
import type { UsernameChoice } from '../../services/usernames.ts';
import { userListColumns, type MigrationUser } from '../../services/users.ts';
import type { UserEmailOptions, UserEmailOptionsPatch } from '../../services/welcome-emails.ts';
import { alignTable } from '../format.ts';
import type { GlobalOptions } from '../run-output.ts';
import { print } from '../control-plane-session.ts';
import { withOperations } from '../remote/operations.ts';
import { usersOperations } from '../remote/users-operations.ts';

const MAX_CELL = 40;

const table = (header: string[], rows: string[][]): string[] => alignTable(header, rows, MAX_CELL);

/** The table of `userListColumns` (what the filter searches), then each user's problems. */
function userRows(users: MigrationUser[]): string[] {
  const rows = table(
    userListColumns.map((c) => c.header),
    users.map((u) => userListColumns.map((c) => c.value(u) ?? '')),
  );
  const problems = users.filter((u) => u.problems.length > 0);
  if (problems.length === 0) return rows;
  return [...rows, 'Problems:', ...problems.map((u) => `  ${u.id} (${u.name}): ${u.problems.join('; ')}`)];
}

function readinessLines(id: string, r: UsersReadiness): string[] {
  const head = `${r.usersWithPlan} users with a plan; ${r.administratorsWithPlan} of ${r.administrators} administrators have a plan.`;
  if (r.ready) return [head, 'Ready: every user with a plan has a unique valid username.'];
  return [
    head,
    'Not ready for a run:',
    ...r.problems.map((p) => `  - ${p}`),
    `Fix with \`ferry users username ${id} --user ID --email EMAIL|--pick N\` or \`ferry users plan ${id} --user ID --plan PLAN|none\`.`,
  ];
}

function onOff(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new FerryError('FERRY_INVALID_ARGUMENT', `${name} must be on or off, got "${value}"`);
}

function optionsLines(o: UserEmailOptions): string[] {
  return [
    `  welcome emails  ${o.sendWelcomeEmails ? 'on' : 'off'} (to each user with a plan, at their username)`,
    `  user summary    ${o.sendUserSummary ? 'on' : 'off'}${o.migratorEmail === null ? '' : ` (to ${o.migratorEmail})`}`,
    `  migrator        ${o.migratorEmail ?? 'not set'}`,
    `  delivery        ${o.transport === 'smtp' ? `SMTP ${o.destination}` : `.eml files in ${o.destination}`}`,
  ];
}

const usersHelp =
  'Before a run (other than diagnostic) may start, every user who should log in needs a plan and a unique,\n' +
  'valid email address as username, and at least one administrator needs a plan. Users are loaded from the\n' +
  "installation's source the first time they are needed: the source plan is the initial plan, the first valid\n" +
  'email the initial username.\n\n' +
  'A typical session:\n' +
  '  ferry users list M                        every user, what is wrong, and whether the migration is ready\n' +
  '  ferry users list M --filter "sales"       the filter searches exactly the columns shown\n' +
  '  ferry users plan M --filter support --plan service\n' +
  '  ferry users plan M --user 13 --plan none  user 13 will not be able to log in\n' +
  '  ferry users duplicates M                  usernames shared by users with a plan\n' +
  '  ferry users username M --user 11 --pick 2 use the second of the user’s own addresses\n' +
  '  ferry users username M --user 15 --email hiroshi@acme.example\n' +
  '  ferry users emails M --welcome on --summary on --migrator you@vendor.example\n' +
  '  ferry users map M --user 1 --identity lars@acme.onmicrosoft.example\n';

export function registerUsersCommands(program: Command, global: () => GlobalOptions): void {
  const users = program
    .command('users')
    .summary('users and plans, usernames, welcome emails and user mappings of a migration')
    .description(usersHelp);

  users
    .command('list')
    .summary('every user with every field, what is wrong, and whether the migration is ready')
    .argument('<migration>', 'migration id')
    .option(
      '--filter <text>',
      'only users with every word of TEXT in one of the columns shown (ID … IDENTITY; case-insensitive)',
    )
    .action(async (id: string, f: { filter?: string }) => {
      const g = global();
      await withOperations(g, usersOperations, async (ops) => {
        const list = await ops.list(id, f.filter);
        print(g, { type: 'users', ...list }, [
          ...(list.users.length === 0 ? [`no user matches "${f.filter ?? ''}"`] : userRows(list.users)),
          `${list.users.length} of ${list.total} users shown. Plans: ${list.plans.join(', ')}, none.`,
          ...readinessLines(id, list.readiness),
        ]);
      });
    });

  users
    .command('plan')
    .summary('give one user, or every user matching a filter, a plan or none')
    .description(
      'Assign a plan to one user (--user) or to every user matching the free-text filter (--filter).\n' +
        '`none` means the user cannot log in. A change that would leave no administrator with a plan is refused.',
    )
    .argument('<migration>', 'migration id')
    .option('--user <id>', 'the user’s id (see `ferry users list`)')
    .option('--filter <text>', 'every user matching TEXT, as `ferry users list --filter` shows them')
    .requiredOption('--plan <plan>', 'one of the profile’s plans, or none')
    .action(async (id: string, f: { user?: string; filter?: string; plan: string }) => {
      const g = global();
      if ((f.user === undefined) === (f.filter === undefined))
        throw new FerryError('FERRY_INVALID_ARGUMENT', 'give exactly one of --user ID or --filter TEXT');
      const target: PlanTarget = f.user === undefined ? { filter: f.filter ?? '' } : { userId: f.user };
      await withOperations(g, usersOperations, async (ops) => {
        const r = await ops.assignPlan(id, target, f.plan);
        print(g, { type: 'user-plans', ...r }, [
          `${r.matched} user(s) matched; ${r.changed} now have plan ${r.plan ?? 'none'}${r.plan === null ? ' (cannot log in)' : ''}.`,
          ...userRows(r.users),
          ...readinessLines(id, r.readiness),
        ]);
      });
    });

  users
    .command('username')
    .summary('choose the email a user logs in with: one of theirs (--pick N) or a new one (--email)')
    .argument('<migration>', 'migration id')
    .requiredOption('--user <id>', 'the user’s id')
    .option('--email <email>', 'a valid email address no other user with a plan has')
    .option('--pick <n>', 'the user’s Nth email address, as `ferry users list` shows them (1 = first)')
    .action(async (id: string, f: { user: string; email?: string; pick?: string }) => {
      const g = global();
      if ((f.email === undefined) === (f.pick === undefined))
        throw new FerryError('FERRY_INVALID_ARGUMENT', 'give exactly one of --email EMAIL or --pick N');
      let choice: UsernameChoice;
      if (f.pick !== undefined) {
        if (!/^\d+$/.test(f.pick))
          throw new FerryError(
            'FERRY_INVALID_ARGUMENT',
            `--pick must be a number (1 = first email), got "${f.pick}"`,
          );
        choice = { pick: Number(f.pick) };
      } else {
        choice = { email: f.email ?? '' };
      }
      await withOperations(g, usersOperations, async (ops) => {
        const r = await ops.setUsername(id, f.user, choice);
        print(g, { type: 'username', ...r }, [
          `User ${r.user.id} (${r.user.name}) logs in as ${r.user.username ?? '-'}.`,
          ...readinessLines(id, r.readiness),
        ]);
      });
    });

  users
    .command('duplicates')
    .summary('usernames used by more than one user with a plan (resolve them before a run)')
    .argument('<migration>', 'migration id')
    .action(async (id: string) => {
      const g = global();
      await withOperations(g, usersOperations, async (ops) => {
        const r = await ops.duplicates(id);
        const lines =
          r.duplicates.length === 0
            ? ['No duplicate usernames.']
            : [
                `${r.duplicates.length} username(s) are used by more than one user with a plan:`,
                ...r.duplicates.flatMap((d) => [
                  `  ${d.username}`,
                  ...d.users.map(
                    (u) =>
                      `    ${u.id} (${u.name}) — emails: ${u.emails.map((e, i) => `${i + 1}. ${e}`).join(', ') || 'none'}`,
                  ),
                ]),
                `Resolve each with \`ferry users username ${id} --user ID --pick N|--email EMAIL\` or \`ferry users plan ${id} --user ID --plan none\`.`,
              ];
        print(g, { type: 'duplicate-usernames', ...r }, lines);
      });
    });

  users
    .command('emails')
    .summary('welcome emails to users and the user summary to the migrator: show or change')
    .description(
      'Without options: show the settings. The run service sends after a successful live or final run.\n' +
        'Messages go to the SMTP server given with --smtp (smtp://host:port, smtps://user:password@host:465),\n' +
        'otherwise they are written as .eml files to <ferry home>/outbox/<migration>/. The URL is stored without\n' +
        'its password; the password is sealed with the secrets key ($FERRY_SECRETS_KEY, else <ferry home>/secrets.key)\n' +
        'and never shown. Prefer setting it through the API, or mind your shell history.',
    )
    .argument('<migration>', 'migration id')
    .option('--welcome <on|off>', 'a welcome email to each user with a plan')
    .option('--summary <on|off>', 'a summary of the users and their plans to the migrator')
    .option('--migrator <email>', 'the migrator’s email address (gets the summary and the replies)')
    .option('--smtp <url>', 'SMTP transport URL, or none to write to the outbox folder')
    .action(
      async (id: string, f: { welcome?: string; summary?: string; migrator?: string; smtp?: string }) => {
        const g = global();
        const welcome = onOff('--welcome', f.welcome);
        const summary = onOff('--summary', f.summary);
        const patch: UserEmailOptionsPatch = {
          ...(welcome === undefined ? {} : { sendWelcomeEmails: welcome }),
          ...(summary === undefined ? {} : { sendUserSummary: summary }),
          ...(f.migrator === undefined ? {} : { migratorEmail: f.migrator === 'none' ? null : f.migrator }),
          ...(f.smtp === undefined ? {} : { smtpUrl: f.smtp === 'none' ? null : f.smtp }),
        };
        await withOperations(g, usersOperations, async (ops) => {
          const changed = Object.keys(patch).length > 0;
          const o = changed ? await ops.setEmailOptions(id, patch) : await ops.emailOptions(id);
          print(g, { type: 'user-email-options', ...o }, [
            `Emails of migration ${id}${changed ? ' (saved)' : ''}:`,
            ...optionsLines(o),
          ]);
        });
      },
    );

  users
    .command('send-emails')
    .summary('send the welcome emails and the user summary now (the run service does after a live run)')
    .argument('<migration>', 'migration id')
    .action(async (id: string) => {
      const g = global();
      await withOperations(g, usersOperations, async (ops) => {
        const r = await ops.sendEmails(id);
        const w = r.welcome;
        print(g, { type: 'user-emails-sent', ...r }, [
          w === null
            ? 'Welcome emails: off.'
            : `Welcome emails: ${w.sent} sent, ${w.alreadySent} already sent before, ${w.skipped} skipped (no unique valid username), ${w.failed} failed.`,
          `User summary: ${r.summarySent ? 'sent' : 'not sent'}.`,
          ...(r.destination === null ? [] : [`Delivered to ${r.destination}.`]),
          ...r.failures.map((x) => `  failed: ${x.to}: ${x.message}`),
        ]);
        if (r.failures.length > 0) process.exitCode = 1;
      });
    });

  users
    .command('refresh')
    .summary('reload the users from the source, keeping the plans and usernames chosen here')
    .argument('<migration>', 'migration id')
    .action(async (id: string) => {
      const g = global();
      await withOperations(g, usersOperations, async (ops) => {
        const r = await ops.refresh(id);
        print(g, { type: 'users-refreshed', ...r }, [
          `${r.total} users loaded; ${r.added.length} new${r.added.length > 0 ? ` (${r.added.join(', ')})` : ''}, ` +
            `${r.removed.length} gone${r.removed.length > 0 ? ` (${r.removed.join(', ')})` : ''}.`,
          ...readinessLines(id, r.readiness),
        ]);
      });
    });

  users
    .command('map')
    .summary('map an on-premises user to a cloud identity (one to one)')
    .argument('<migration>', 'migration id')
    .requiredOption('--user <id>', 'the on-premises user’s id')
    .requiredOption('--identity <email>', 'the cloud identity (its email address or id)')
    .action(async (id: string, f: { user: string; identity: string }) => {
      const g = global();
      await withOperations(g, usersOperations, async (ops) => {
        const r = await ops.map(id, f.user, f.identity);
        print(
          g,
          { type: 'user-mapping', ...r },
          r.changed
            ? `Mapped user ${r.mapping.userId} (${r.mapping.userName}) to ${r.mapping.identity}.`
            : `User ${r.mapping.userId} (${r.mapping.userName}) was already mapped to ${r.mapping.identity}; nothing changed.`,
        );
      });
    });

  users
    .command('unmap')
    .summary('remove the mapping of a user')
    .argument('<migration>', 'migration id')
    .requiredOption('--user <id>', 'the on-premises user’s id')
    .action(async (id: string, f: { user: string }) => {
      const g = global();
      await withOperations(g, usersOperations, async (ops) => {
        const r = await ops.unmap(id, f.user);
        print(
          g,
          { type: 'user-unmapped', userId: f.user, ...r },
          r.removed
            ? `User ${f.user} is no longer mapped.`
            : `User ${f.user} was not mapped; nothing changed.`,
        );
      });
    });

  users
    .command('mappings')
    .summary('the user mappings of a migration')
    .argument('<migration>', 'migration id')
    .action(async (id: string) => {
      const g = global();
      await withOperations(g, usersOperations, async (ops) => {
        const mappings = await ops.mappings(id);
        print(
          g,
          { type: 'user-mappings', migrationId: id, mappings },
          mappings.length === 0
            ? `No user mappings yet: add one with \`ferry users map ${id} --user ID --identity EMAIL\`.`
            : table(
                ['USER', 'NAME', 'IDENTITY', 'MAPPED AT'],
                mappings.map((x) => [x.userId, x.userName, x.identity, x.mappedAt]),
              ),
        );
      });
    });
}
