// What `ferry run`, `ferry resume` and `ferry runs …` do, locally (the run executes in this process,
// on the store named by --home/--store) or through a Ferry server (the run executes in the server;
// its Server-Sent Events feed the same progress renderer, its record gives the same report).

import { randomUUID } from 'node:crypto';
import { FerryError } from '../../domain/errors.ts';
import type { RunKind } from '../../domain/migration-rules.ts';
import type { TableResult } from '../../domain/table-result.ts';
import type { RunEventListener } from '../../engine/events.ts';
import type { RunOutcome } from '../../engine/execute-run.ts';
import type { RunRecord } from '../../engine/run-store.ts';
import type { ControlPlane } from '../../services/control-plane.ts';
import { resumeCopyRun } from '../../services/copy-runs.ts';
import { resumeMigrationRun, startMigrationRun } from '../../services/migration-runs.ts';
import type { RunKindChoice } from '../../services/run-kind-choice.ts';
import { requestCancel, type CancelAnswer } from '../../services/run-control.ts';
import type { UploadReport } from '../../storage/upload-documents.ts';
import type { ApiClient } from './api-client.ts';
import type { OperationsFactory } from './operations.ts';
import { followRun, type RemoteRun } from './run-follower.ts';

export interface StartRunRequest {
  migrationId: string;
  kind?: RunKind;
  parallel?: number;
  onEvent: RunEventListener;
  /** The first Ctrl-C: stop at the next chunk boundary (locally, or by asking the server). */
  signal: AbortSignal;
  onKindChosen(choice: RunKindChoice): void;
  onRunCreated(runId: string): void;
}

export interface StartedRun {
  outcome: RunOutcome;
  /** The document upload, as the local run reports it; the API does not carry it (null). */
  documents: UploadReport | null;
  /** Set when the run ended with an error of its own (the gate, a post-load step). */
  error: { code: string; message: string } | null;
}

/** One line of `ferry runs` (list). */
export interface RunListEntry {
  id: string;
  kind: string;
  status: string;
  step: string;
  source: string;
  target: string;
  createdAt: string;
  finishedAt: string | null;
  /** The worker holding the run (scale-out); the API does not expose leases, so null remotely. */
  lease: RunRecord['lease'] | null;
}

/** `ferry runs show RUN`: the run with its table results. */
export interface RunDetail {
  id: string;
  kind: string;
  status: string;
  step: string;
  source: string;
  target: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
  tables: TableResult[];
  chunks: { total: number; verified: number };
}

export interface RunOperations {
  start(request: StartRunRequest): Promise<StartedRun>;
  resume(runId: string, onEvent: RunEventListener, signal: AbortSignal): Promise<RunOutcome>;
  list(limit: number): Promise<RunListEntry[]>;
  show(runId: string): Promise<RunDetail>;
  cancel(runId: string): Promise<CancelAnswer>;
}

function local(cp: ControlPlane): RunOperations {
  const { store } = cp;
  return {
    async start(request) {
      const outcome = await startMigrationRun({
        cp,
        migrationId: request.migrationId,
        ...(request.kind === undefined ? {} : { kind: request.kind }),
        ...(request.parallel === undefined ? {} : { parallel: request.parallel }),
        onEvent: request.onEvent,
        signal: request.signal,
        onKindChosen: request.onKindChosen,
        onRunCreated: request.onRunCreated,
      });
      return { outcome, documents: outcome.documents, error: null };
    },
    async resume(runId, onEvent, signal) {
      const run = await store.getRun(runId);
      // A migration's run resumes through its gate (license binding, one run at a time).
      return run?.migrationId === null || run === null
        ? resumeCopyRun({ runId, store, onEvent, signal })
        : resumeMigrationRun(cp, runId, onEvent, signal);
    },
    async list(limit) {
      return (await store.listRuns(limit)).map((r) => ({
        id: r.id,
        kind: r.kind,
        status: r.status,
        step: r.step,
        source: r.sourceLocation,
        target: r.targetLocation,
        createdAt: r.createdAt,
        finishedAt: r.finishedAt,
        lease: r.lease ?? null,
      }));
    },
    async show(runId) {
      const run = await store.getRun(runId);
      if (run === null) throw new FerryError('FERRY_RUN_NOT_FOUND', `there is no run ${runId}`);
      const chunks = await store.listChunks(runId);
      return {
        id: run.id,
        kind: run.kind,
        status: run.status,
        step: run.step,
        source: run.sourceLocation,
        target: run.targetLocation,
        createdAt: run.createdAt,
        startedAt: run.startedAt,
        finishedAt: run.finishedAt,
        error: run.error,
        tables: await store.listTableResults(runId),
        chunks: { total: chunks.length, verified: chunks.filter((c) => c.status === 'verified').length },
      };
    },
    cancel: (runId) => requestCancel(cp, runId),
  };
}

function remote(api: ApiClient): RunOperations {
  const r = (id: string) => `/runs/${encodeURIComponent(id)}`;
  return {
    async start(request) {
      if (request.parallel !== undefined)
        throw new FerryError(
          'FERRY_INVALID_ARGUMENT',
          '--parallel is not taken with --server: the server runs with its own setting; leave it out',
        );
      // One key per invocation: a retried request answers with the same run instead of a second one.
      const started = await api.post<{
        runId: string;
        kind?: RunKind;
        reason?: string;
        alternatives?: RunKindChoice['alternatives'];
      }>(
        `/migrations/${encodeURIComponent(request.migrationId)}/runs`,
        request.kind === undefined ? {} : { kind: request.kind },
        { headers: { 'idempotency-key': randomUUID() } },
      );
      if (started.kind !== undefined && started.reason !== undefined)
        request.onKindChosen({
          kind: started.kind,
          reason: started.reason,
          alternatives: started.alternatives ?? [],
        });
      request.onRunCreated(started.runId);
      const followed = await followRun(api, started.runId, request.onEvent, request.signal);
      const { error, ...outcome } = followed;
      return { outcome, documents: null, error };
    },
    async resume(runId, onEvent, signal) {
      await api.post(`${r(runId)}/resume`);
      const { error: _error, ...outcome } = await followRun(api, runId, onEvent, signal);
      return outcome;
    },
    async list(limit) {
      const runs = await api.get<Omit<RemoteRun, 'tables' | 'chunks'>[]>('/runs', { query: { limit } });
      return runs.map((run) => ({
        id: run.id,
        kind: run.kind,
        status: run.status,
        step: run.step,
        source: run.source,
        target: run.target,
        createdAt: run.createdAt,
        finishedAt: run.finishedAt,
        lease: null,
      }));
    },
    async show(runId) {
      const run = await api.get<RemoteRun>(r(runId));
      return {
        id: run.id,
        kind: run.kind,
        status: run.status,
        step: run.step,
        source: run.source,
        target: run.target,
        createdAt: run.createdAt,
        startedAt: run.startedAt,
        finishedAt: run.finishedAt,
        error: run.error,
        tables: run.tables,
        chunks: run.chunks,
      };
    },
    async cancel(runId) {
      const answer = await api.post<{ runId: string; outcome?: CancelAnswer['outcome'] }>(
        `${r(runId)}/cancel`,
      );
      return { runId: answer.runId, outcome: answer.outcome ?? 'cancel-requested' };
    },
  };
}

export const runOperations: OperationsFactory<RunOperations> = { local, remote };
