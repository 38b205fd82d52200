// Heartbeats of the processes around the control plane (migration 0013): each `ferry serve`, each
// `ferry worker`, and agents that report over HTTP with a runtime key. `check for update` lists the
// live ones with their versions; a worker compares its version with the servers'.

import type { Kysely } from 'kysely';
import type { StoreDatabase } from './database.ts';

export type ProcessRole = 'server' | 'worker' | 'agent';

export interface ProcessHeartbeat {
  id: string;
  role: ProcessRole;
  version: string;
  /** The migration whose runtime key the agent used; null for servers and workers on the store. */
  migrationId: string | null;
  startedAt: string;
  lastSeenAt: string;
}

export class ProcessHeartbeatRepository {
  constructor(private readonly db: Kysely<StoreDatabase>) {}

  async beat(beat: Omit<ProcessHeartbeat, 'startedAt' | 'lastSeenAt'>, at: string): Promise<void> {
    await this.db
      .insertInto('process_heartbeats')
      .values({
        id: beat.id,
        role: beat.role,
        version: beat.version,
        migration_id: beat.migrationId,
        started_at: at,
        last_seen_at: at,
      })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          role: beat.role,
          version: beat.version,
          migration_id: beat.migrationId,
          last_seen_at: at,
        }),
      )
      .execute();
  }

  /** Forget a process that stopped. */
  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('process_heartbeats').where('id', '=', id).execute();
  }

  /** Processes seen at or after `since` (ISO-8601 UTC), newest first. */
  async seenSince(since: string): Promise<ProcessHeartbeat[]> {
    const rows = await this.db
      .selectFrom('process_heartbeats')
      .selectAll()
      .where('last_seen_at', '>=', since)
      .orderBy('last_seen_at', 'desc')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      role: r.role as ProcessRole,
      version: r.version,
      migrationId: r.migration_id,
      startedAt: r.started_at,
      lastSeenAt: r.last_seen_at,
    }));
  }
}
