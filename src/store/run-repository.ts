// RunStore over Kysely: the same code for the SQLite and the PostgreSQL control plane.

import type { Kysely } from 'kysely';
import type { ChunkRecord, RunRecord, RunStep, RunStore, TableStepRecord } from '../engine/run-store.ts';
import type { RunStatus } from '../domain/run-status.ts';
import type { TableResult, TableStatus } from '../domain/table-result.ts';
import { cellsFromJson, cellsToJson } from './cell-json.ts';
import type { RunChunksTable, RunsTable, StoreDatabase } from './database.ts';

const now = () => new Date().toISOString();

function runFromRow(row: RunsTable): RunRecord {
  return {
    id: row.id,
    kind: row.kind,
    migrationId: row.migration_id,
    status: row.status as RunStatus,
    step: row.step as RunStep,
    sourceUrl: row.source_url,
    targetUrl: row.target_url,
    sourceLocation: row.source_location,
    targetLocation: row.target_location,
    options: JSON.parse(row.options_json) as RunRecord['options'],
    plan: row.plan_json === null ? null : (JSON.parse(row.plan_json) as RunRecord['plan']),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: row.error_json === null ? null : (JSON.parse(row.error_json) as RunRecord['error']),
    lease:
      row.lease_owner === null || row.lease_owner === undefined || row.lease_expires_at == null
        ? null
        : { owner: row.lease_owner, version: row.lease_version ?? null, expiresAt: row.lease_expires_at },
  };
}

function chunkFromRow(row: RunChunksTable): ChunkRecord {
  return {
    table: row.table_name,
    index: Number(row.chunk_index),
    lower: cellsFromJson(row.lower_json),
    upper: cellsFromJson(row.upper_json),
    status: row.status as ChunkRecord['status'],
    rowsRead: Number(row.rows_read),
    rowsWritten: Number(row.rows_written),
    bytes: Number(row.bytes),
    durationMs: Number(row.duration_ms),
    warnings: JSON.parse(row.warnings_json) as ChunkRecord['warnings'],
    source: row.source_sum === null ? null : { rows: Number(row.source_rows), sum: row.source_sum },
    target: row.target_sum === null ? null : { rows: Number(row.target_rows), sum: row.target_sum },
  };
}

function chunkPatchToRow(patch: Partial<ChunkRecord>): Partial<RunChunksTable> {
  const row: Partial<RunChunksTable> = {};
  if (patch.lower !== undefined) row.lower_json = cellsToJson(patch.lower);
  if (patch.upper !== undefined) row.upper_json = cellsToJson(patch.upper);
  if (patch.status !== undefined) row.status = patch.status;
  if (patch.rowsRead !== undefined) row.rows_read = patch.rowsRead;
  if (patch.rowsWritten !== undefined) row.rows_written = patch.rowsWritten;
  if (patch.bytes !== undefined) row.bytes = patch.bytes;
  if (patch.durationMs !== undefined) row.duration_ms = patch.durationMs;
  if (patch.warnings !== undefined) row.warnings_json = JSON.stringify(patch.warnings);
  if (patch.source !== undefined) {
    row.source_rows = patch.source?.rows ?? null;
    row.source_sum = patch.source?.sum ?? null;
  }
  if (patch.target !== undefined) {
    row.target_rows = patch.target?.rows ?? null;
    row.target_sum = patch.target?.sum ?? null;
  }
  return row;
}

export class RunRepository implements RunStore {
  constructor(
    private readonly db: Kysely<StoreDatabase>,
    private readonly onClose: () => Promise<void>,
  ) {}

  async createRun(
    run: Omit<RunRecord, 'createdAt' | 'startedAt' | 'finishedAt' | 'error' | 'lease'>,
  ): Promise<RunRecord> {
    const row: RunsTable = {
      id: run.id,
      kind: run.kind,
      migration_id: run.migrationId,
      status: run.status,
      step: run.step,
      source_url: run.sourceUrl,
      target_url: run.targetUrl,
      source_location: run.sourceLocation,
      target_location: run.targetLocation,
      options_json: JSON.stringify(run.options),
      plan_json: run.plan === null ? null : JSON.stringify(run.plan),
      created_at: now(),
      started_at: null,
      finished_at: null,
      error_json: null,
    };
    await this.db.insertInto('runs').values(row).execute();
    return runFromRow(row);
  }

  async getRun(id: string): Promise<RunRecord | null> {
    const row = await this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : runFromRow(row);
  }

  async listRuns(limit: number): Promise<RunRecord[]> {
    const rows = await this.db
      .selectFrom('runs')
      .selectAll()
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map(runFromRow);
  }
  async listRunsOfMigration(migrationId: string): Promise<RunRecord[]> {
    const rows = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('migration_id', '=', migrationId)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(runFromRow);
  }

  async updateRun(
    id: string,
    patch: Partial<Pick<RunRecord, 'status' | 'step' | 'plan' | 'startedAt' | 'finishedAt' | 'error'>>,
  ): Promise<void> {
    const row: Partial<RunsTable> = {};
    if (patch.status !== undefined) row.status = patch.status;
    if (patch.step !== undefined) row.step = patch.step;
    if (patch.plan !== undefined) row.plan_json = patch.plan === null ? null : JSON.stringify(patch.plan);
    if (patch.startedAt !== undefined) row.started_at = patch.startedAt;
    if (patch.finishedAt !== undefined) row.finished_at = patch.finishedAt;
    if (patch.error !== undefined) row.error_json = patch.error === null ? null : JSON.stringify(patch.error);
    await this.db.updateTable('runs').set(row).where('id', '=', id).execute();
  }

  async listChunks(runId: string): Promise<ChunkRecord[]> {
    const rows = await this.db
      .selectFrom('run_chunks')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('table_name')
      .orderBy('chunk_index')
      .execute();
    return rows.map(chunkFromRow);
  }

  async insertChunks(runId: string, chunks: ChunkRecord[]): Promise<void> {
    if (chunks.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      // Batches keep each INSERT under SQLite's bound-parameter limit.
      for (let i = 0; i < chunks.length; i += 500) {
        await tx
          .insertInto('run_chunks')
          .values(
            chunks.slice(i, i + 500).map((c) => ({
              run_id: runId,
              table_name: c.table,
              chunk_index: c.index,
              status: c.status,
              rows_read: 0,
              rows_written: 0,
              bytes: 0,
              duration_ms: 0,
              warnings_json: '{"invalidUtf8":0,"zeroDates":0}',
              source_rows: null,
              source_sum: null,
              target_rows: null,
              target_sum: null,
              ...chunkPatchToRow(c),
            })),
          )
          .execute();
      }
    });
  }

  async updateChunk(runId: string, table: string, index: number, patch: Partial<ChunkRecord>): Promise<void> {
    await this.db
      .updateTable('run_chunks')
      .set(chunkPatchToRow(patch))
      .where('run_id', '=', runId)
      .where('table_name', '=', table)
      .where('chunk_index', '=', index)
      .execute();
  }

  async deleteChunksAfter(runId: string, table: string, index: number): Promise<void> {
    await this.db
      .deleteFrom('run_chunks')
      .where('run_id', '=', runId)
      .where('table_name', '=', table)
      .where('chunk_index', '>', index)
      .execute();
  }

  async listTableSteps(runId: string): Promise<TableStepRecord[]> {
    const rows = await this.db
      .selectFrom('run_table_steps')
      .selectAll()
      .where('run_id', '=', runId)
      .execute();
    return rows.map((r) => ({
      table: r.table_name,
      keysDone: r.keys_done === 1,
      foreignKeysDone: r.foreign_keys_done === 1,
    }));
  }

  async setTableStep(
    runId: string,
    table: string,
    patch: Partial<Omit<TableStepRecord, 'table'>>,
  ): Promise<void> {
    const values = {
      ...(patch.keysDone === undefined ? {} : { keys_done: patch.keysDone ? 1 : 0 }),
      ...(patch.foreignKeysDone === undefined ? {} : { foreign_keys_done: patch.foreignKeysDone ? 1 : 0 }),
    };
    await this.db
      .insertInto('run_table_steps')
      .values({ run_id: runId, table_name: table, keys_done: 0, foreign_keys_done: 0, ...values })
      .onConflict((oc) => oc.columns(['run_id', 'table_name']).doUpdateSet(values))
      .execute();
  }

  async saveTableResults(runId: string, results: TableResult[]): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('table_results').where('run_id', '=', runId).execute();
      for (const r of results) {
        await tx
          .insertInto('table_results')
          .values({
            run_id: runId,
            table_name: r.table,
            status: r.status,
            rows_read: r.rowsRead,
            rows_written: r.rowsWritten,
            rows_skipped: r.rowsSkipped,
            bytes: r.bytes,
            duration_ms: r.durationMs,
            messages_json: JSON.stringify(r.messages),
          })
          .execute();
      }
    });
  }

  async listTableResults(runId: string): Promise<TableResult[]> {
    const rows = await this.db
      .selectFrom('table_results')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('table_name')
      .execute();
    return rows.map((r) => ({
      table: r.table_name,
      status: r.status as TableStatus,
      rowsRead: Number(r.rows_read),
      rowsWritten: Number(r.rows_written),
      rowsSkipped: Number(r.rows_skipped),
      bytes: Number(r.bytes),
      durationMs: Number(r.duration_ms),
      messages: JSON.parse(r.messages_json) as TableResult['messages'],
    }));
  }

  async runForIdempotencyKey(key: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('run_requests')
      .select('run_id')
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    return row?.run_id ?? null;
  }

  async rememberIdempotencyKey(key: string, runId: string): Promise<void> {
    await this.db
      .insertInto('run_requests')
      .values({ idempotency_key: key, run_id: runId, created_at: now() })
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .execute();
  }

  /** The queue's claim (a `ferry worker` taking a job): the run becomes queue-managed (swept when its lease expires). */
  claimRunLease(runId: string, lease: { owner: string; version: string; ttlMs: number }): Promise<boolean> {
    return this.claimExecutionLease(runId, lease, { queued: true });
  }

  /**
   * Take the run's lease when it is free, expired, or already this owner's (compare-and-set), to
   * execute it. `queued`: the executor took it from the job queue, so the run is queue-managed from
   * now on; otherwise the process that started or resumed it executes it (never swept).
   */
  async claimExecutionLease(
    runId: string,
    lease: { owner: string; version: string; ttlMs: number },
    how: { queued: boolean; staleOwner?: string },
  ): Promise<boolean> {
    const at = Date.now();
    const result = await this.db
      .updateTable('runs')
      .set({
        lease_owner: lease.owner,
        lease_version: lease.version,
        lease_expires_at: new Date(at + lease.ttlMs).toISOString(),
        ...(how.queued ? { dispatch: 'queue' } : {}),
      })
      .where('id', '=', runId)
      .where((eb) =>
        eb.or([
          eb('lease_owner', 'is', null),
          eb('lease_owner', '=', lease.owner),
          // A holder known to be dead (its process on this host is gone): taken over at once.
          ...(how.staleOwner === undefined ? [] : [eb('lease_owner', '=', how.staleOwner)]),
          eb('lease_expires_at', 'is', null),
          eb('lease_expires_at', '<', new Date(at).toISOString()),
        ]),
      )
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Runs whose lease has not expired: who executes what right now, with which Ferry version. */
  async listLiveLeases(): Promise<
    { runId: string; owner: string; version: string | null; expiresAt: string }[]
  > {
    const rows = await this.db
      .selectFrom('runs')
      .select(['id', 'lease_owner', 'lease_version', 'lease_expires_at'])
      .where('lease_owner', 'is not', null)
      .where('lease_expires_at', '>', now())
      .orderBy('lease_owner')
      .execute();
    return rows.map((r) => ({
      runId: r.id,
      owner: r.lease_owner ?? '',
      version: r.lease_version ?? null,
      expiresAt: r.lease_expires_at ?? '',
    }));
  }

  async renewRunLease(runId: string, owner: string, ttlMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('runs')
      .set({ lease_expires_at: new Date(Date.now() + ttlMs).toISOString() })
      .where('id', '=', runId)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async releaseRunLease(runId: string, owner: string): Promise<void> {
    await this.db
      .updateTable('runs')
      .set({ lease_owner: null, lease_version: null, lease_expires_at: now() })
      .where('id', '=', runId)
      .where('lease_owner', '=', owner)
      .execute();
  }

  async offerRunToQueue(runId: string): Promise<void> {
    await this.db
      .updateTable('runs')
      .set({ lease_expires_at: now(), dispatch: 'queue' })
      .where('id', '=', runId)
      .where('lease_owner', 'is', null)
      .execute();
  }

  async listRunsWithExpiredLease(limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('runs')
      .select('id')
      .where('status', 'in', ['queued', 'running'])
      .where('dispatch', '=', 'queue')
      .where('lease_expires_at', 'is not', null)
      .where('lease_expires_at', '<', now())
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Records something that went wrong after the run's data loaded without failing the run (welcome
   * emails, …); a run that `succeeded` becomes `succeeded-with-warnings`.
   */
  async addRunWarning(runId: string, warning: RunWarning): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const last = await tx
        .selectFrom('run_warnings')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('run_id', '=', runId)
        .executeTakeFirst();
      await tx
        .insertInto('run_warnings')
        .values({
          run_id: runId,
          seq: (last?.seq === null || last?.seq === undefined ? 0 : Number(last.seq)) + 1,
          code: warning.code,
          text: warning.text,
          guidance: warning.guidance ?? null,
          at: now(),
        })
        .execute();
      await tx
        .updateTable('runs')
        .set({ status: 'succeeded-with-warnings' })
        .where('id', '=', runId)
        .where('status', '=', 'succeeded')
        .execute();
    });
  }

  async listRunWarnings(runId: string): Promise<(RunWarning & { at: string })[]> {
    const rows = await this.db
      .selectFrom('run_warnings')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({
      code: r.code,
      text: r.text,
      ...(r.guidance === null ? {} : { guidance: r.guidance }),
      at: r.at,
    }));
  }

  close(): Promise<void> {
    return this.onClose();
  }
}

/** A run warning: what happened (with the error code it came from) and what to do. */
export interface RunWarning {
  code: string;
  text: string;
  guidance?: string;
}
