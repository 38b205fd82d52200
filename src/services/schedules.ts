// Run schedules: a cron expression per migration (read with croner, in a time zone), the next run
// time computed and stored. A scheduler asks for due schedules and claims each one by advancing
// its next run time (compare-and-set), so several workers never start the same scheduled run.

import { Cron } from 'croner';
import { FerryError } from '../domain/errors.ts';
import { assertNotEnded } from '../domain/migration-rules.ts';
import type { ScheduleRecord } from '../store/schedule-repository.ts';
import { type ControlPlane, migrationsRepo, nowIso, schedulesRepo } from './control-plane.ts';
import { getMigration, loadFacts } from './migrations.ts';

/** The first run time of `cron` strictly after `after`, as ISO-8601 UTC; null when there is none. */
export function nextRunTime(cron: string, timeZone: string, after: Date): string | null {
  let job: Cron;
  try {
    job = new Cron(cron, { paused: true, timezone: timeZone });
  } catch (cause) {
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `"${cron}" is not a valid cron expression (${(cause as Error).message}); use five fields, e.g. "0 2 * * *" for 02:00 every day`,
      { cause },
    );
  }
  const next = job.nextRun(after);
  job.stop();
  return next === null ? null : next.toISOString();
}

export async function setSchedule(
  cp: ControlPlane,
  migrationId: string,
  cron: string,
  options: { timeZone?: string } = {},
): Promise<ScheduleRecord> {
  const migration = await getMigration(cp, migrationId);
  assertNotEnded(await loadFacts(migrationsRepo(cp), migration), 'scheduling runs');
  const timeZone = options.timeZone ?? 'UTC';
  const now = cp.clock?.() ?? new Date();
  const nextRunAt = nextRunTime(cron.trim(), timeZone, now);
  const at = nowIso(cp);
  const existing = await schedulesRepo(cp).get(migrationId);
  await schedulesRepo(cp).put({
    migration_id: migrationId,
    cron: cron.trim(),
    time_zone: timeZone,
    next_run_at: nextRunAt,
    created_at: existing?.createdAt ?? at,
    updated_at: at,
  });
  const saved = await schedulesRepo(cp).get(migrationId);
  if (saved === null) throw new FerryError('FERRY_INTERNAL', `schedule of ${migrationId} was not saved`);
  return saved;
}

/** Removes the schedule; true when there was one. */
export async function clearSchedule(cp: ControlPlane, migrationId: string): Promise<boolean> {
  await getMigration(cp, migrationId);
  return schedulesRepo(cp).remove(migrationId);
}

export async function getSchedule(cp: ControlPlane, migrationId: string): Promise<ScheduleRecord | null> {
  await getMigration(cp, migrationId);
  return schedulesRepo(cp).get(migrationId);
}

/** Schedules due at `now` (default: the clock). */
export function dueSchedules(cp: ControlPlane, now?: Date): Promise<ScheduleRecord[]> {
  return schedulesRepo(cp).due((now ?? cp.clock?.() ?? new Date()).toISOString());
}

/**
 * Claims a due schedule's run for this worker by moving its next run time on. True for exactly
 * one caller per due time; the caller then starts the scheduled (incremental) run.
 */
export async function claimScheduledRun(
  cp: ControlPlane,
  schedule: ScheduleRecord,
  now?: Date,
): Promise<boolean> {
  if (schedule.nextRunAt === null) return false;
  const at = now ?? cp.clock?.() ?? new Date();
  const next = nextRunTime(schedule.cron, schedule.timeZone, at);
  return schedulesRepo(cp).advance(schedule.migrationId, schedule.nextRunAt, next, at.toISOString());
}
