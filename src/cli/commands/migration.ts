// `ferry migration …`: one installation → one tenant, from the plan to go-live.

import type { Command } from 'commander';
import { FerryError } from '../../domain/errors.ts';
import { describePhase, migrationPhases } from '../../domain/migration-phase.ts';
import { isParty, type Party } from '../../domain/migration-rules.ts';
import { formatBytes, formatCount, pad } from '../format.ts';
import { print } from '../control-plane-session.ts';
import { migrationOperations, type PhaseAction } from '../remote/migration-operations.ts';
import { withOperations } from '../remote/operations.ts';
import { checklistLines, phaseLine, viewLines } from '../migration-view.ts';
import type { GlobalOptions } from '../run-output.ts';
import { planMappingLines, planTableMappings, registerTableMappingCommand } from './table-mappings.ts';
import { registerCompanyInitializationCommands } from './companies.ts';

function party(value: string): Party {
  if (!isParty(value))
    throw new FerryError('FERRY_INVALID_ARGUMENT', `--party must be vendor or customer, got "${value}"`);
  return value;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const phaseHelp =
  'Phases (a migration moves forward one step at a time):\n' +
  migrationPhases.map((p) => `  ${pad(p, 16)} ${describePhase(p)}`).join('\n') +
  '\n\nA typical migration:\n' +
  '  ferry migration create --installation ./acme/installation.yaml --profile crm --tenant acme\n' +
  '  ferry migration plan M --activity "First migration" --owner "Vendor team" --estimate 4h --deadline 2027-01-31\n' +
  '  ferry migration sign-plan M --party vendor --name "Vera Vendor"\n' +
  '  ferry migration sign-plan M --party customer --name "Carl Customer"\n' +
  '  … a test or full run (first-migration), then the parallel phase:\n' +
  '  ferry migration checklist M --pass users-log-in,data-complete --by "Carl Customer"\n' +
  '  ferry migration approve M --party vendor --name "Vera Vendor"   (and the customer)\n' +
  '  … the final run, then:\n' +
  '  ferry migration go-live M\n\n' +
  'Nothing may run after go-live. `abandon` ends a migration for good and unfreezes the source.';

// ---- commands ---------------------------------------------------------------------------------------

export function registerMigrationCommands(program: Command, global: () => GlobalOptions): void {
  const migration = program
    .command('migration')
    .summary('plan, sign, test, approve and take a migration live')
    .description('A migration moves one installation into one tenant over its whole life.\n\n' + phaseHelp);

  migration
    .command('create')
    .summary('set up a migration and provision its tenant')
    .description(
      'Set up a migration of an installation into a tenant. A new tenant is provisioned: a SQLite file and a\n' +
        'documents folder in the Ferry home, or with --tenant-db a PostgreSQL schema tenant_<id>.\n' +
        'The checklist starts with the profile’s items. The migration starts in `planning`.',
    )
    .requiredOption('--installation <path>', 'the installation’s installation.yaml')
    .requiredOption('--profile <id>', 'application profile, e.g. crm')
    .requiredOption('--tenant <id>', 'tenant id: lower-case letters, digits and -')
    .option('--tenant-db <url>', 'PostgreSQL database for the tenant (postgres://…)')
    .option('--tenant-documents <url>', 'document store for the tenant (file:/path or s3://bucket/prefix)')
    .action(
      async (f: {
        installation: string;
        profile: string;
        tenant: string;
        tenantDb?: string;
        tenantDocuments?: string;
      }) => {
        const g = global();
        await withOperations(g, migrationOperations, async (ops) => {
          const v = await ops.create({
            installationPath: f.installation,
            profileId: f.profile,
            tenantId: f.tenant,
            ...(f.tenantDb === undefined ? {} : { tenantDatabaseUrl: f.tenantDb }),
            ...(f.tenantDocuments === undefined ? {} : { tenantBlobStoreUrl: f.tenantDocuments }),
          });
          print(g, { type: 'migration', ...v }, [
            `Created migration ${v.migration.id} (tenant ${v.tenant.id}, ${v.tenant.state}).`,
            `Next: set the plan with \`ferry migration plan ${v.migration.id} --activity … --owner … --estimate … --deadline …\`.`,
          ]);
        });
      },
    );

  migration
    .command('show')
    .summary('everything about one migration: phase, tenant, plan, checklist, approval')
    .argument('<migration>', 'migration id')
    .action(async (id: string) => {
      const g = global();
      await withOperations(g, migrationOperations, async (ops) => {
        const v = await ops.show(id);
        print(g, { type: 'migration', ...v }, viewLines(v));
      });
    });

  migration
    .command('list')
    .summary('every migration in this store')
    .action(async () => {
      const g = global();
      await withOperations(g, migrationOperations, async (ops) => {
        const all = await ops.list();
        print(
          g,
          { type: 'migrations', migrations: all },
          all.length === 0
            ? 'no migrations yet: set one up with `ferry migration create`'
            : all.map(
                (m) =>
                  `${pad(m.id, 12)} ${pad(phaseLine(m), 24)} tenant ${pad(m.tenantId, 16)} ${m.installationPath}`,
              ),
        );
      });
    });

  migration
    .command('plan')
    .summary('show the plan, or add activities (owner, estimate, deadline) to it')
    .description(
      'Without --activity: show the plan. Each --activity takes the --owner, --estimate and --deadline given\n' +
        'in the same position. Changing the plan clears its signatures; it changes only in `planning`.\n\n' +
        'Example:\n  ferry migration plan M --activity "Test migration" --owner "Vendor team" --estimate 4h --deadline 2027-01-31',
    )
    .argument('<migration>', 'migration id')
    .option('--activity <text>', 'what is done (repeatable)', collect, [])
    .option('--owner <name>', 'who is responsible (one per --activity)', collect, [])
    .option('--estimate <duration>', 'effort: 4h, 90m, 1h30m, 2d (one per --activity)', collect, [])
    .option('--deadline <date>', 'YYYY-MM-DD (one per --activity)', collect, [])
    .option('--replace', 'replace the plan instead of adding to it', false)
    .action(
      async (
        id: string,
        f: { activity: string[]; owner: string[]; estimate: string[]; deadline: string[]; replace: boolean },
      ) => {
        const g = global();
        const n = f.activity.length;
        if (f.owner.length !== n || f.estimate.length !== n || f.deadline.length !== n)
          throw new FerryError(
            'FERRY_INVALID_ARGUMENT',
            `give every --activity its own --owner, --estimate and --deadline (got ${n} activities, ${f.owner.length} owners, ${f.estimate.length} estimates, ${f.deadline.length} deadlines)`,
          );
        await withOperations(g, migrationOperations, async (ops) => {
          if (n > 0 || f.replace) {
            const r = await ops.changePlan(
              id,
              f.activity.map((activity, i) => ({
                activity,
                owner: f.owner[i] ?? '',
                estimate: f.estimate[i] ?? '',
                deadline: f.deadline[i] ?? '',
              })),
              { replace: f.replace },
            );
            if (!g.json && r.signaturesCleared > 0)
              process.stderr.write(
                `ferry: the plan changed, so its ${r.signaturesCleared} signature(s) were cleared\n`,
              );
          }
          const v = await ops.show(id);
          const tableMappings = await planTableMappings(g, id);
          print(g, { type: 'plan', migrationId: id, ...v.plan, tableMappings }, [
            ...viewLines(v).slice(7, 9 + v.plan.activities.length),
            ...planMappingLines(tableMappings),
          ]);
        });
      },
    );

  migration
    .command('sign-plan')
    .summary('sign the plan for one party (both must sign before the first run)')
    .argument('<migration>', 'migration id')
    .requiredOption('--party <party>', 'vendor or customer', party)
    .requiredOption('--name <name>', 'the person signing')
    .action(async (id: string, f: { party: Party; name: string }) => {
      const g = global();
      await withOperations(g, migrationOperations, async (ops) => {
        const r = await ops.signPlan(id, f.party, f.name);
        print(g, { type: 'signature', document: 'plan', migrationId: id, ...r }, [
          `Plan signed for the ${r.signature.party} by ${r.signature.name} at ${r.signature.signedAt}.`,
          r.missing.length === 0
            ? 'Both parties signed: the first run may start.'
            : `Still to sign: ${r.missing.join(', ')}.`,
        ]);
      });
    });

  migration
    .command('checklist')
    .summary('show the checklist; add items; pass or fail them (parallel phase)')
    .description(
      'The checklist holds the profile’s items and custom ones. In the parallel phase each item is passed\n' +
        'or failed by a named person; the approval needs every item passed. A result changed after someone\n' +
        'signed the approval clears the approval signatures.',
    )
    .argument('<migration>', 'migration id')
    .option('--add <title>', 'add a custom item')
    .option('--pass <items>', 'mark items passed (comma-separated ids)')
    .option('--fail <items>', 'mark items failed (comma-separated ids)')
    .option('--by <name>', 'who passed or failed it')
    .action(async (id: string, f: { add?: string; pass?: string; fail?: string; by?: string }) => {
      const g = global();
      if ((f.pass !== undefined || f.fail !== undefined) && f.by === undefined)
        throw new FerryError(
          'FERRY_INVALID_ARGUMENT',
          '--pass and --fail need --by NAME: who tested the item',
        );
      if (f.pass !== undefined && f.fail !== undefined)
        throw new FerryError('FERRY_INVALID_ARGUMENT', 'give --pass or --fail, not both');
      await withOperations(g, migrationOperations, async (ops) => {
        if (f.add !== undefined) await ops.addChecklistItem(id, f.add);
        const decided = (f.pass ?? f.fail ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        let cleared = 0;
        for (const itemId of decided) {
          const r = await ops.recordChecklistResult(
            id,
            itemId,
            f.pass !== undefined ? 'passed' : 'failed',
            f.by ?? '',
          );
          cleared += r.approvalSignaturesCleared;
        }
        if (!g.json && cleared > 0)
          process.stderr.write('ferry: the checklist changed, so the approval signatures were cleared\n');
        const items = await ops.checklist(id);
        const open = items.filter((i) => i.status !== 'passed').length;
        print(g, { type: 'checklist', migrationId: id, items }, [
          `Checklist of ${id}: ${items.length - open} of ${items.length} passed`,
          ...checklistLines(items),
        ]);
      });
    });

  migration
    .command('approve')
    .summary('sign the approval for one party (needs every checklist item passed)')
    .argument('<migration>', 'migration id')
    .requiredOption('--party <party>', 'vendor or customer', party)
    .requiredOption('--name <name>', 'the person signing')
    .action(async (id: string, f: { party: Party; name: string }) => {
      const g = global();
      await withOperations(g, migrationOperations, async (ops) => {
        const r = await ops.approve(id, f.party, f.name);
        print(g, { type: 'signature', document: 'approval', migrationId: id, ...r }, [
          `Approval signed for the ${r.signature.party} by ${r.signature.name} at ${r.signature.signedAt}.`,
          r.missing.length === 0
            ? `Both parties signed: ${id} is approved and the final run may start.`
            : `Still to sign: ${r.missing.join(', ')}.`,
        ]);
      });
    });

  const lifecycle: [PhaseAction, string, string][] = [
    [
      'go-live',
      'after a successful final run: tenant running, source archived read-only; nothing runs afterwards',
      'is live: the tenant is running and the source is kept as a read-only archive',
    ],
    ['abandon', 'give the migration up for good: unfreezes the source, archives the tenant', 'is abandoned'],
    ['pause', 'put the migration on hold (no run may start)', 'is paused'],
    ['resume-phase', 'continue a paused migration in the phase it was paused from', 'continues'],
    [
      'reset-cloud-data',
      "wipe the tenant's database and documents and start the data migration over; the migration stays",
      'has an empty tenant again',
    ],
  ];
  for (const [name, summary, done] of lifecycle) {
    migration
      .command(name)
      .summary(summary)
      .argument('<migration>', 'migration id')
      .action(async (id: string) => {
        const g = global();
        await withOperations(g, migrationOperations, async (ops) => {
          const { result, view: m } = await ops.phaseAction(name, id);
          print(
            g,
            { type: 'migration', action: name, result, ...m },
            `Migration ${id} ${done}; phase: ${phaseLine(m.migration)}.`,
          );
        });
      });
  }

  migration
    .command('schedule')
    .summary('run incremental migrations on a cron schedule; shows the next run time')
    .description(
      'Without --cron: shows the schedule, its next run time and what its last occurrence did.\n' +
        'Due occurrences are started by `ferry serve` and `ferry worker` (each once, however many run);\n' +
        'an occurrence is skipped (and says why) while another run is active or the migration is live.\n' +
        'Examples:\n  ferry migration schedule M --cron "0 2 * * *"   (02:00 every day)\n' +
        '  ferry migration schedule M --cron "*/30 * * * * *"   (six fields: every 30 seconds)\n' +
        '  ferry migration schedule M --clear',
    )
    .argument('<migration>', 'migration id')
    .option('--cron <expression>', 'cron expression: five fields, or six with seconds first')
    .option('--time-zone <zone>', 'IANA time zone the expression is read in', 'UTC')
    .option('--clear', 'remove the schedule', false)
    .action(async (id: string, f: { cron?: string; timeZone: string; clear: boolean }) => {
      const g = global();
      await withOperations(g, migrationOperations, async (ops) => {
        if (f.clear) {
          const removed = await ops.clearSchedule(id);
          return print(
            g,
            { type: 'schedule', migrationId: id, schedule: null, removed },
            removed ? `Schedule of ${id} removed.` : `${id} had no schedule.`,
          );
        }
        const s =
          f.cron === undefined ? await ops.schedule(id) : await ops.setSchedule(id, f.cron, f.timeZone);
        print(
          g,
          { type: 'schedule', migrationId: id, schedule: s },
          s === null
            ? `${id} has no schedule; set one with --cron "0 2 * * *".`
            : `Schedule of ${id}: ${s.cron} (${s.timeZone}); next run ${s.nextRunAt ?? 'never'}.` +
                (s.lastRunAt == null
                  ? ' No scheduled run yet.'
                  : `\nLast scheduled run (due ${s.lastRunAt}): ${s.lastRunId ?? '-'} ${s.lastOutcome ?? ''}`.trimEnd()),
        );
      });
    });

  migration
    .command('runtime-key')
    .summary('get or reset the runtime key the on-premises agent uses (shown once)')
    .description(
      'The key is stored hashed, so it is shown only when it is created: the first time, or with --reset.\n' +
        'After --reset the old key is refused at once. The agent sends it as `Authorization: Bearer KEY`\n' +
        'and may call only this migration’s agent endpoints (heartbeat, update check, its status).',
    )
    .argument('<migration>', 'migration id')
    .option('--reset', 'issue a new key; the old one stops working immediately', false)
    .action(async (id: string, f: { reset: boolean }) => {
      const g = global();
      await withOperations(g, migrationOperations, async (ops) => {
        const r = await ops.runtimeKey(id, { reset: f.reset });
        print(
          g,
          { type: 'runtime-key', migrationId: id, key: r.key, hint: r.hint, createdAt: r.createdAt },
          r.key === null
            ? `Runtime key of ${id}: …${r.hint}, created ${r.createdAt}. It was shown once; use --reset for a new one.`
            : [`Runtime key of ${id} (shown once — store it now):`, r.key],
        );
      });
    });

  const companiesCommand = migration
    .command('companies')
    .summary('the companies in the source, each with its estimated size; choose which a run takes')
    .argument('<migration>', 'migration id')
    .option('--select <ids>', 'comma-separated company ids the runs take')
    .option('--all', 'take every company', false)
    .action(async (id: string, f: { select?: string; all: boolean }) => {
      const g = global();
      await withOperations(g, migrationOperations, async (ops) => {
        if (f.all) await ops.chooseCompanies(id, null);
        else if (f.select !== undefined)
          await ops.chooseCompanies(
            id,
            f.select
              .split(',')
              .map((s) => s.trim())
              .filter((s) => s !== ''),
          );
        const companies = await ops.companies(id);
        print(
          g,
          { type: 'companies', migrationId: id, companies },
          companies.map(
            (c) =>
              `${c.selected ? '[x]' : '[ ]'} ${pad(c.id, 12)} ${pad(c.name, 32)} ~${formatCount(c.estimatedRows)} rows, ${formatBytes(c.estimatedBytes)}`,
          ),
        );
      });
    });

  registerCompanyInitializationCommands(companiesCommand, global);

  registerTableMappingCommand(migration, global);

  migration
    .command('check-update')
    .summary("compare a worker's version with the control plane's")
    .description(
      'The control plane’s version is the newest `ferry serve` seen on the store in the last minute (or\n' +
        'this Ferry when none runs); with --server it is asked of the server, for MIGRATION (name it\n' +
        'then). The live `ferry worker` processes are listed below, each checked the same way; a worker\n' +
        'older than the control plane also says so when it starts.',
    )
    .argument('[migration]', 'migration id (needed with --server)')
    .requiredOption('--worker-version <version>', 'the version the worker reports, e.g. 0.1.0')
    .action(async (id: string | undefined, f: { workerVersion: string }) => {
      const g = global();
      await withOperations(g, migrationOperations, async (ops) => {
        const r = await ops.checkForUpdate(f.workerVersion, id);
        const workers = r.workers.map(
          (w) =>
            `\n  worker ${w.id}: ${w.version}${w.updateAvailable ? ' — older than the control plane: update it' : ''}`,
        );
        print(g, { type: 'update-check', ...r }, r.message + workers.join(''));
      });
    });
}
