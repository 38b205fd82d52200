// Run leases: which worker executes a run right now, until when, and with which Ferry version.
// A worker claims a run by compare-and-set (free or expired lease), renews it while it works and
// releases it at the end; a run whose lease expired (its worker died) is queued again.
//
//   lease_owner       worker id holding the run, null when nobody does
//   lease_expires_at  ISO-8601 UTC; null: the run never went through the queue (executed by the
//                     process that created it), so no sweeper touches it
//   lease_version     the holding worker's Ferry version (for `check for update`)

import type { Kysely, Migration } from 'kysely';

export const runLeasesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('runs').addColumn('lease_owner', 'text').execute();
    await db.schema.alterTable('runs').addColumn('lease_expires_at', 'text').execute();
    await db.schema.alterTable('runs').addColumn('lease_version', 'text').execute();
    await db.schema.createIndex('runs_lease_expires_at').on('runs').column('lease_expires_at').execute();
  },
};
