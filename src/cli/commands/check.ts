// `ferry check INSTALLATION [--fix CHECK_ID]`: the pre-migration checks of an installation's
// profile, as a table and then each finding with its examples and what to do. Exit 1 while a
// blocking check fails, 0 otherwise.

import type { Command } from 'commander';
import type { ChecksReport, CheckResult, FixOutcome } from '../../services/checks.ts';
import { applyFix, runChecks } from '../../services/checks.ts';
import { FerryError } from '../../domain/errors.ts';
import { formatCount, pad, padLeft } from '../format.ts';
import { checkOperations } from '../remote/check-operations.ts';
import { assertLocal, withOperations } from '../remote/operations.ts';
import type { GlobalOptions } from '../run-output.ts';

const outcomeLabel: Record<CheckResult['outcome'], string> = {
  pass: 'pass',
  warning: 'WARNING',
  blocking: 'BLOCKING',
};

function renderTable(results: readonly CheckResult[]): string[] {
  const idWidth = Math.max(5, ...results.map((r) => r.id.length));
  const countWidth = Math.max(5, ...results.map((r) => formatCount(r.count).length));
  const lines = [`${pad('outcome', 9)} ${pad('check', idWidth)} ${padLeft('count', countWidth)}  title`];
  for (const r of results) {
    lines.push(
      `${pad(outcomeLabel[r.outcome], 9)} ${pad(r.id, idWidth)} ${padLeft(formatCount(r.count), countWidth)}  ${r.title}`,
    );
  }
  return lines;
}

function renderFinding(r: CheckResult, installationArg: string): string[] {
  const what = r.unit === null ? formatCount(r.count) : `${formatCount(r.count)} ${r.unit}`;
  const lines = ['', `${outcomeLabel[r.outcome]}  ${r.id} — ${r.title} (${what})`];
  for (const example of r.examples) lines.push(`    ${example}`);
  if (r.count > r.examples.length && r.examples.length > 0)
    lines.push(`    … and ${formatCount(r.count - r.examples.length)} more`);
  if (r.breakdown.length > 1) {
    lines.push(`  Where: ${r.breakdown.map((b) => `${b.label} ${formatCount(b.count)}`).join(', ')}`);
  }
  lines.push(`  What to do: ${r.guidance}`);
  if (r.fixAvailable) {
    lines.push(`  Fix offered: ferry check ${installationArg} --fix ${r.id}`);
  }
  return lines;
}

export function renderChecks(report: ChecksReport, installationArg: string): string {
  const { results } = report;
  const count = (o: CheckResult['outcome']) => results.filter((r) => r.outcome === o).length;
  const lines = [
    `Checks of installation ${report.installation.name} (profile ${report.profile}, ${report.installation.database})`,
    '',
    ...renderTable(results),
  ];
  for (const r of results) if (r.outcome !== 'pass') lines.push(...renderFinding(r, installationArg));
  lines.push(
    '',
    `${count('blocking')} blocking, ${count('warning')} warning, ${count('pass')} passed.`,
    report.blocking
      ? 'A run (other than diagnostic) cannot start until every blocking check passes.'
      : 'No blocking check fails: runs may start. Warnings say what will need attention.',
  );
  return lines.join('\n');
}

function renderFix(fix: FixOutcome): string {
  return [
    `Fix for ${fix.checkId}: ${fix.description}`,
    `Changed ${formatCount(fix.changed)}; the check now ${fix.after.outcome === 'pass' ? 'passes' : `reports ${formatCount(fix.after.count)} (${fix.after.outcome})`}.`,
    '',
  ].join('\n');
}

export function registerCheckCommands(program: Command, global: () => GlobalOptions): void {
  program
    .command('check')
    .summary("run the pre-migration checks of an installation's profile")
    .description(
      [
        "Run every pre-migration check of the installation's application profile",
        'against its source database, archive and service config. Checking only reads.',
        '',
        'Each check has an outcome (pass, WARNING, BLOCKING), a count, up to 20',
        'examples and what to do. A run (other than diagnostic) refuses to start while',
        'a blocking check fails. Exit code: 1 when a blocking check fails, 0 otherwise.',
        '',
        'Some checks offer a fix (the output says so). --fix applies it to the SOURCE',
        'database, only when you ask, then checks again; nothing else writes there.',
        '',
        'INSTALLATION is an installation.yaml, as written by `ferry demo init DIR`. Instead of it,',
        '--migration ID checks the installation of a migration; that also works with --server URL',
        '(the server reads the source), while a file argument is always checked on this machine.',
        '',
        'Examples:',
        '  ferry check demo/installation.yaml',
        '  ferry check demo/installation.yaml --json',
        '  ferry check demo/installation.yaml --fix crm.sentry-addon-preferences',
        '  ferry check --migration m-1a2b3c4d --server https://ferry.example:7070',
      ].join('\n'),
    )
    .argument('[installation]', 'path to the installation.yaml that describes the on-premises installation')
    .option('--migration <id>', "check this migration's installation instead of a file")
    .option('--fix <check-id>', "apply that check's offered fix to the source, then check again")
    .option('--json', 'print the results as one JSON object', false)
    .action(
      async (
        installationArg: string | undefined,
        flags: { migration?: string; fix?: string; json: boolean },
      ) => {
        const g = global();
        const json = g.json || flags.json;
        if ((installationArg === undefined) === (flags.migration === undefined))
          throw new FerryError(
            'FERRY_INVALID_ARGUMENT',
            'give an installation.yaml or --migration ID (one of them)',
          );
        const migrationId = flags.migration;
        if (migrationId === undefined)
          assertLocal(
            g,
            'check INSTALLATION',
            'Through a server, check a migration: `ferry check --migration ID`.',
          );
        const target = migrationId === undefined ? (installationArg ?? '') : `--migration ${migrationId}`;
        const { report, fix } =
          migrationId === undefined
            ? await checkFile(target, flags.fix)
            : await withOperations(g, checkOperations, async (ops) => {
                const fixed = flags.fix === undefined ? undefined : await ops.fix(migrationId, flags.fix);
                return { fix: fixed, report: await ops.run(migrationId) };
              });
        if (fix !== undefined && !json) process.stdout.write(renderFix(fix) + '\n');
        if (json) {
          process.stdout.write(JSON.stringify({ type: 'checks', ...report, ...(fix ? { fix } : {}) }) + '\n');
        } else {
          process.stdout.write(renderChecks(report, target) + '\n');
        }
        process.exitCode = report.blocking ? 1 : 0;
      },
    );
}

async function checkFile(
  installation: string,
  fixId: string | undefined,
): Promise<{ report: ChecksReport; fix: FixOutcome | undefined }> {
  const fix = fixId === undefined ? undefined : await applyFix(installation, fixId);
  return { fix, report: await runChecks(installation) };
}
