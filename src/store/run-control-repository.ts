// The store side of run control (migration 0011): operator requests on running runs, throughput
// samples, and the compare-and-set status updates that let several processes act on one run
// without both winning. (The scheduler's claims are in schedule-repository.ts.)

import type { Kysely } from 'kysely';
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

  async lastThroughputSeq(runId: string): Promise<number> {
    const row = await this.db
      .selectFrom('run_throughput')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('run_id', '=', runId)
      .executeTakeFirst();
    return row?.seq === null || row?.seq === undefined ? 0 : Number(row.seq);
  }

  async addThroughputSample(runId: string, sample: ThroughputSample): Promise<void> {
    await this.db
      .insertInto('run_throughput')
      .values({
        run_id: runId,
        seq: sample.seq,
        at: sample.at,
        rows_done: sample.rowsDone,
        bytes_done: sample.bytesDone,
        rows_per_second: sample.rowsPerSecond,
        bytes_per_second: sample.bytesPerSecond,
      })
      .execute();
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
