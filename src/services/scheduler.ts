// The scheduler: runs each migration's scheduled incremental runs (`ferry migration schedule`).
// Every `ferry serve` and every `ferry worker` runs one; they share the store, and each due
// occurrence starts exactly once however many run at once.
//
//   every tick (default 1 s) ─► schedules due now (one indexed query)
//     for each: claim the occurrence — a compare-and-set of next_run_at (still the due time?
//     then move it to the next cron time after now, and record last_run_at) — the loser skips it
//     ─► start an incremental run through the launcher (the API's path; idempotency key
//        `schedule:MIGRATION:DUE`, so even a retried start answers with the same run)
//     ─► record the outcome on the schedule: `started` with the run id, or `skipped: why`
//        (a run is active, the migration is live, paused or not loaded yet — the gate's reason)
//
// Occurrences missed while no scheduler ran are not made up: the next time is computed from now.

import { isFerryError } from '../domain/errors.ts';
import { ScheduleRepository } from '../store/schedule-repository.ts';
import type { ControlPlane } from './control-plane.ts';
import { dueSchedules, nextRunTime } from './schedules.ts';

export type SchedulerEvent =
  | { type: 'schedule-started'; migrationId: string; dueAt: string; runId: string }
  | { type: 'schedule-skipped'; migrationId: string; dueAt: string; reason: string }
  | { type: 'schedule-error'; migrationId: string | null; code: string; message: string };

export interface SchedulerOptions {
  cp: ControlPlane;
  /**
   * Starts an incremental run of the migration, as the API does (RunLauncher.startForMigration);
   * resolves once the run exists. Throws (e.g. FERRY_ILLEGAL_TRANSITION) when it may not run now.
   */
  startRun(migrationId: string, idempotencyKey: string): Promise<{ runId: string }>;
  /** How often due schedules are looked for, in ms (default 1000). */
  intervalMs?: number;
  onEvent?: (event: SchedulerEvent) => void;
}

export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> = Promise.resolve();
  private readonly repo: ScheduleRepository;
  private readonly emit: (event: SchedulerEvent) => void;

  constructor(private readonly options: SchedulerOptions) {
    this.repo = new ScheduleRepository(options.cp.store.kysely);
    this.emit = options.onEvent ?? (() => undefined);
  }

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      // One tick at a time: a slow store never makes two ticks claim side by side.
      this.ticking = this.ticking.then(() => this.tick());
    }, this.options.intervalMs ?? 1000);
  }

  /** Stops looking for due schedules; runs already started go on (their process owns them). */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
  }

  /** One pass: claims and starts every occurrence due at `now`. */
  async tick(now: Date = this.options.cp.clock?.() ?? new Date()): Promise<void> {
    let due;
    try {
      due = await dueSchedules(this.options.cp, now);
    } catch (error) {
      // The store is unreachable for a moment: the next tick looks again.
      return this.emit({ type: 'schedule-error', migrationId: null, ...describe(error) });
    }
    for (const schedule of due) {
      const dueAt = schedule.nextRunAt;
      if (dueAt === null) continue;
      try {
        const next = nextRunTime(schedule.cron, schedule.timeZone, now);
        if (!(await this.repo.claimOccurrence(schedule.migrationId, dueAt, next, now.toISOString())))
          continue; // another scheduler claimed this occurrence
        await this.startClaimed(schedule.migrationId, dueAt);
      } catch (error) {
        this.emit({ type: 'schedule-error', migrationId: schedule.migrationId, ...describe(error) });
      }
    }
  }

  private async startClaimed(migrationId: string, dueAt: string): Promise<void> {
    try {
      const { runId } = await this.options.startRun(migrationId, `schedule:${migrationId}:${dueAt}`);
      await this.repo.recordOccurrence(migrationId, dueAt, runId, 'started');
      this.emit({ type: 'schedule-started', migrationId, dueAt, runId });
    } catch (error) {
      // Refusals are the expected skips (a run is active, the migration is live…); anything else
      // is recorded too, so `ferry migration schedule` shows why nothing ran.
      const { code, message } = describe(error);
      const reason = isFerryError(error) ? message : `${code}: ${message}`;
      await this.repo.recordOccurrence(migrationId, dueAt, null, `skipped: ${reason}`);
      this.emit({ type: 'schedule-skipped', migrationId, dueAt, reason });
    }
  }
}

function describe(error: unknown): { code: string; message: string } {
  return {
    code: isFerryError(error) ? error.code : 'FERRY_INTERNAL',
    message: error instanceof Error ? error.message : String(error),
  };
}
