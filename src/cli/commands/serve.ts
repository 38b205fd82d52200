// `ferry serve`: the HTTP API (and, later, the console) on one port.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { FerryError } from '../../domain/errors.ts';
import { verifyOperatorToken } from '../../services/tokens.ts';
import { openStore } from '../../store/open-store.ts';
import { registryProfiles, storeLocation } from '../control-plane-session.ts';
import type { GlobalOptions } from '../run-output.ts';
import type { ControlPlane } from '../../services/control-plane.ts';
import type { RunLauncher } from '../../services/run-launcher.ts';
import { startHeartbeat } from '../../services/process-heartbeats.ts';
import { Scheduler } from '../../services/scheduler.ts';

export function ferryVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new FerryError('FERRY_INVALID_ARGUMENT', `--port must be 0…65535, got "${value}"`);
  return n;
}

/**
 * The scheduler of `ferry serve` and `ferry worker`: due occurrences start incremental runs through
 * `launcher` (the API's path); each start or skip is printed (a JSON line with --json).
 */
export function startScheduler(cp: ControlPlane, launcher: RunLauncher, g: GlobalOptions): Scheduler {
  const scheduler = new Scheduler({
    cp,
    startRun: (migrationId, idempotencyKey) =>
      launcher.startForMigration(cp, { migrationId, kind: 'incremental', idempotencyKey }),
    onEvent: (event) => {
      if (g.json) process.stdout.write(JSON.stringify(event) + '\n');
      else if (event.type === 'schedule-started')
        process.stderr.write(
          `ferry: scheduled run ${event.runId} of ${event.migrationId} started (due ${event.dueAt})\n`,
        );
      else if (event.type === 'schedule-skipped')
        process.stderr.write(
          `ferry: scheduled run of ${event.migrationId} (due ${event.dueAt}) skipped: ${event.reason}\n`,
        );
      else process.stderr.write(`ferry: scheduler: ${event.code}: ${event.message}\n`);
    },
  });
  scheduler.start();
  return scheduler;
}

export function registerServeCommand(program: Command, global: () => GlobalOptions): void {
  program
    .command('serve')
    .summary('start the HTTP API')
    .description(
      'Serve the REST API under /api/v1 (OpenAPI document at /api/v1/openapi.json, explorer at\n' +
        '/api/v1/docs, live run progress as Server-Sent Events). Every endpoint needs a bearer token:\n' +
        'create one with `ferry token create --name NAME`.\n\n' +
        'Where runs execute: with the SQLite store (a Ferry home), runs started through the API execute\n' +
        'in this process, and Ctrl-C lets them reach a chunk boundary. With the PostgreSQL store\n' +
        '(--store postgres://…), runs started through the API or by the scheduler, and company\n' +
        'initializations, are created here and executed by `ferry worker` processes (at least one must\n' +
        'run; any number, on any machine); their live progress streams from here all the same.\n\n' +
        'It also runs the scheduler: due `ferry migration schedule` occurrences start incremental runs\n' +
        '(several servers and workers sharing a store start each occurrence once).',
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', port, 7070)
    .option('--no-scheduler', 'do not start scheduled runs in this process')
    .action(async (flags: { host: string; port: number; scheduler: boolean }) => {
      const g = global();
      const store = await openStore(storeLocation(g));
      const cp = { store, profiles: registryProfiles };
      // Loaded here, not at start-up: Fastify and the API's schemas would slow every other command.
      const { buildServer } = await import('../../api/server.ts');
      // With the PostgreSQL store, runs and company initializations go to `ferry worker` processes (pg-boss).
      const jobs =
        store.kind === 'postgres' && g.store !== undefined
          ? await (
              await import('../../queue/pg-boss-queue.ts')
            ).PgBossQueue.open({ url: g.store, supervise: false })
          : undefined;
      const server = await buildServer({
        ...(jobs === undefined ? {} : { jobs }),
        store,
        controlPlane: cp,
        version: ferryVersion(),
        logger: !g.json,
        tokens: { verify: async (token) => verifyOperatorToken(cp, token) },
      });
      const scheduler = flags.scheduler ? startScheduler(cp, server.launcher, g) : null;
      const address = await server.app.listen({ host: flags.host, port: flags.port });
      // Workers compare their version with the servers' (check for update).
      const heartbeat = await startHeartbeat(store, {
        id: `server-${hostname()}-${process.pid}`,
        role: 'server',
      });
      if (g.json) process.stdout.write(JSON.stringify({ type: 'listening', url: address }) + '\n');
      else process.stderr.write(`ferry: API on ${address}/api/v1 — explorer: ${address}/api/v1/docs\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      process.stderr.write('ferry: stopping; runs in flight finish their current chunks\n');
      await scheduler?.stop();
      await heartbeat.stop();
      await server.close();
      await jobs?.stop({ graceful: false });
      await store.close();
    });
}
