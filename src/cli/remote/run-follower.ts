// Following a run that executes in a Ferry server: its Server-Sent Events
// (GET /api/v1/runs/:runId/events) feed the same progress renderer a local `ferry run` uses, and the
// outcome is read back from the server's run record once the server is done with the run (its gate
// has moved the migration on), so the report and the exit code are the local ones.

import { setTimeout as delay } from 'node:timers/promises';
import type { RunStatus } from '../../domain/run-status.ts';
import type { TableResult } from '../../domain/table-result.ts';
import type { RunEvent, RunEventListener } from '../../engine/events.ts';
import type { RunOutcome } from '../../engine/execute-run.ts';
import type { ApiClient } from './api-client.ts';

/** GET /api/v1/runs/:runId (src/api/routes/runs.ts). */
export interface RemoteRun {
  id: string;
  kind: string;
  status: RunStatus;
  step: string;
  source: string;
  target: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
  /** Executing in the server right now (its gate included). */
  active: boolean;
  tables: TableResult[];
  chunks: { total: number; verified: number };
}

export interface FollowedRun extends RunOutcome {
  error: RemoteRun['error'];
}

/** While a run is queued or running (or the server still holds it) there is more to wait for. */
function settled(run: RemoteRun): boolean {
  return !run.active && run.status !== 'queued' && run.status !== 'running';
}

/** Waits `ms`, or less when `signal` aborts first. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal === undefined ? {} : { signal }).catch(() => undefined);
}

/** Parses a text/event-stream body into its events' data (comments and keep-alives skipped). */
export async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: RegExpExecArray | null;
    while ((end = /\r?\n\r?\n/.exec(buffer)) !== null) {
      const block = buffer.slice(0, end.index);
      buffer = buffer.slice(end.index + end[0].length);
      const data = block
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''));
      if (data.length > 0) yield data.join('\n');
    }
  }
}

/**
 * Streams the run's events into `onEvent` until it finishes, then answers its outcome. `signal`
 * (the first Ctrl-C) asks the server to cancel the run at the next chunk boundary; following goes
 * on until the server reports the run stopped. A run executed elsewhere (a `ferry worker`) sends
 * no events through this server: the run record, polled every two seconds, says when it ended.
 */
export async function followRun(
  api: ApiClient,
  runId: string,
  onEvent: RunEventListener,
  signal: AbortSignal,
): Promise<FollowedRun> {
  const streaming = new AbortController();
  let finishedEvent: Extract<RunEvent, { type: 'run-finished' }> | null = null;
  const onAbort = () => {
    process.stderr.write(`ferry: asking ${api.printableUrl} to stop run ${runId} at the next chunk\n`);
    api.post(`/runs/${runId}/cancel`).catch((error: unknown) => {
      process.stderr.write(`ferry: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  };
  signal.addEventListener('abort', onAbort, { once: true });

  const stream = (async () => {
    try {
      const response = await api.stream(`/runs/${runId}/events`, streaming.signal);
      if (response.body === null) return;
      for await (const data of serverSentEvents(response.body)) {
        const event = JSON.parse(data) as RunEvent;
        onEvent(event);
        if (event.type === 'run-finished') {
          finishedEvent = event;
          return;
        }
      }
    } catch (error) {
      if (!streaming.signal.aborted) throw error;
    }
  })();
  const poll = (async () => {
    while (!streaming.signal.aborted) {
      await sleep(2000, streaming.signal);
      if (streaming.signal.aborted) return;
      if (settled(await api.get<RemoteRun>(`/runs/${runId}`))) {
        // Give the stream a moment to deliver the last events before it is closed.
        await sleep(1000, streaming.signal);
        streaming.abort();
      }
    }
  })();
  try {
    await Promise.race([stream, poll]);
    await stream;
  } finally {
    streaming.abort();
    signal.removeEventListener('abort', onAbort);
    await poll.catch(() => undefined);
  }

  // After the engine's last event the server still releases the migration (the gate); wait for it.
  let run = await api.get<RemoteRun>(`/runs/${runId}`);
  for (let i = 0; i < 600 && !settled(run); i++) {
    await sleep(250);
    run = await api.get<RemoteRun>(`/runs/${runId}`);
  }
  const finished = finishedEvent as Extract<RunEvent, { type: 'run-finished' }> | null;
  const durationMs =
    finished?.durationMs ??
    (run.startedAt !== null && run.finishedAt !== null
      ? Date.parse(run.finishedAt) - Date.parse(run.startedAt)
      : 0);
  return { runId, status: run.status, tables: run.tables, durationMs, error: run.error };
}
