// `ferry run MIGRATION`: a run of a migration, through its gate (phase rules, checks, license).

import type { Command } from 'commander';
import { FerryError } from '../../domain/errors.ts';
import { isRunKind, runKinds, type RunKind } from '../../domain/migration-rules.ts';
import { startMigrationRun } from '../../services/migration-runs.ts';
import { withControlPlane } from '../control-plane-session.ts';
import { gracefulSignal, progressFor, type GlobalOptions } from '../run-output.ts';
import { printOutcome } from './migrate.ts';

function parseKind(value: string): RunKind {
  if (isRunKind(value)) return value;
  throw new FerryError(
    'FERRY_INVALID_ARGUMENT',
    `--kind must be one of ${runKinds.join(', ')}, got "${value}"`,
  );
}

export function registerRunCommand(program: Command, global: () => GlobalOptions): void {
  program
    .command('run')
    .summary('run a migration: copy its installation into its tenant')
    .description(
      'Start a run of MIGRATION (see `ferry migration list`). Without --kind, Ferry picks it and says why:\n' +
        'no earlier run → a test run (the source is untouched, the tenant is wiped and reloaded and stays\n' +
        'offline-maintenance); once approved → the final run. Kinds:\n' +
        '  diagnostic  reads everything, writes nothing to the tenant, reports what would fail\n' +
        '  test        wipes the tenant (database, users, documents), loads it; source untouched\n' +
        '  full        the live first migration: freezes the source, loads the tenant\n' +
        '  final       after approval: freezes the source, reloads the tenant (overwrites tenant-side edits)\n' +
        'Blocking pre-migration checks stop every run but a diagnostic (`ferry check` lists them).\n' +
        'Exit code 0 only when every table verified.',
    )
    .argument('<migration>', 'migration id')
    .option('--kind <kind>', `one of ${runKinds.join(', ')}`, parseKind)
    .option('--parallel <n>', 'chunks copied at once', (v) => Number(v))
    .action(async (migrationId: string, flags: { kind?: RunKind; parallel?: number }) => {
      const g = global();
      await withControlPlane(g, async (cp) => {
        const progress = progressFor(g);
        const { signal, dispose } = gracefulSignal();
        try {
          const outcome = await startMigrationRun({
            cp,
            migrationId,
            ...(flags.kind === undefined ? {} : { kind: flags.kind }),
            ...(flags.parallel === undefined ? {} : { parallel: flags.parallel }),
            onEvent: progress.listener,
            signal,
            onKindChosen: (kind, reason) => {
              if (!g.json) process.stderr.write(`ferry: ${kind} run: ${reason}\n`);
            },
            onRunCreated: (runId) => {
              if (!g.json)
                process.stderr.write(`ferry: run ${runId} started (resume with: ferry resume ${runId})\n`);
            },
          });
          progress.stop();
          process.exitCode = printOutcome(outcome, g);
        } finally {
          progress.stop();
          dispose();
        }
      });
    });
}
