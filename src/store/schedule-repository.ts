// Run schedules: one cron expression per migration, with the next run time computed and stored so
// a scheduler (any worker) finds due migrations with one indexed query.

import type { Kysely } from 'kysely';
import type { SchedulesTable } from './control-plane-tables.ts';
import type { StoreDatabase } from './database.ts';

export interface ScheduleRecord {
  migrationId: string;
  cron: string;
  timeZone: string;
  /** ISO-8601 UTC; null when the expression has no future run. */
  nextRunAt: string | null;
  createdAt: string;
  updatedAt: string;
}

function scheduleFromRow(row: SchedulesTable): ScheduleRecord {
  return {
    migrationId: row.migration_id,
    cron: row.cron,
    timeZone: row.time_zone,
    nextRunAt: row.next_run_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
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
}
