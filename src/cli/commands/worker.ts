// `ferry worker`: takes runs from the PostgreSQL store's job queue and executes them, under a
// lease, until stopped. Any number of workers on any number of machines share the queue.

import { hostname } from 'node:os';
import type { Command } from 'commander';
import { FerryError } from '../../domain/errors.ts';
import type { PgBossQueue } from '../../queue/pg-boss-queue.ts';
import { defaultLeaseMs, RunWorker, type WorkerEvent } from '../../services/run-worker.ts';
import { startHeartbeat, workerUpdateCheck } from '../../services/process-heartbeats.ts';
import { controlPlaneVersion } from '../../services/update-check.ts';
import { RunEventBus } from '../../services/run-events.ts';
import { RunLauncher } from '../../services/run-launcher.ts';
import { startScheduler } from './serve.ts';
import { openStore } from '../../store/open-store.ts';
import { registryProfiles, storeLocation } from '../control-plane-session.ts';
import type { GlobalOptions } from '../run-output.ts';

interface WorkerFlags {
  concurrency: number;
  workerId?: string;
  leaseSeconds: number;
  pollSeconds: number;
  stopTimeoutSeconds: number;
  scheduler: boolean;
}

function positiveNumber(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min)
      throw new FerryError('FERRY_INVALID_ARGUMENT', `${name} must be a number ≥ ${min}, got "${value}"`);
    return n;
  };
}

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new FerryError('FERRY_INVALID_ARGUMENT', `${name} must be a whole number ≥ 1, got "${value}"`);
    return n;
  };
}

/** One line per event that matters to an operator watching a worker; --json prints every event. */
function describeEvent(e: WorkerEvent): string | null {
  const who = `${e.worker}:`;
  switch (e.type) {
    case 'worker-started':
      return `${who} ferry ${e.version} taking runs from the ${e.queue} queue, ${e.concurrency} at a time (Ctrl-C stops gracefully)`;
    case 'run-claimed':
      return `${who} run ${e.runId} claimed (${e.status}, step ${e.step}, ${e.chunksDone}/${e.chunksTotal} chunks already copied)`;
    case 'run-skipped':
      return `${who} run ${e.runId} skipped: ${e.reason}`;
    case 'run-released':
      return `${who} run ${e.runId} released (${e.status})`;
    case 'run-requeued':
      return `${who} run ${e.runId} queued again (${e.reason === 'shutdown' ? 'this worker is stopping' : 'its lease expired: its worker is gone'})`;
    case 'lease-lost':
      return `${who} run ${e.runId}: lease lost to another worker, stopping it here`;
    case 'run-error':
      return `${who} ${e.runId === '' ? '' : `run ${e.runId}: `}${e.code}: ${e.message}`;
    case 'worker-stopped':
      return `${who} stopped`;
    case 'run-started':
      return `${who} run ${e.runId} copying ${e.tables.length} table(s) ${e.source} → ${e.target}`;
    case 'step':
      return e.step === 'keys' ? null : `${who} run ${e.runId} step ${e.step}`;
    case 'table-copied':
      return `${who} run ${e.runId} table ${e.table} copied (${e.chunks} chunks)`;
    case 'table-failed':
      return `${who} run ${e.runId} table ${e.table} failed: ${e.code}: ${e.message}`;
    case 'run-finished':
      return `${who} run ${e.runId} finished: ${e.status} in ${(e.durationMs / 1000).toFixed(1)} s`;
    case 'progress':
    case 'chunk-copied':
    case 'chunk-verified':
      return null;
    default: {
      const never: never = e;
      return never;
    }
  }
}

export function registerWorkerCommand(program: Command, global: () => GlobalOptions): void {
  program
    .command('worker')
    .summary('take runs from the PostgreSQL store’s queue and execute them, until stopped')
    .description(
      'A worker process for the scale-out setup: the control plane in PostgreSQL (--store), jobs shared\n' +
        'through pg-boss (schema ferry_jobs). Start any number of workers on any number of machines; each\n' +
        'claims a run with a lease, renews it while copying, and releases it at the end. When a worker dies,\n' +
        'its lease expires and another worker finishes the run from its last checkpoint.\n\n' +
        'Ctrl-C or SIGTERM stops gracefully: no new runs, the current ones stop after their chunks in flight\n' +
        'and go back to the queue for another worker. A second Ctrl-C exits at once (the lease then expires).\n\n' +
        'Submit runs with `ferry migrate --queue …`; `ferry runs` shows which worker holds each run.\n\n' +
        'Example:\n  ferry worker --store postgres://ferry@db.internal/ferry --concurrency 2 --worker-id "$(hostname)-1"',
    )
    .option('--concurrency <n>', 'runs executed at once', positiveInt('--concurrency'), 1)
    .option('--no-scheduler', 'do not start scheduled runs in this worker')
    .option('--worker-id <name>', 'this worker’s name in leases and logs (default HOST-PID)')
    .option(
      '--lease-seconds <s>',
      'how long a run stays with this worker without renewal: a dead worker’s run waits this long',
      positiveNumber('--lease-seconds', 1),
      defaultLeaseMs / 1000,
    )
    .option(
      '--poll-seconds <s>',
      'how often an idle worker asks for a run',
      positiveNumber('--poll-seconds', 0.5),
      1,
    )
    .option(
      '--stop-timeout-seconds <s>',
      'on Ctrl-C/SIGTERM, how long to wait for the chunks in flight',
      positiveNumber('--stop-timeout-seconds', 1),
      30,
    )
    .action(async (flags: WorkerFlags) => {
      const g = global();
      if (g.store === undefined)
        throw new FerryError(
          'FERRY_INVALID_ARGUMENT',
          'ferry worker needs the PostgreSQL store that the workers share: pass --store postgres://… (or set FERRY_STORE); ' +
            'with the SQLite store in a Ferry home, runs execute in the process that starts them',
        );
      const workerId = flags.workerId ?? `${hostname()}-${process.pid}`;
      const print = (event: WorkerEvent) => {
        if (g.json) process.stdout.write(JSON.stringify(event) + '\n');
        else {
          const line = describeEvent(event);
          if (line !== null) process.stdout.write(line + '\n');
        }
      };
      const store = await openStore(storeLocation(g));
      let queue: PgBossQueue;
      try {
        if (store.kind !== 'postgres')
          throw new FerryError(
            'FERRY_INVALID_ARGUMENT',
            'ferry worker needs a PostgreSQL store (postgres://…)',
          );
        const { PgBossQueue: Queue } = await import('../../queue/pg-boss-queue.ts');
        queue = await Queue.open({
          url: g.store,
          pollingIntervalSeconds: flags.pollSeconds,
          onError: (error) => print({ type: 'run-error', worker: workerId, runId: '', ...queueError(error) }),
        });
      } catch (error) {
        await store.close();
        throw error;
      }
      const worker = new RunWorker({
        store,
        queue,
        controlPlane: { store, profiles: registryProfiles },
        workerId,
        version: controlPlaneVersion(),
        leaseMs: flags.leaseSeconds * 1000,
        onEvent: print,
      });
      // Seen by `check for update`; a worker older than the live servers says so before it works.
      const heartbeat = await startHeartbeat(store, { id: workerId, role: 'worker' });
      const outdated = await workerUpdateCheck(store).catch(() => null);
      if (outdated !== null) {
        if (g.json)
          process.stdout.write(
            JSON.stringify({ type: 'update-available', worker: workerId, ...outdated }) + '\n',
          );
        else process.stderr.write(`ferry: ${workerId}: ${outdated.message}\n`);
      }
      let signals = 0;
      const stopRequested = new Promise<void>((resolve) => {
        const onSignal = () => {
          signals++;
          if (signals === 1) {
            if (!g.json)
              process.stderr.write(
                `\nferry: ${workerId} stopping after the chunks in flight; press Ctrl-C again to stop at once\n`,
              );
            resolve();
          } else process.exit(130);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      // Scheduled runs start in this worker too (each occurrence once across servers and workers).
      const cp = { store, profiles: registryProfiles };
      // Through the queue, like the server's: a scheduled run survives the death of this worker.
      const launcher = new RunLauncher(store, new RunEventBus(), cp, { queue });
      const scheduler = flags.scheduler ? startScheduler(cp, launcher, g) : null;
      try {
        await worker.start(flags.concurrency);
        await stopRequested;
        await scheduler?.stop();
        await Promise.all([
          worker.stop({ graceful: true, timeoutMs: flags.stopTimeoutSeconds * 1000 }),
          launcher.shutdown(),
        ]);
      } finally {
        await scheduler?.stop();
        await heartbeat.stop();
        await store.close();
      }
      process.exitCode = 0;
    });
}

function queueError(error: unknown): { code: string; message: string } {
  return {
    code: 'FERRY_QUEUE',
    message: error instanceof Error ? error.message : String(error),
  };
}
