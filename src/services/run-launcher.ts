// Starts copy runs in the background of a long-lived process (the API server), publishes their
// events to the bus, and keeps a handle to cancel them. The CLI runs in the foreground instead.
// Pause and cancel requests from other processes reach the runs through the store (run-control.ts).

import { FerryError } from '../domain/errors.ts';
import { isFinished } from '../domain/run-status.ts';
import type { RunOutcome } from '../engine/execute-run.ts';
import type { RunEvent, RunEventListener } from '../engine/events.ts';
import type { RunOptions, RunStore } from '../engine/run-store.ts';
import type { RunKind } from '../domain/migration-rules.ts';
import type { ControlPlane } from './control-plane.ts';
import { resumeCopyRun, startCopyRun } from './copy-runs.ts';
import type { RunKindChoice, RunKindOption } from './run-kind-choice.ts';
import { resumeMigrationRun, startMigrationRun } from './migration-runs.ts';
import { clearRunRequest } from './run-control.ts';
import { idempotentRun } from './run-idempotency.ts';
import { Store } from '../store/open-store.ts';
import type { RunEventBus } from './run-events.ts';

interface LaunchHooks {
  onEvent: RunEventListener;
  signal: AbortSignal;
  onRunCreated: (run: { id: string }) => Promise<void>;
}

export interface LaunchCopyRunInput {
  from: string;
  to: string;
  options: RunOptions;
  idempotencyKey?: string;
}

export class RunLauncher {
  private readonly active = new Map<
    string,
    { controller: AbortController; done: Promise<RunOutcome | null> }
  >();

  constructor(
    private readonly store: RunStore,
    private readonly bus: RunEventBus,
    /** Needed to resume runs of a migration through their gate, and for pause/cancel requests. */
    private readonly controlPlane: ControlPlane | null = null,
  ) {}

  /** Resolves with the run id once the run exists (its copy goes on in the background). */
  start(input: LaunchCopyRunInput): Promise<{ runId: string; created: boolean }> {
    return this.launch('POST /api/v1/runs', input.idempotencyKey, (hooks) =>
      startCopyRun({ from: input.from, to: input.to, options: input.options, store: this.store, ...hooks }),
    );
  }

  /** A run of a migration, through its gate; resolves once the run exists. */
  startForMigration(
    cp: ControlPlane,
    input: { migrationId: string; kind?: RunKind; idempotencyKey?: string },
  ): Promise<{
    runId: string;
    created: boolean;
    kind?: RunKind;
    reason?: string;
    alternatives?: RunKindOption[];
  }> {
    let chosen: RunKindChoice | undefined;
    const scope = `POST /api/v1/migrations/${input.migrationId}/runs`;
    return this.launch(scope, input.idempotencyKey, (hooks) =>
      startMigrationRun({
        cp,
        migrationId: input.migrationId,
        ...(input.kind === undefined ? {} : { kind: input.kind }),
        onEvent: hooks.onEvent,
        signal: hooks.signal,
        onKindChosen: (choice) => (chosen = choice),
        onRunCreated: (runId) => hooks.onRunCreated({ id: runId }),
      }),
    ).then((result) => ({ ...result, ...(chosen ?? {}) }));
  }

  /**
   * Starts `run` in the background and resolves once its run exists. With an idempotency key, the
   * same key in the same scope always answers with the same run, even for concurrent requests
   * (run-idempotency.ts: the key is reserved before the run is created).
   */
  private async launch(
    scope: string,
    idempotencyKey: string | undefined,
    run: (hooks: LaunchHooks) => Promise<RunOutcome>,
  ): Promise<{ runId: string; created: boolean }> {
    if (idempotencyKey === undefined) return this.launchNow(run, () => Promise.resolve());
    if (!(this.store instanceof Store)) {
      // An engine-only store (tests of the launcher): the key remembered once the run exists.
      const existing = await this.store.runForIdempotencyKey(idempotencyKey);
      if (existing !== null) return { runId: existing, created: false };
      return this.launchNow(run, (runId) => this.store.rememberIdempotencyKey(idempotencyKey, runId));
    }
    // Keys recorded before migration 0013 (run_requests) still answer.
    const legacy = await this.store.runForIdempotencyKey(idempotencyKey);
    if (legacy !== null) return { runId: legacy, created: false };
    return idempotentRun(
      this.store,
      scope,
      idempotencyKey,
      async (bind) => (await this.launchNow(run, bind)).runId,
    );
  }

  private launchNow(
    run: (hooks: LaunchHooks) => Promise<RunOutcome>,
    bind: (runId: string) => Promise<void>,
  ): Promise<{ runId: string; created: boolean }> {
    const controller = new AbortController();
    let lastRunId: string | null = null;
    return new Promise((resolve, reject) => {
      let created = false;
      const done: Promise<RunOutcome | null> = run({
        signal: controller.signal,
        onEvent: (event) => this.bus.publish(event),
        onRunCreated: async (r) => {
          created = true;
          lastRunId = r.id;
          this.active.set(r.id, { controller, done });
          await bind(r.id);
          resolve({ runId: r.id, created: true });
        },
      }).then(
        (outcome) => outcome,
        (error: unknown) => {
          if (!created) reject(error);
          // The run exists: its own record says how it ended. Anything thrown after the engine
          // finished (the gate, post-load steps) is recorded on the run so it is not lost.
          else if (lastRunId !== null) void this.recordFailure(lastRunId, error);
          return null;
        },
      );
      void done.finally(() => {
        for (const [id, entry] of this.active) if (entry.done === done) this.active.delete(id);
      });
    });
  }

  private async recordFailure(runId: string, error: unknown): Promise<void> {
    const run = await this.store.getRun(runId);
    if (run === null) return;
    await this.store.updateRun(runId, {
      ...(run.status === 'running' || run.status === 'queued' ? { status: 'failed' as const } : {}),
      error: {
        code: error instanceof FerryError ? error.code : 'FERRY_INTERNAL',
        message: error instanceof Error ? error.message : String(error),
      },
    });
  }

  async resume(runId: string): Promise<void> {
    if (this.active.has(runId))
      throw new FerryError('FERRY_ILLEGAL_TRANSITION', `run ${runId} is already running in this server`);
    const run = await this.store.getRun(runId);
    if (run === null) throw new FerryError('FERRY_RUN_NOT_FOUND', `there is no run ${runId}`);
    if (isFinished(run.status) && run.step === 'done')
      throw new FerryError('FERRY_RUN_NOT_RESUMABLE', `run ${runId} already finished (${run.status})`);
    const cp = this.controlPlane;
    if (cp !== null) await clearRunRequest(cp.store, runId);
    const controller = new AbortController();
    const hooks = { signal: controller.signal, onEvent: (e: RunEvent) => this.bus.publish(e) };
    // A migration's run resumes through its gate (license binding, one run at a time).
    const done: Promise<RunOutcome | null> = (
      run.migrationId !== null && cp !== null
        ? resumeMigrationRun(cp, runId, hooks.onEvent, hooks.signal)
        : resumeCopyRun({ runId, store: this.store, ...hooks })
    ).catch(async (error: unknown) => {
      await this.recordFailure(runId, error);
      return null;
    });
    this.active.set(runId, { controller, done });
    void done.finally(() => this.active.delete(runId));
  }

  /** Stop taking new chunks; chunks in flight finish and are checkpointed. */
  cancel(runId: string): boolean {
    const entry = this.active.get(runId);
    if (entry === undefined) return false;
    entry.controller.abort();
    return true;
  }

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  /** Cancel everything and wait for the chunks in flight (graceful shutdown). */
  async shutdown(): Promise<void> {
    const entries = [...this.active.values()];
    for (const e of entries) e.controller.abort();
    await Promise.allSettled(entries.map((e) => e.done));
  }
}
