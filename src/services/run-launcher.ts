// Starts runs for a long-lived process (the API server, the scheduler). Two ways, chosen by the
// queue it is given:
//   no queue (the SQLite store)   runs execute here, in the background: their events go to the
//                                 bus, and a handle is kept to cancel them
//   a queue (the PostgreSQL store) runs are created here (the gate and the checks answer at once)
//                                 and handed to the `ferry worker` processes (run-handoff.ts);
//                                 their progress is read from the store (store-run-events.ts)
// The CLI runs in the foreground instead. Pause and cancel requests from other processes reach
// the runs through the store (run-control.ts), wherever they execute.

import { FerryError } from '../domain/errors.ts';
import { isFinished } from '../domain/run-status.ts';
import type { RunOutcome } from '../engine/execute-run.ts';
import type { RunEvent, RunEventListener } from '../engine/events.ts';
import type { RunOptions, RunStore } from '../engine/run-store.ts';
import type { RunKind } from '../domain/migration-rules.ts';
import type { ControlPlane } from './control-plane.ts';
import { createCopyRun, resumeCopyRun, startCopyRun } from './copy-runs.ts';
import type { RunKindChoice, RunKindOption } from './run-kind-choice.ts';
import { createMigrationRun, resumeMigrationRun, startMigrationRun } from './migration-runs.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import { handNewRunToWorkers, resumeThroughWorkers } from './run-handoff.ts';
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

export interface RunLauncherOptions {
  /**
   * Where runs go to be executed by `ferry worker` processes (pg-boss, with the PostgreSQL store).
   * Without one, runs execute in this process. The caller stops the queue.
   */
  queue?: JobQueue;
}

export class RunLauncher {
  private readonly active = new Map<
    string,
    { controller: AbortController; done: Promise<RunOutcome | null> }
  >();
  private readonly queue: JobQueue | null;

  constructor(
    private readonly store: RunStore,
    private readonly bus: RunEventBus,
    /** Needed to resume runs of a migration through their gate, and for pause/cancel requests. */
    private readonly controlPlane: ControlPlane | null = null,
    options: RunLauncherOptions = {},
  ) {
    this.queue = options.queue ?? null;
  }

  /** Resolves with the run id once the run exists (its copy goes on in the background, or in a worker). */
  start(input: LaunchCopyRunInput): Promise<{ runId: string; created: boolean }> {
    const scope = 'POST /api/v1/runs';
    const queue = this.queue;
    if (queue !== null)
      return this.idempotent(scope, input.idempotencyKey, async (bind) => {
        const run = await createCopyRun({
          from: input.from,
          to: input.to,
          options: input.options,
          store: this.store,
        });
        await handNewRunToWorkers(this.store, queue, this.controlPlane, run.id, bind);
        return run.id;
      });
    return this.launch(scope, input.idempotencyKey, (hooks) =>
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
    const queue = this.queue;
    if (queue !== null)
      return this.idempotent(scope, input.idempotencyKey, async (bind) => {
        // The gate, the checks and the users answer here, before anything is queued.
        const { run } = await createMigrationRun({
          cp,
          migrationId: input.migrationId,
          ...(input.kind === undefined ? {} : { kind: input.kind }),
          onKindChosen: (choice) => (chosen = choice),
        });
        await handNewRunToWorkers(this.store, queue, cp, run.id, bind);
        return run.id;
      }).then((result) => ({ ...result, ...(chosen ?? {}) }));
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
  private launch(
    scope: string,
    idempotencyKey: string | undefined,
    run: (hooks: LaunchHooks) => Promise<RunOutcome>,
  ): Promise<{ runId: string; created: boolean }> {
    return this.idempotent(scope, idempotencyKey, async (bind) => (await this.launchNow(run, bind)).runId);
  }

  /**
   * Runs `create` unless an earlier request with the same key (in the same scope) created its run.
   * `create` calls `bind(runId)` as soon as the run exists and resolves with the run id.
   */
  private async idempotent(
    scope: string,
    idempotencyKey: string | undefined,
    create: (bind: (runId: string) => Promise<void>) => Promise<string>,
  ): Promise<{ runId: string; created: boolean }> {
    if (idempotencyKey === undefined) return { runId: await create(() => Promise.resolve()), created: true };
    if (!(this.store instanceof Store)) {
      // An engine-only store (tests of the launcher): the key remembered once the run exists.
      const existing = await this.store.runForIdempotencyKey(idempotencyKey);
      if (existing !== null) return { runId: existing, created: false };
      return {
        runId: await create((runId) => this.store.rememberIdempotencyKey(idempotencyKey, runId)),
        created: true,
      };
    }
    // Keys recorded before migration 0013 (run_requests) still answer.
    const legacy = await this.store.runForIdempotencyKey(idempotencyKey);
    if (legacy !== null) return { runId: legacy, created: false };
    return idempotentRun(this.store, scope, idempotencyKey, create);
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
    if (this.queue !== null) {
      // A worker continues it; what this process buffered of it is out of date.
      await resumeThroughWorkers(this.store, this.queue, cp, run);
      this.bus.forget(runId);
      return;
    }
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
