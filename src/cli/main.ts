// The `ferry` command: parses, prints, calls services. No business logic lives here.

import { Command, CommanderError } from 'commander';
import { registerCheckCommands } from './commands/check.ts';
import { registerDemoCommands } from './commands/demo.ts';
import { registerMigrateCommands } from './commands/migrate.ts';
import { registerMigrationCommands } from './commands/migration.ts';
import { registerRunCommand, registerTrackChangesCommand } from './commands/run.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerTokenCommands } from './commands/token.ts';
import { registerUsersCommands } from './commands/users.ts';
import { registerWorkerCommand } from './commands/worker.ts';
import { printError } from './error-handler.ts';
import type { GlobalOptions } from './run-output.ts';

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('ferry')
    .description(
      "Ferry moves an application's on-premises installations into cloud tenants: plan, copy, verify, go live.\n" +
        'Start with `ferry demo` to see a sample installation migrated end to end.',
    )
    .option(
      '--home <dir>',
      'Ferry home: the control-plane store and run state (default ~/.ferry or $FERRY_HOME)',
    )
    .option(
      '--store <url>',
      'control-plane store in PostgreSQL (postgres://…) instead of the SQLite file in the home (default $FERRY_STORE)',
    )
    .option('--json', 'machine-readable output: one JSON object per line', false)
    .option('--verbose', 'print stack traces and causes on errors', false)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const global = (): GlobalOptions => {
    const o = program.opts<{ home?: string; store?: string; json: boolean; verbose: boolean }>();
    const store = o.store ?? process.env.FERRY_STORE;
    return {
      ...(o.home === undefined ? {} : { home: o.home }),
      ...(store === undefined || store === '' ? {} : { store }),
      json: o.json,
      verbose: o.verbose,
    };
  };
  registerMigrateCommands(program, global);
  registerDemoCommands(program, global);
  registerCheckCommands(program, global);
  registerMigrationCommands(program, global);
  registerTokenCommands(program, global);
  registerUsersCommands(program, global);
  registerServeCommand(program, global);
  registerRunCommand(program, global);
  registerTrackChangesCommand(program, global);
  registerWorkerCommand(program, global);
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
