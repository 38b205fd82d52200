// `ferry migration companies init|status MIGRATION`: initialize companies in the tenant (one job
// per company, running the profile's initialization) and show each company's job. With the
// PostgreSQL store the jobs go to pg-boss for `ferry worker` processes; with the SQLite store they
// execute here, in this process; with --server the server's queue takes them
// (remote/company-operations.ts).

import type { Command } from 'commander';
import type {
  CompanyInitializations,
  CompanyInitializationView,
} from '../../services/company-initialization.ts';
import { pad } from '../format.ts';
import { print } from '../control-plane-session.ts';
import { companyOperations } from '../remote/company-operations.ts';
import { withOperations } from '../remote/operations.ts';
import type { GlobalOptions } from '../run-output.ts';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function jobLines(list: CompanyInitializations): string[] {
  if (list.companies.length === 0)
    return [
      `No company of migration ${list.migrationId} was initialized yet: \`ferry migration companies init ${list.migrationId}\`.`,
    ];
  const width = Math.max(7, ...list.companies.map((c) => c.companyId.length));
  return [
    `${pad('COMPANY', width)}  ${pad('STATUS', 9)}  ${pad('FINISHED', 24)}  WHAT HAPPENED`,
    ...list.companies.map(
      (c) =>
        `${pad(c.companyId, width)}  ${pad(c.status, 9)}  ${pad(c.finishedAt ?? '-', 24)}  ${outcome(c)}`,
    ),
  ];
}

function outcome(c: CompanyInitializationView): string {
  switch (c.status) {
    case 'queued':
      return `waiting for a worker since ${c.queuedAt}`;
    case 'running':
      return `running on ${c.worker ?? '?'} since ${c.startedAt ?? '?'}`;
    case 'succeeded':
      return c.summary ?? '';
    case 'failed':
      return c.error === null ? 'failed' : `${c.error.code}: ${c.error.message}`;
    default: {
      const never: never = c.status;
      return never;
    }
  }
}

/** Adds `init` and `status` under `ferry migration companies`. */
export function registerCompanyInitializationCommands(companies: Command, global: () => GlobalOptions): void {
  companies
    .command('init')
    .summary('initialize companies in the tenant: one job per company, running the profile’s setup')
    .description(
      "Runs the application profile's company initialization in the migration's tenant, one job per\n" +
        'company (erp: each company’s number series; crm: the company settings). Idempotent: running it\n' +
        'again leaves what is already set up. While a company is being initialized it cannot be initialized\n' +
        'again, nor added to or removed from the selection (FERRY_COMPANY_BUSY).\n\n' +
        'With the SQLite store the jobs execute in this process (the command waits for them). With the\n' +
        'PostgreSQL store (--store) they go to the job queue for `ferry worker` processes; with --server the\n' +
        "server's queue takes them. --wait waits for them. Refused while a run holds the migration; while a\n" +
        'company is being initialized, runs that write the tenant, reset-cloud-data, sanitize --fix and\n' +
        'repair-companions are refused (FERRY_COMPANY_BUSY). Exit code 1 when an initialization failed.\n\n' +
        'Examples:\n' +
        '  ferry migration companies init M                  every selected company\n' +
        '  ferry migration companies init M --company CRONUS --company Fabrikam --wait\n' +
        '  ferry migration companies status M',
    )
    .argument('<migration>', 'migration id')
    .option(
      '--company <id>',
      'a selected company to initialize (repeat for several; default: every selected one)',
      collect,
    )
    .option('--wait', 'wait until every job has ended (always, with the local SQLite store)', false)
    .action(async (id: string, f: { company?: string[]; wait: boolean }) => {
      const g = global();
      await withOperations(g, companyOperations(g.store), async (ops) => {
        const { list, waited } = await ops.initialize(id, f.company ?? null, f.wait);
        const failed = list.companies.filter((c) => c.status === 'failed');
        print(g, { type: 'company-initializations', ...list }, [
          ...jobLines(list),
          waited
            ? `${list.companies.length - failed.length} of ${list.companies.length} companies initialized.`
            : `${list.companies.length} job(s) queued${g.server === undefined ? ' for `ferry worker`' : ' in the server'}; follow them with \`ferry migration companies status ${id}\` (or wait with --wait).`,
        ]);
        if (failed.length > 0) process.exitCode = 1;
      });
    });

  companies
    .command('status')
    .summary("each company's last initialization: status, times, what it did or why it failed")
    .argument('<migration>', 'migration id')
    .action(async (id: string) => {
      const g = global();
      await withOperations(g, companyOperations(g.store), async (ops) => {
        const list = await ops.status(id);
        print(g, { type: 'company-initializations', ...list }, jobLines(list));
      });
    });
}
