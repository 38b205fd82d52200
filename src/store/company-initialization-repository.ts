// The company initializations of the store (migration 0010): one row per migration and company,
// holding its last job. Every state change is a compare-and-set on the status (and the lease
// owner), so two processes acting on the same company cannot both win; the rules live in
// services/company-initialization.ts and domain/company-initialization.ts.

import type { Kysely, Selectable } from 'kysely';
import type { CompanyInitializationStatus } from '../domain/company-initialization.ts';
import type { StoreDatabase } from './database.ts';
import type { CompanyInitializationsTable } from './migrations/0010-company-initializations.ts';

export interface CompanyInitializationRecord {
  migrationId: string;
  companyId: string;
  companyName: string;
  status: CompanyInitializationStatus;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  summary: string | null;
  error: { code: string; message: string } | null;
  leaseOwner: string | null;
  /** Queued: the deadline for a worker to take it; running: the lease. Null once ended. */
  leaseExpiresAt: string | null;
}

function toRecord(row: Selectable<CompanyInitializationsTable>): CompanyInitializationRecord {
  return {
    migrationId: row.migration_id,
    companyId: row.company_id,
    companyName: row.company_name,
    status: row.status as CompanyInitializationStatus,
    queuedAt: row.queued_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    summary: row.summary,
    error: row.error_json === null ? null : (JSON.parse(row.error_json) as { code: string; message: string }),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
  };
}

/** Thrown inside `queue`'s transaction to roll it back when a company is busy. */
class CompaniesBusy extends Error {
  constructor(readonly companyIds: string[]) {
    super('companies busy');
  }
}

export class CompanyInitializationRepository {
  constructor(private readonly db: Kysely<StoreDatabase>) {}

  async list(migrationId: string): Promise<CompanyInitializationRecord[]> {
    const rows = await this.db
      .selectFrom('company_initializations')
      .selectAll()
      .where('migration_id', '=', migrationId)
      .orderBy('queued_at')
      .orderBy('company_id')
      .execute();
    return rows.map(toRecord);
  }

  async get(migrationId: string, companyId: string): Promise<CompanyInitializationRecord | null> {
    const row = await this.db
      .selectFrom('company_initializations')
      .selectAll()
      .where('migration_id', '=', migrationId)
      .where('company_id', '=', companyId)
      .executeTakeFirst();
    return row === undefined ? null : toRecord(row);
  }

  /**
   * Queues a new job for every company, all or none, in one transaction: a company whose job is
   * still `queued` or `running` is busy. Returns the busy company ids (nothing was queued then).
   */
  async queue(
    migrationId: string,
    companies: { id: string; name: string }[],
    at: { queuedAt: string; takeBy: string },
  ): Promise<{ busy: string[] }> {
    const fresh = (c: { id: string; name: string }) => ({
      company_name: c.name,
      status: 'queued',
      queued_at: at.queuedAt,
      started_at: null,
      finished_at: null,
      summary: null,
      error_json: null,
      lease_owner: null,
      lease_expires_at: at.takeBy,
    });
    try {
      await this.db.transaction().execute(async (tx) => {
        const busy: string[] = [];
        for (const company of companies) {
          const inserted = await tx
            .insertInto('company_initializations')
            .values({ migration_id: migrationId, company_id: company.id, ...fresh(company) })
            .onConflict((oc) => oc.columns(['migration_id', 'company_id']).doNothing())
            .executeTakeFirst();
          if ((inserted.numInsertedOrUpdatedRows ?? 0n) > 0n) continue;
          const replaced = await tx
            .updateTable('company_initializations')
            .set(fresh(company))
            .where('migration_id', '=', migrationId)
            .where('company_id', '=', company.id)
            .where('status', 'in', ['succeeded', 'failed'])
            .executeTakeFirst();
          if (replaced.numUpdatedRows === 0n) busy.push(company.id);
        }
        if (busy.length > 0) throw new CompaniesBusy(busy);
      });
    } catch (error) {
      if (error instanceof CompaniesBusy) return { busy: error.companyIds };
      throw error;
    }
    return { busy: [] };
  }

  /** Takes a queued job for `owner` (compare-and-set); false when it is not queued any more. */
  async claim(
    migrationId: string,
    companyId: string,
    lease: { owner: string; startedAt: string; expiresAt: string },
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('company_initializations')
      .set({
        status: 'running',
        started_at: lease.startedAt,
        lease_owner: lease.owner,
        lease_expires_at: lease.expiresAt,
      })
      .where('migration_id', '=', migrationId)
      .where('company_id', '=', companyId)
      .where('status', '=', 'queued')
      .where('lease_expires_at', '>=', lease.startedAt)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async renew(migrationId: string, companyId: string, owner: string, expiresAt: string): Promise<boolean> {
    const result = await this.db
      .updateTable('company_initializations')
      .set({ lease_expires_at: expiresAt })
      .where('migration_id', '=', migrationId)
      .where('company_id', '=', companyId)
      .where('status', '=', 'running')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Ends `owner`'s running job; false when the job is no longer its own (its lease expired). */
  async finish(
    migrationId: string,
    companyId: string,
    owner: string,
    outcome: { finishedAt: string } & (
      | { status: 'succeeded'; summary: string }
      | { status: 'failed'; error: { code: string; message: string } }
    ),
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('company_initializations')
      .set({
        status: outcome.status,
        finished_at: outcome.finishedAt,
        summary: outcome.status === 'succeeded' ? outcome.summary : null,
        error_json: outcome.status === 'failed' ? JSON.stringify(outcome.error) : null,
        lease_owner: null,
        lease_expires_at: null,
      })
      .where('migration_id', '=', migrationId)
      .where('company_id', '=', companyId)
      .where('status', '=', 'running')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Fails every job of the migration whose deadline passed: queued jobs no worker took in time,
   * running jobs whose worker stopped renewing its lease. Returns how many were failed.
   */
  async failExpired(
    migrationId: string,
    now: string,
    errors: Record<'queued' | 'running', { code: string; message: string }>,
  ): Promise<number> {
    let failed = 0n;
    for (const status of ['queued', 'running'] as const) {
      const result = await this.db
        .updateTable('company_initializations')
        .set({
          status: 'failed',
          finished_at: now,
          error_json: JSON.stringify(errors[status]),
          lease_owner: null,
          lease_expires_at: null,
        })
        .where('migration_id', '=', migrationId)
        .where('status', '=', status)
        .where('lease_expires_at', '<', now)
        .executeTakeFirst();
      failed += result.numUpdatedRows;
    }
    return Number(failed);
  }
}
