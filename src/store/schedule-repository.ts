// Run schedules: one cron expression per migration, with the next run time computed and stored so
// a scheduler (any worker) finds due migrations with one indexed query.

import type { Kysely } from 'kysely';
import type { SchedulesTable } from './control-plane-tables.ts';
import type { StoreDatabase } from './database.ts';
import type { RunControlTables } from './migrations/0011-run-control.ts';

export interface ScheduleRecord {
  migrationId: string;
  cron: string;
  timeZone: string;
  /** ISO-8601 UTC; null when the expression has no future run. */
  nextRunAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** The due time of the last occurrence a scheduler claimed (ISO-8601 UTC), null before the first. */
  lastRunAt: string | null;
  /** The run that occurrence started; null when it was skipped. */
  lastRunId: string | null;
  /** `started`, or why the occurrence was skipped (e.g. a run is active, the migration is live). */
  lastOutcome: string | null;
}

function scheduleFromRow(row: SchedulesTable & RunControlTables['schedules']): ScheduleRecord {
  return {
    migrationId: row.migration_id,
    cron: row.cron,
    timeZone: row.time_zone,
    nextRunAt: row.next_run_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastRunAt: row.last_run_at ?? null,
    lastRunId: row.last_run_id ?? null,
    lastOutcome: row.last_outcome ?? null,
  };
}

export class ScheduleRepository {
  constructor(private readonly db: Kysely<StoreDatabase>) {}

  async get(migrationId: string): Promise<ScheduleRecord | null> {
    const row = await this.db
      .selectFrom('schedules')
      .selectAll()
      .where('migration_id', '=', migrationId)
      .executeTakeFirst();
    return row === undefined ? null : scheduleFromRow(row);
  }

  async put(row: SchedulesTable): Promise<void> {
    await this.db
      .insertInto('schedules')
      .values(row)
      .onConflict((oc) =>
        oc.column('migration_id').doUpdateSet({
          cron: row.cron,
          time_zone: row.time_zone,
          next_run_at: row.next_run_at,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  }

  async remove(migrationId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('schedules')
      .where('migration_id', '=', migrationId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Schedules whose next run is at or before `now`, earliest first. */
  async due(now: string): Promise<ScheduleRecord[]> {
    const rows = await this.db
      .selectFrom('schedules')
      .selectAll()
      .where('next_run_at', 'is not', null)
      .where('next_run_at', '<=', now)
      .orderBy('next_run_at')
      .execute();
    return rows.map(scheduleFromRow);
  }

  /** Compare-and-set of the next run time: true for exactly one of several workers claiming the same run. */
  async advance(migrationId: string, from: string, to: string | null, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('schedules')
      .set({ next_run_at: to, updated_at: at })
      .where('migration_id', '=', migrationId)
      .where('next_run_at', '=', from)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Claims a schedule's occurrence due at `dueAt`: moves next_run_at on to `nextAt` only if it
   * still is `dueAt`, so of several schedulers exactly one gets true.
   */
  async claimOccurrence(
    migrationId: string,
    dueAt: string,
    nextAt: string | null,
    claimedAt: string,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('schedules')
      .set({
        next_run_at: nextAt,
        last_run_at: dueAt,
        last_run_id: null,
        last_outcome: 'claimed',
        updated_at: claimedAt,
      })
      .where('migration_id', '=', migrationId)
      .where('next_run_at', '=', dueAt)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** What became of the occurrence claimed at `dueAt`: 'started' with its run, or why it was skipped. */
  async recordOccurrence(
    migrationId: string,
    dueAt: string,
    runId: string | null,
    outcome: string,
  ): Promise<void> {
    await this.db
      .updateTable('schedules')
      .set({ last_run_id: runId, last_outcome: outcome })
      .where('migration_id', '=', migrationId)
      .where('last_run_at', '=', dueAt)
      .execute();
  }
}
