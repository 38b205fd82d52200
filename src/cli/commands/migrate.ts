// `ferry migrate`, `ferry resume`, `ferry verify`, `ferry runs`: copying one database into a tenant.

import type { Command } from 'commander';
import { FerryError } from '../../domain/errors.ts';
import type { TableResult } from '../../domain/table-result.ts';
import type { RunOutcome } from '../../engine/execute-run.ts';
import { everyTableVerified } from '../../engine/run-results.ts';
import type { RunOptions } from '../../engine/run-store.ts';
import { createCopyRun, defaultRunOptions, planCopy, startCopyRun } from '../../services/copy-runs.ts';
import { queueRun } from '../../services/run-worker.ts';
import { verifyDatabases } from '../../services/verify-databases.ts';
import { openStore } from '../../store/open-store.ts';
import { storeLocation } from '../control-plane-session.ts';
import { assertLocal, withOperations } from '../remote/operations.ts';
import { runOperations, type RunDetail } from '../remote/run-operations.ts';
import { renderReport } from '../report.ts';
import { registerRunControlCommands, runThroughput, throughputLine } from './run-control.ts';
import { gracefulSignal, progressFor, type GlobalOptions } from '../run-output.ts';

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new FerryError('FERRY_INVALID_ARGUMENT', `${name} must be a whole number ≥ 1, got "${value}"`);
    return n;
  };
}

interface MigrateFlags {
  from: string;
  to: string;
  tables?: string[];
  exclude?: string[];
  parallel: number;
  chunkRows: number;
  replace: boolean;
  dryRun: boolean;
  queue: boolean;
}

export function printOutcome(outcome: RunOutcome, global: GlobalOptions): number {
  const ok = everyTableVerified(outcome.tables);
  if (global.json) {
    process.stdout.write(
      JSON.stringify({
        type: 'report',
        runId: outcome.runId,
        status: outcome.status,
        verified: ok,
        durationMs: outcome.durationMs,
        // maxRSS is in kilobytes: the process's peak resident memory, for `npm run bench`.
        peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
        tables: outcome.tables,
      }) + '\n',
    );
  } else {
    process.stdout.write(renderReport(`Run ${outcome.runId}: ${outcome.status}`, outcome.tables) + '\n');
    if (outcome.status === 'cancelled' || !ok) {
      process.stdout.write(`\nResume with: ferry resume ${outcome.runId}\n`);
    }
  }
  return ok && outcome.status !== 'cancelled' ? 0 : 1;
}

export function registerMigrateCommands(program: Command, global: () => GlobalOptions): void {
  program
    .command('migrate')
    .summary('copy a database into a tenant, then verify it')
    .description(
      'Copy every table of the source database into the target (a PostgreSQL schema or a SQLite file):\n' +
        'create the tables, load them in parallel chunks, add keys, indexes and foreign keys, then verify\n' +
        'each chunk by row count and checksum on both sides. Exit code 0 only when every table verified.\n\n' +
        'URLs:  mysql://user:pass@host:3306/db   postgres://user:pass@host:5432/db?schema=tenant_acme\n' +
        '       sqlite:path/to/file.db\n\n' +
        'Example:\n  ferry migrate --from mysql://root@localhost/crm --to "postgres://localhost/cloud?schema=tenant_acme" --parallel 4',
    )
    .requiredOption('--from <url>', 'source database URL (MySQL/MariaDB, PostgreSQL or SQLite)')
    .requiredOption('--to <url>', 'target URL (PostgreSQL with ?schema=, or SQLite)')
    .option('--tables <names>', 'only these tables (comma-separated, exact names)', list)
    .option('--exclude <names>', 'leave these tables out (comma-separated)', list)
    .option(
      '--parallel <n>',
      'chunks copied at once, each with its own connections',
      positiveInt('--parallel'),
      defaultRunOptions.parallel,
    )
    .option(
      '--chunk-rows <n>',
      'rows per chunk: the unit of resume and verification',
      positiveInt('--chunk-rows'),
      defaultRunOptions.chunkRows,
    )
    .option('--replace', 'drop target tables that the copy would create', false)
    .option('--dry-run', 'print the plan (tables, chunking, target DDL) and change nothing', false)
    .option(
      '--queue',
      'with --store postgres://…: create the run and hand it to the `ferry worker` processes instead of copying here',
      false,
    )
    .action(async (flags: MigrateFlags) => {
      const g = global();
      assertLocal(
        g,
        'migrate',
        'It copies between two URLs from this machine; through a server, run a migration: `ferry run MIGRATION --server URL`.',
      );
      const options: RunOptions = {
        ...defaultRunOptions,
        parallel: flags.parallel,
        chunkRows: flags.chunkRows,
        replace: flags.replace,
        ...(flags.tables === undefined ? {} : { tables: flags.tables }),
        ...(flags.exclude === undefined ? {} : { exclude: flags.exclude }),
      };
      if (flags.dryRun) {
        const plan = await planCopy(flags.from, flags.to, options);
        if (g.json) process.stdout.write(JSON.stringify(plan) + '\n');
        else {
          for (const t of plan.tables) {
            process.stdout.write(
              `-- ${t.target.name}${t.target.name === t.source.name ? '' : ` (from ${t.source.name})`}: ~${t.source.estimatedRows} rows, chunking ${t.chunking.kind}${t.copy ? '' : ' (NOT MIGRATED)'}\n`,
            );
            for (const n of t.notes) process.stdout.write(`--   ${n.level}: ${n.text}\n`);
            for (const s of [...t.ddl.create, ...t.ddl.keys, ...t.ddl.foreignKeys])
              process.stdout.write(`${s};\n`);
          }
        }
        return;
      }
      if (flags.queue) return queueCopyRun(flags, options, g);
      const store = await openStore(storeLocation(g));
      const progress = progressFor(g);
      const { signal, dispose } = gracefulSignal();
      try {
        const outcome = await startCopyRun({
          from: flags.from,
          to: flags.to,
          options,
          store,
          onEvent: progress.listener,
          signal,
          onRunCreated: (run) => {
            if (!g.json)
              process.stderr.write(`ferry: run ${run.id} started (resume with: ferry resume ${run.id})\n`);
          },
        });
        progress.stop();
        process.exitCode = printOutcome(outcome, g);
      } finally {
        progress.stop();
        dispose();
        await store.close();
      }
    });

  program
    .command('resume')
    .summary('continue a run that stopped, from its last checkpoint')
    .description(
      'Continue a run that was interrupted (killed, cancelled, failed): finished chunks are kept, a chunk\n' +
        'that was in flight is deleted on the target and copied again, so nothing is duplicated or missed.\n' +
        'With --server the server resumes it (POST /api/v1/runs/RUN/resume) and this command follows it.',
    )
    .argument('<run>', 'run id, as printed by `ferry migrate` or listed by `ferry runs`')
    .action(async (runId: string) => {
      const g = global();
      await withOperations(g, runOperations, async (ops) => {
        const progress = progressFor(g);
        const { signal, dispose } = gracefulSignal();
        try {
          const outcome = await ops.resume(runId, progress.listener, signal);
          progress.stop();
          process.exitCode = printOutcome(outcome, g);
        } finally {
          progress.stop();
          dispose();
        }
      });
    });

  program
    .command('verify')
    .summary('compare a source and a target table by table, writing nothing')
    .description(
      'Compare row counts and checksums of every table in chunks; a difference names the key range.',
    )
    .requiredOption('--from <url>', 'source database URL')
    .requiredOption('--to <url>', 'target database URL')
    .option('--tables <names>', 'only these tables', list)
    .option('--exclude <names>', 'leave these tables out', list)
    .option(
      '--parallel <n>',
      'chunks compared at once',
      positiveInt('--parallel'),
      defaultRunOptions.parallel,
    )
    .action(
      async (flags: {
        from: string;
        to: string;
        tables?: string[];
        exclude?: string[];
        parallel: number;
      }) => {
        const g = global();
        assertLocal(g, 'verify', 'It compares two databases this machine reaches; leave out --server.');
        const results: TableResult[] = await verifyDatabases({
          from: flags.from,
          to: flags.to,
          ...(flags.tables === undefined ? {} : { tables: flags.tables }),
          ...(flags.exclude === undefined ? {} : { exclude: flags.exclude }),
          parallel: flags.parallel,
          chunkRows: defaultRunOptions.chunkRows,
          onTable: (r) => {
            if (!g.json) process.stderr.write(`· ${r.table}: ${r.status}\n`);
          },
        });
        const ok = everyTableVerified(results);
        if (g.json)
          process.stdout.write(JSON.stringify({ type: 'verify', verified: ok, tables: results }) + '\n');
        else
          process.stdout.write(
            renderReport(
              ok ? 'Verified: source and target match' : 'Verification found differences',
              results,
            ) + '\n',
          );
        process.exitCode = ok ? 0 : 1;
      },
    );

  const runs = program
    .command('runs')
    .summary('list, inspect, pause, resume and cancel runs (locally or with --server)')
    .description(
      'Without a subcommand: the recent runs. `ferry runs show RUN` gives one run with its table results;\n' +
        '`ferry runs pause RUN` stops it at the next chunk boundary as `paused` (it keeps its migration);\n' +
        '`ferry runs resume RUN` continues it from its checkpoint; `ferry runs cancel RUN` ends it\n' +
        '(it stays resumable with `ferry resume`). They work wherever the run executes (another terminal, a\n' +
        'server, a worker): the request goes through the store.',
    );

  runs
    .command('list', { isDefault: true })
    .summary('recent runs, newest first')
    .option('--limit <n>', 'how many', positiveInt('--limit'), 20)
    .action(async (flags: { limit: number }) => {
      const g = global();
      await withOperations(g, runOperations, async (ops) => {
        const list = await ops.list(flags.limit);
        if (g.json) {
          process.stdout.write(JSON.stringify(list) + '\n');
          return;
        }
        for (const r of list)
          process.stdout.write(
            `${r.id}  ${r.status.padEnd(24)} ${r.createdAt}  ${r.source} → ${r.target}` +
              (r.lease == null ? '' : `  [worker ${r.lease.owner} ${r.lease.version ?? ''}]`) +
              '\n',
          );
        if (list.length === 0)
          process.stdout.write('no runs yet: start one with `ferry migrate --from URL --to URL`\n');
      });
    });

  runs
    .command('show')
    .summary('one run: status, step, times, error, and its table results')
    .argument('<run>', 'run id')
    .action(async (runId: string) => {
      const g = global();
      await withOperations(g, runOperations, async (ops) => {
        const run = await ops.show(runId);
        const throughput = await runThroughput(g, runId);
        if (g.json) process.stdout.write(JSON.stringify({ type: 'run', ...run, throughput }) + '\n');
        else process.stdout.write([...runDetailLines(run), throughputLine(throughput)].join('\n') + '\n');
      });
    });

  runs
    .command('cancel')
    .summary('stop a run at the next chunk boundary (a paused run is cancelled at once)')
    .argument('<run>', 'run id')
    .action(async (runId: string) => {
      const g = global();
      await withOperations(g, runOperations, async (ops) => {
        const answer = await ops.cancel(runId);
        if (g.json) process.stdout.write(JSON.stringify({ type: 'run-cancel', ...answer }) + '\n');
        else
          process.stdout.write(
            answer.outcome === 'cancelled'
              ? `Run ${runId} cancelled.\n`
              : `Run ${runId} stops at the next chunk boundary (watch it with: ferry runs show ${runId}).\n`,
          );
      });
    });

  registerRunControlCommands(runs, global);
}

/** `ferry runs show`: the run's facts, then the usual report of its tables. */
function runDetailLines(run: RunDetail): string[] {
  return [
    `Run ${run.id} (${run.kind}): ${run.status}, step ${run.step}`,
    `  source    ${run.source}`,
    `  target    ${run.target}`,
    `  created   ${run.createdAt}; started ${run.startedAt ?? 'not yet'}; finished ${run.finishedAt ?? 'not yet'}`,
    `  chunks    ${run.chunks.verified} of ${run.chunks.total} verified`,
    ...(run.error === null ? [] : [`  error     ${run.error.message} [${run.error.code}]`]),
    '',
    renderReport('Tables', run.tables),
  ];
}

/** `ferry migrate --queue`: create the run (status queued) and submit it to the workers' queue. */
async function queueCopyRun(flags: MigrateFlags, options: RunOptions, g: GlobalOptions): Promise<void> {
  if (g.store === undefined)
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      '--queue needs the PostgreSQL store the workers share: pass --store postgres://… (or set FERRY_STORE)',
    );
  const store = await openStore(storeLocation(g));
  try {
    const { PgBossQueue } = await import('../../queue/pg-boss-queue.ts');
    const queue = await PgBossQueue.open({ url: g.store, supervise: false });
    try {
      const run = await createCopyRun({ from: flags.from, to: flags.to, options, store });
      await queueRun(store, queue, run.id);
      if (g.json)
        process.stdout.write(
          JSON.stringify({ type: 'run-queued', runId: run.id, status: run.status }) + '\n',
        );
      else {
        process.stdout.write(`${run.id}\n`);
        process.stderr.write(
          `ferry: run ${run.id} queued; a \`ferry worker\` takes it (watch it with: ferry runs)\n`,
        );
      }
    } finally {
      await queue.stop({ graceful: false });
    }
  } finally {
    await store.close();
  }
}
