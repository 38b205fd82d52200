// IncrementalStore over Kysely (tables of migration 0006): the same code for the SQLite and the
// PostgreSQL control plane.

import type { Kysely } from 'kysely';
import type {
  IncrementalMethod,
  IncrementalRunRecord,
  IncrementalStore,
  TableProgress,
} from '../engine/incremental/incremental-store.ts';
import type { StoreDatabase } from './database.ts';

export class IncrementalRepository implements IncrementalStore {
  constructor(private readonly db: Kysely<StoreDatabase>) {}

  async recordPosition(runId: string, position: string): Promise<void> {
    await this.db
      .insertInto('change_log_positions')
      .values({ run_id: runId, position, recorded_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('run_id').doUpdateSet({ position }))
      .execute();
  }

  async positionAfter(runId: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('change_log_positions')
      .select('position')
      .where('run_id', '=', runId)
      .executeTakeFirst();
    return row?.position ?? null;
  }

  async createIncrementalRun(record: IncrementalRunRecord): Promise<void> {
    await this.db
      .insertInto('incremental_runs')
      .values({
        run_id: record.runId,
        previous_run_id: record.previousRunId,
        method: record.method,
        from_position: record.fromPosition,
        to_position: record.toPosition,
      })
      .execute();
  }

  async getIncrementalRun(runId: string): Promise<IncrementalRunRecord | null> {
    const row = await this.db
      .selectFrom('incremental_runs')
      .selectAll()
      .where('run_id', '=', runId)
      .executeTakeFirst();
    if (row === undefined) return null;
    return {
      runId: row.run_id,
      previousRunId: row.previous_run_id,
      method: row.method as IncrementalMethod,
      fromPosition: row.from_position,
      toPosition: row.to_position,
    };
  }

  async listTableProgress(runId: string): Promise<TableProgress[]> {
    const rows = await this.db
      .selectFrom('incremental_tables')
      .selectAll()
      .where('run_id', '=', runId)
      .execute();
    return rows.map((r) => ({
      table: r.table_name,
      consumedPosition: r.consumed_position,
      rowsDeleted: Number(r.rows_deleted),
    }));
  }

  async saveTableProgress(runId: string, progress: TableProgress): Promise<void> {
    await this.db
      .insertInto('incremental_tables')
      .values({
        run_id: runId,
        table_name: progress.table,
        consumed_position: progress.consumedPosition,
        rows_deleted: progress.rowsDeleted,
      })
      .onConflict((oc) =>
        oc.columns(['run_id', 'table_name']).doUpdateSet({
          consumed_position: progress.consumedPosition,
          rows_deleted: progress.rowsDeleted,
        }),
      )
      .execute();
  }
}
