// `ferry demo init DIR` writes a sample on-premises CRM installation; `ferry demo` makes a small one
// and migrates it end to end into an embedded tenant (a SQLite file and a folder), then prints the
// verified report.

import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { FerryError } from '../../domain/errors.ts';
import { initInstallation } from '../../profiles/crm/init-installation.ts';
import { defaultRunOptions, startCopyRun } from '../../services/copy-runs.ts';
import { readInstallation } from '../../services/installation-file.ts';
import { openStore } from '../../store/open-store.ts';
import { formatBytes, formatCount } from '../format.ts';
import { gracefulSignal, progressFor, type GlobalOptions } from '../run-output.ts';
import { printOutcome } from './migrate.ts';

const sizes = ['small', 'medium', 'large'] as const;
type Size = (typeof sizes)[number];

function parseSize(value: string): Size {
  if ((sizes as readonly string[]).includes(value)) return value as Size;
  throw new FerryError('FERRY_INVALID_ARGUMENT', `--size must be one of ${sizes.join(', ')}, got "${value}"`);
}

function parseSeed(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new FerryError('FERRY_INVALID_ARGUMENT', `--seed must be a whole number ≥ 0, got "${value}"`);
  return n;
}

export function registerDemoCommands(program: Command, global: () => GlobalOptions): void {
  const demo = program
    .command('demo')
    .summary('a sample CRM installation, migrated end to end')
    .description(
      'Without a subcommand: make a small sample installation in DIR (default ./demo-installation),\n' +
        'migrate it into an embedded tenant (DIR/tenant/acme.db and DIR/tenant/documents/), verify it and\n' +
        'print the report. `ferry demo init DIR` only writes the installation.',
    );

  demo
    .command('run', { isDefault: true })
    .description('make a small installation and migrate it into an embedded tenant')
    .option('--dir <dir>', 'where to put the installation and the tenant', 'demo-installation')
    .option('--size <size>', 'small | medium | large', parseSize, 'small' as Size)
    .option('--seed <n>', 'random seed: the same seed gives the same data', parseSeed, 1)
    .action(async (flags: { dir: string; size: Size; seed: number }) => {
      const g = global();
      const dir = resolve(flags.dir);
      rmSync(dir, { recursive: true, force: true });
      log(g, `ferry demo: writing a ${flags.size} CRM installation to ${dir}`);
      const summary = await initInstallation({ dir, size: flags.size, seed: flags.seed });
      log(
        g,
        `ferry demo: ${summary.tables.length} tables, ${formatCount(summary.tables.reduce((n, t) => n + t.rows, 0))} rows, ${formatCount(summary.archive.files)} documents (${formatBytes(summary.archive.bytes)})`,
      );
      const installation = await readInstallation(join(dir, 'installation.yaml'));
      const tenantDir = join(dir, 'tenant');
      mkdirSync(join(tenantDir, 'documents'), { recursive: true });
      const to = `sqlite:${join(tenantDir, 'acme.db')}`;
      log(g, `ferry demo: migrating ${installation.database} → ${to}`);
      const store = await openStore(g.home ?? join(dir, '.ferry'));
      const progress = progressFor(g);
      const { signal, dispose } = gracefulSignal();
      try {
        const outcome = await startCopyRun({
          from: installation.database,
          to,
          options: { ...defaultRunOptions, replace: true },
          store,
          onEvent: progress.listener,
          signal,
        });
        progress.stop();
        process.exitCode = printOutcome(outcome, g);
      } finally {
        progress.stop();
        dispose();
        await store.close();
      }
    });

  demo
    .command('init')
    .description(
      'Write a sample on-premises CRM installation to DIR: its database (SQLite in DIR by default, or the\n' +
        'MariaDB/PostgreSQL database given with --db), its document archive, its service config and\n' +
        'DIR/installation.yaml. Deterministic from --seed, with the problems pre-migration checks must find.',
    )
    .argument('<dir>', 'folder to create')
    .option(
      '--size <size>',
      'small (~5k rows) | medium (~300k) | large (≥3M rows)',
      parseSize,
      'small' as Size,
    )
    .option('--seed <n>', 'random seed: the same seed gives the same data', parseSeed, 1)
    .option('--db <url>', 'put the database in this MariaDB/MySQL or PostgreSQL database instead of SQLite')
    .option('--replace', 'replace CRM tables that already exist in --db', false)
    .action(async (dirArg: string, flags: { size: Size; seed: number; db?: string; replace: boolean }) => {
      const g = global();
      const dir = resolve(dirArg);
      const summary = await initInstallation({
        dir,
        size: flags.size,
        seed: flags.seed,
        replace: flags.replace,
        ...(flags.db === undefined ? {} : { db: flags.db }),
        onProgress: (p) => {
          if (!g.json && process.stderr.isTTY) {
            process.stderr.write(
              `\r  ${p.phase}${p.table === undefined ? '' : ` ${p.table}`}: ${formatCount(p.done)} of ${formatCount(p.total)}      `,
            );
          }
        },
      });
      if (!g.json && process.stderr.isTTY) process.stderr.write('\n');
      if (g.json) process.stdout.write(JSON.stringify({ type: 'installation', ...summary }) + '\n');
      else {
        process.stdout.write(`Wrote ${join(dir, 'installation.yaml')}\n`);
        for (const t of summary.tables)
          process.stdout.write(`  ${t.name.padEnd(24)} ${formatCount(t.rows).padStart(12)} rows\n`);
        process.stdout.write(
          `  archive: ${formatCount(summary.archive.files)} files, ${formatBytes(summary.archive.bytes)}\n`,
        );
      }
    });
}

function log(g: GlobalOptions, text: string): void {
  if (!g.json) process.stderr.write(text + '\n');
}
