// `ferry runs pause RUN`, `ferry runs resume RUN`, and the throughput part of `ferry runs show`:
// controlling a run that may execute in another process (another terminal, a server, a worker).
// Local: the request goes through the store (services/run-control.ts); with --server, through the
// API. Either way the process executing the run honours it at the next chunk boundary.

import type { Command } from 'commander';
import type { RunEventListener } from '../../engine/events.ts';
import type { RunOutcome } from '../../engine/execute-run.ts';
import { clearRunRequest, listThroughput, requestPause } from '../../services/run-control.ts';
import type { ThroughputSample } from '../../store/run-control-repository.ts';
import { formatBytes, formatCount } from '../format.ts';
import type { OperationsFactory } from '../remote/operations.ts';
import { withOperations } from '../remote/operations.ts';
import { runOperations } from '../remote/run-operations.ts';
import { gracefulSignal, progressFor, type GlobalOptions } from '../run-output.ts';
import { printOutcome } from './migrate.ts';

export interface RunControlOperations {
  pause(runId: string): Promise<void>;
  /** Continue from the checkpoint, in this process (local) or in the server (followed here). */
  resume(runId: string, onEvent: RunEventListener, signal: AbortSignal): Promise<RunOutcome>;
  throughput(runId: string): Promise<ThroughputSample[]>;
}

export const runControlOperations: OperationsFactory<RunControlOperations> = {
  local: (cp) => ({
    async pause(runId) {
      await requestPause(cp.store, runId);
    },
    async resume(runId, onEvent, signal) {
      // A request nobody honoured (the run's process was gone) must not stop the resumed run at once.
      await clearRunRequest(cp.store, runId);
      return runOperations.local(cp).resume(runId, onEvent, signal);
    },
    throughput: (runId) => listThroughput(cp.store, runId),
  }),
  remote: (api) => ({
    async pause(runId) {
      await api.post(`/runs/${encodeURIComponent(runId)}/pause`);
    },
    resume: (runId, onEvent, signal) => runOperations.remote(api).resume(runId, onEvent, signal),
    async throughput(runId) {
      const answer = await api.get<{ samples: ThroughputSample[] }>(
        `/runs/${encodeURIComponent(runId)}/throughput`,
      );
      return answer.samples;
    },
  }),
};

export interface ThroughputSummary {
  samples: number;
  rowsDone: number;
  bytesDone: number;
  peakRowsPerSecond: number;
  /** Rows per second over the sampled time, null with fewer than two samples. */
  averageRowsPerSecond: number | null;
}

export function summarizeThroughput(samples: ThroughputSample[]): ThroughputSummary {
  const first = samples[0];
  const last = samples[samples.length - 1];
  const seconds =
    first === undefined || last === undefined ? 0 : (Date.parse(last.at) - Date.parse(first.at)) / 1000;
  return {
    samples: samples.length,
    rowsDone: last?.rowsDone ?? 0,
    bytesDone: last?.bytesDone ?? 0,
    peakRowsPerSecond: Math.max(0, ...samples.map((s) => s.rowsPerSecond)),
    averageRowsPerSecond:
      first === undefined || last === undefined || seconds <= 0
        ? null
        : Math.round((last.rowsDone - first.rowsDone) / seconds),
  };
}

/** The line `ferry runs show` prints under the run's facts. */
export function throughputLine(summary: ThroughputSummary): string {
  if (summary.samples === 0) return '  throughput no samples (the run copied nothing yet)';
  return (
    `  throughput ${formatCount(summary.rowsDone)} rows, ${formatBytes(summary.bytesDone)} done; ` +
    `peak ${formatCount(Math.round(summary.peakRowsPerSecond))} rows/s` +
    (summary.averageRowsPerSecond === null
      ? ''
      : `, average ${formatCount(summary.averageRowsPerSecond)} rows/s`) +
    ` (${summary.samples} samples)`
  );
}

export function registerRunControlCommands(runs: Command, global: () => GlobalOptions): void {
  runs
    .command('pause')
    .summary('pause a running run at the next chunk boundary, wherever it executes')
    .description(
      'Ask the process executing RUN (a `ferry run`/`ferry migrate` in another terminal, a server, a worker)\n' +
        'to stop taking chunks: the chunks in flight finish and are checkpointed, then the run is `paused`.\n' +
        'A paused run keeps its migration (no other run starts) until `ferry runs resume RUN` continues it\n' +
        'from the checkpoint, or `ferry runs cancel RUN` ends it. Answers at once; watch with `ferry runs show RUN`.',
    )
    .argument('<run>', 'run id')
    .action(async (runId: string) => {
      const g = global();
      await withOperations(g, runControlOperations, async (ops) => {
        await ops.pause(runId);
        if (g.json)
          process.stdout.write(JSON.stringify({ type: 'run-pause', runId, requested: 'pause' }) + '\n');
        else
          process.stdout.write(
            `Run ${runId} pauses at the next chunk boundary (watch it with: ferry runs show ${runId}).\n`,
          );
      });
    });

  runs
    .command('resume')
    .summary('continue a paused (or stopped) run from its checkpoint')
    .description(
      'Continue RUN from its last checkpoint: chunks already copied are kept, the rest are copied, then keys\n' +
        'and verification. Locally the run executes in this process (Ctrl-C stops it at a chunk boundary);\n' +
        'with --server the server executes it and this command follows its progress.',
    )
    .argument('<run>', 'run id')
    .action(async (runId: string) => {
      const g = global();
      await withOperations(g, runControlOperations, async (ops) => {
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
}

/** Throughput of a run for `ferry runs show` (local or remote). */
export function runThroughput(g: GlobalOptions, runId: string): Promise<ThroughputSummary> {
  return withOperations(g, runControlOperations, async (ops) =>
    summarizeThroughput(await ops.throughput(runId)),
  );
}
