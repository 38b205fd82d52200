// The `ferry` command: parses, prints, calls services. No business logic lives here.

import { Command, CommanderError } from 'commander';
import { registerCheckCommands } from './commands/check.ts';
import { registerDemoCommands } from './commands/demo.ts';
import { registerDocumentsCommand } from './commands/documents.ts';
import { registerMigrateCommands } from './commands/migrate.ts';
import { registerMigrationCommands } from './commands/migration.ts';
import { registerRunCommand, registerTrackChangesCommand } from './commands/run.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerTenantCommands } from './commands/tenants.ts';
import { registerTokenCommands } from './commands/token.ts';
import { registerDataQualityCommands } from './commands/sanitize.ts';
import { registerUsersCommands } from './commands/users.ts';
import { registerWorkerCommand } from './commands/worker.ts';
import { printError } from './error-handler.ts';
import { assertLocal } from './remote/operations.ts';
import type { GlobalOptions } from './run-output.ts';

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('ferry')
    .description(
      "Ferry moves an application's on-premises installations into cloud tenants: plan, copy, verify, go live.\n" +
        'Start with `ferry demo` to see a sample installation migrated end to end.\n' +
        'Control-plane commands (migration, run, runs, resume, check --migration, users, tenants, token list)\n' +
        'work on the local store or, with --server URL and the token in $FERRY_TOKEN, through `ferry serve`.',
    )
    .option(
      '--home <dir>',
      'Ferry home: the control-plane store and run state (default ~/.ferry or $FERRY_HOME)',
    )
    .option(
      '--store <url>',
      'control-plane store in PostgreSQL (postgres://…) instead of the SQLite file in the home (default $FERRY_STORE)',
    )
    .option(
      '--server <url>',
      'act through a Ferry server (`ferry serve`) instead of the local store, e.g. http://ferry.example:7070 (default $FERRY_SERVER)',
    )
    .option(
      '--token <token>',
      'operator token for --server; prefer $FERRY_TOKEN so it stays out of shell history',
    )
    .option('--json', 'machine-readable output: one JSON object per line', false)
    .option('--verbose', 'print stack traces and causes on errors', false)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const global = (): GlobalOptions => {
    const o = program.opts<{
      home?: string;
      store?: string;
      server?: string;
      token?: string;
      json: boolean;
      verbose: boolean;
    }>();
    const store = o.store ?? process.env.FERRY_STORE;
    const server = o.server ?? process.env.FERRY_SERVER;
    const token = o.token ?? process.env.FERRY_TOKEN;
    return {
      ...(o.home === undefined ? {} : { home: o.home }),
      ...(store === undefined || store === '' ? {} : { store }),
      ...(server === undefined || server === '' ? {} : { server }),
      ...(token === undefined || token === '' ? {} : { token }),
      json: o.json,
      verbose: o.verbose,
    };
  };
  registerMigrateCommands(program, global);
  registerDemoCommands(program, global);
  registerCheckCommands(program, global);
  registerMigrationCommands(program, global);
  registerTokenCommands(program, global);
  registerTenantCommands(program, global);
  registerUsersCommands(program, global);
  registerDocumentsCommand(program, global);
  registerDataQualityCommands(program, global);
  registerServeCommand(program, global);
  registerRunCommand(program, global);
  registerTrackChangesCommand(program, global);
  registerWorkerCommand(program, global);
  // Commands that do their work in this process refuse --server with one line instead of acting
  // locally by surprise (migrate, verify and track-changes say so themselves).
  const localOnly: Record<string, string> = {
    serve: '`ferry serve` is the server: start it on the machine that holds the store.',
    worker: 'A worker takes runs from the shared PostgreSQL store: give it --store postgres://….',
    demo: 'The demo runs end to end on a local home; leave out --server.',
  };
  program.hook('preAction', (_root, action) => {
    let top: Command = action;
    while (top.parent !== null && top.parent !== program) top = top.parent;
    const instead = localOnly[top.name()];
    if (instead !== undefined) assertLocal(global(), top.name(), instead);
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 1;
      return;
    }
    process.exitCode = printError(error, { verbose: global().verbose, json: global().json });
  }
}
