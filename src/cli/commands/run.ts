// `ferry run MIGRATION`: a run of a migration, through its gate (phase rules, checks, license).

import type { Command } from 'commander';
import { FerryError } from '../../domain/errors.ts';
import { isRunKind, runKinds, type RunKind } from '../../domain/migration-rules.ts';
import {
  changeTrackingStatus,
  disableChangeTracking,
  enableChangeTracking,
} from '../../services/incremental-runs.ts';
import { readInstallation } from '../../services/installation-file.ts';
import { getMigration } from '../../services/migrations.ts';
import { print, withControlPlane } from '../control-plane-session.ts';
import { assertLocal, withOperations } from '../remote/operations.ts';
import { runOperations } from '../remote/run-operations.ts';
import { gracefulSignal, progressFor, type GlobalOptions } from '../run-output.ts';
import { printOutcome } from './migrate.ts';
import { printSetupChecklistOfRun } from './sanitize.ts';

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
        'Exit code 0 only when every table verified.\n\n' +
        'With --server URL (or $FERRY_SERVER) the run executes in that server (`ferry serve`); this command\n' +
        'follows its progress live and prints the same report. Ctrl-C asks the server to stop the run at the\n' +
        'next chunk boundary.',
    )
    .argument('<migration>', 'migration id')
    .option('--kind <kind>', `one of ${runKinds.join(', ')}`, parseKind)
    .option('--parallel <n>', 'chunks copied at once', (v) => Number(v))
    .action(async (migrationId: string, flags: { kind?: RunKind; parallel?: number }) => {
      const g = global();
      await withOperations(g, runOperations, async (ops) => {
        const progress = progressFor(g);
        const { signal, dispose } = gracefulSignal();
        try {
          const {
            outcome,
            documents: d,
            error,
          } = await ops.start({
            migrationId,
            ...(flags.kind === undefined ? {} : { kind: flags.kind }),
            ...(flags.parallel === undefined ? {} : { parallel: flags.parallel }),
            onEvent: progress.listener,
            signal,
            onKindChosen: (choice) => {
              if (g.json) {
                process.stdout.write(`${JSON.stringify({ type: 'kind-chosen', ...choice })}\n`);
                return;
              }
              process.stderr.write(`ferry: ${choice.kind} run: ${choice.reason}\n`);
              for (const other of choice.alternatives)
                process.stderr.write(`ferry:   or --kind ${other.kind}: ${other.reason}\n`);
            },
            onRunCreated: (runId) => {
              if (!g.json)
                process.stderr.write(`ferry: run ${runId} started (resume with: ferry resume ${runId})\n`);
            },
          });
          progress.stop();
          process.exitCode = printOutcome(outcome, g);
          if (error !== null || outcome.status === 'failed') process.exitCode = 1;
          if (error !== null && !g.json)
            process.stderr.write(`ferry: run ${outcome.runId}: ${error.message} [${error.code}]\n`);
          if (d !== null && !g.json) {
            process.stdout.write(
              `\nDocuments: ${d.outcomes.uploaded.files} uploaded, ${d.outcomes.unchanged.files} unchanged, ` +
                `${d.missing.length} missing from the archive, ${d.failed.length} failed\n` +
                d.missing
                  .slice(0, 20)
                  .map((m) => `  missing: ${m.path}\n`)
                  .join('') +
                (d.missing.length > 0
                  ? '  → put them in the archive, then: ferry run MIGRATION --kind recovery-missing-files\n'
                  : ''),
            );
          }
          if (d !== null && d.failed.length > 0) process.exitCode = 1;
          // What did not reach the tenant and what to set up instead (`ferry setup-checklist RUN`).
          await printSetupChecklistOfRun(g, outcome.runId).catch((e: unknown) => {
            process.stderr.write(`ferry: setup checklist unavailable: ${(e as Error).message}\n`);
          });
        } finally {
          progress.stop();
          dispose();
        }
      });
    });
}

export function registerTrackChangesCommand(program: Command, global: () => GlobalOptions): void {
  program
    .command('track-changes')
    .summary("record changes on a migration's source so incremental runs move only those")
    .description(
      'Install change tracking on the source database of MIGRATION: a log table (ferry_change_log)\n' +
        'and triggers that record the primary key of every inserted, updated or deleted row. Incremental\n' +
        'runs then read the log instead of comparing every range by checksum (see docs/incremental.md).\n' +
        "This changes the source schema, so do it with the customer's consent; --disable removes it all.",
    )
    .argument('<migration>', 'migration id')
    .option('--disable', 'remove the triggers and the log table', false)
    .option('--status', 'show whether tracking is installed and where the log stands', false)
    .action(async (migrationId: string, flags: { disable: boolean; status: boolean }) => {
      const g = global();
      assertLocal(
        g,
        'track-changes',
        'Run it on a machine that reaches the source database, with --home/--store.',
      );
      await withControlPlane(g, async (cp) => {
        const installation = await readInstallation((await getMigration(cp, migrationId)).installationPath);
        if (flags.disable) await disableChangeTracking(installation.database);
        else if (!flags.status) await enableChangeTracking(installation.database);
        const status = await changeTrackingStatus(installation.database);
        print(
          g,
          { type: 'change-tracking', migrationId, ...status },
          status.installed
            ? `change tracking on ${status.tables.length} table(s); log position ${status.lastSeq}`
            : 'change tracking is not installed; incremental runs compare ranges by checksum',
        );
      });
    });
}
