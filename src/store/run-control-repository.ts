// The store side of run control (migration 0011): operator requests on running runs, throughput
// samples, and the compare-and-set status updates that let several processes act on one run
// without both winning. (The scheduler's claims are in schedule-repository.ts.)

import { sql, type Kysely } from 'kysely';
import type { StoreDatabase } from './database.ts';

export type RunRequest = 'pause' | 'cancel';

export interface ThroughputSample {
  seq: number;
  /** ISO-8601 UTC. */
  at: string;
  /** Cumulative rows / bytes copied by the run so far (a resume starts from what was done). */
  rowsDone: number;
  bytesDone: number;
  /** Rates over the interval since the previous sample. */
  rowsPerSecond: number;
  bytesPerSecond: number;
}

export class RunControlRepository {
  constructor(private readonly db: Kysely<StoreDatabase>) {}

  /** Records `action` on the run when its status is one of `statuses`; false when it is not. */
  async request(runId: string, action: RunRequest, statuses: string[], at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('runs')
      .set({ requested_action: action, requested_at: at })
      .where('id', '=', runId)
      .where('status', 'in', statuses)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async requested(runId: string): Promise<RunRequest | null> {
    const row = await this.db
      .selectFrom('runs')
      .select('requested_action')
      .where('id', '=', runId)
      .executeTakeFirst();
    const action = row?.requested_action ?? null;
    return action === 'pause' || action === 'cancel' ? action : null;
  }

  async clearRequest(runId: string): Promise<void> {
    await this.db
      .updateTable('runs')
      .set({ requested_action: null, requested_at: null })
      .where('id', '=', runId)
      .execute();
  }

  /** Compare-and-set of the run's status: true for exactly one of several processes. */
  async setStatusIf(
    runId: string,
    from: string,
    to: string,
    patch: { finishedAt?: string | null } = {},
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('runs')
      .set({
        status: to,
        requested_action: null,
        requested_at: null,
        ...(patch.finishedAt === undefined ? {} : { finished_at: patch.finishedAt }),
      })
      .where('id', '=', runId)
      .where('status', '=', from)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Appends a sample with the next `seq` of the run, numbered in the same statement: two
   * executions of one run that overlap for a moment (a pause's last sample still being written
   * when the resume starts) cannot both take the same number. Retried once on a clash.
   */
  async addThroughputSample(runId: string, sample: Omit<ThroughputSample, 'seq'>): Promise<void> {
    const insert = () =>
      sql`INSERT INTO "run_throughput" ("run_id", "seq", "at", "rows_done", "bytes_done", "rows_per_second", "bytes_per_second")
          SELECT CAST(${runId} AS TEXT), COALESCE(MAX("seq"), 0) + 1, CAST(${sample.at} AS TEXT),
                 CAST(${sample.rowsDone} AS BIGINT), CAST(${sample.bytesDone} AS BIGINT),
                 CAST(${sample.rowsPerSecond} AS DOUBLE PRECISION), CAST(${sample.bytesPerSecond} AS DOUBLE PRECISION)
            FROM "run_throughput" WHERE "run_id" = ${runId}`.execute(this.db);
    try {
      await insert();
    } catch {
      await insert();
    }
  }

  async listThroughput(runId: string): Promise<ThroughputSample[]> {
    const rows = await this.db
      .selectFrom('run_throughput')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({
      seq: Number(r.seq),
      at: r.at,
      rowsDone: Number(r.rows_done),
      bytesDone: Number(r.bytes_done),
      rowsPerSecond: Number(r.rows_per_second),
      bytesPerSecond: Number(r.bytes_per_second),
    }));
  }
}
