// Idempotency keys of run-creating requests (migration 0013): reserved with a unique insert before
// the run exists, so of two concurrent requests with the same key exactly one creates the run; the
// other waits for the run id (services/run-idempotency.ts). Keys are scoped (route and migration).

import type { Kysely } from 'kysely';
import type { StoreDatabase } from './database.ts';

export type IdempotencyReservation =
  /** This caller inserted the key: it creates the run, then binds or releases the key. */
  | { reserved: true }
  /** Another request holds the key: its run, or null while that request is still creating it. */
  | { reserved: false; runId: string | null; createdAt: string };

export class IdempotencyRepository {
  constructor(private readonly db: Kysely<StoreDatabase>) {}

  async reserve(scope: string, key: string, at: string): Promise<IdempotencyReservation> {
    const inserted = await this.db
      .insertInto('idempotency_keys')
      .values({ scope, idempotency_key: key, run_id: null, created_at: at })
      .onConflict((oc) => oc.columns(['scope', 'idempotency_key']).doNothing())
      .executeTakeFirst();
    if ((inserted.numInsertedOrUpdatedRows ?? 0n) > 0n) return { reserved: true };
    const row = await this.db
      .selectFrom('idempotency_keys')
      .select(['run_id', 'created_at'])
      .where('scope', '=', scope)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    // Released between the insert and the read: try again.
    if (row === undefined) return this.reserve(scope, key, at);
    return { reserved: false, runId: row.run_id, createdAt: row.created_at };
  }

  /** The run created for a reserved key. */
  async bind(scope: string, key: string, runId: string): Promise<void> {
    await this.db
      .updateTable('idempotency_keys')
      .set({ run_id: runId })
      .where('scope', '=', scope)
      .where('idempotency_key', '=', key)
      .execute();
  }

  /** The request failed before creating a run: the key is free again (a retry may create it). */
  async release(scope: string, key: string): Promise<void> {
    await this.db
      .deleteFrom('idempotency_keys')
      .where('scope', '=', scope)
      .where('idempotency_key', '=', key)
      .where('run_id', 'is', null)
      .execute();
  }

  /** Drops a reservation left by a request that died before creating its run (older than `before`). */
  async releaseAbandoned(scope: string, key: string, before: string): Promise<void> {
    await this.db
      .deleteFrom('idempotency_keys')
      .where('scope', '=', scope)
      .where('idempotency_key', '=', key)
      .where('run_id', 'is', null)
      .where('created_at', '<', before)
      .execute();
  }
}
