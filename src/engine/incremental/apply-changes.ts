// Applying a table's changed keys to the target: per batch of keys, delete them on the target and
// copy the source's current rows for them (a key deleted on the source simply is not re-inserted;
// a changed key arrives as its old key, deleted, and its new key, copied). Then the table's
// checkpoint moves to the batch's last change position.
//
// Delete and copy are two target transactions. A process killed between them leaves the batch's
// rows missing on the target, and the checkpoint still before the batch; the resume deletes and
// copies the batch again, so the target ends exact either way.

import type {
  Cell,
  ReadWarnings,
  RowBatch,
  SourceConnection,
  TargetConnection,
} from '../../connectors/types.ts';
import { FerryError } from '../../domain/errors.ts';
import type { RunEventListener } from '../events.ts';
import type { TablePlan } from '../plan.ts';
import type { ChunkRecord, RunOptions, RunStore } from '../run-store.ts';
import type { SessionPair } from '../session-slots.ts';
import type { TableChanges } from './change-set.ts';
import type { IncrementalStore, TableProgress } from './incremental-store.ts';

/** Keys per apply batch (and per checkpoint). */
export const KEYS_PER_BATCH = 2_000;

export interface ApplyContext {
  runId: string;
  store: RunStore;
  incremental: IncrementalStore;
  options: RunOptions;
  signal: AbortSignal;
  onEvent: RunEventListener;
}

export interface CopyCounts {
  rowsRead: number;
  rowsWritten: number;
  bytes: number;
  warnings: ReadWarnings;
}

export function emptyCounts(): CopyCounts {
  return { rowsRead: 0, rowsWritten: 0, bytes: 0, warnings: { invalidUtf8: 0, zeroDates: 0 } };
}

/** Write `batches` into the table on the target, counting what went through. */
export async function copyInto(
  ctx: ApplyContext,
  plan: TablePlan,
  target: TargetConnection,
  batches: AsyncIterable<RowBatch>,
  counts: CopyCounts,
): Promise<void> {
  async function* observed(): AsyncIterable<RowBatch> {
    for await (const batch of batches) {
      counts.rowsRead += batch.rows.length;
      counts.bytes += batch.bytes;
      ctx.onEvent({
        type: 'progress',
        runId: ctx.runId,
        table: plan.target.name,
        rows: batch.rows.length,
        bytes: batch.bytes,
      });
      yield batch;
    }
  }
  const result = await target.write(plan.target, plan.copyColumns, observed(), ctx.signal);
  counts.rowsWritten += result.rowsWritten;
}

export function readOptions(ctx: ApplyContext) {
  return { batchRows: ctx.options.batchRows, batchBytes: ctx.options.batchBytes, signal: ctx.signal };
}

function sourceKeys(
  ctx: ApplyContext,
  source: SourceConnection,
  plan: TablePlan,
  key: string[],
  keys: Cell[][],
  warnings: ReadWarnings,
): AsyncIterable<RowBatch> {
  if (source.readKeys === undefined) {
    throw new FerryError('FERRY_INTERNAL', `the ${source.dialect} connector cannot read rows by key`);
  }
  return source.readKeys(plan.source, plan.copyColumns, key, keys, readOptions(ctx), warnings);
}

/**
 * Apply the table's changes after `progress` (the checkpoint); `chunk` is the table's result
 * record, whose counters grow with every batch.
 */
export async function applyTableChanges(
  ctx: ApplyContext,
  plan: TablePlan,
  key: string[],
  changes: TableChanges,
  progress: TableProgress | undefined,
  chunk: ChunkRecord,
  { source, target }: SessionPair,
): Promise<void> {
  const table = plan.target.name;
  const consumed = progress?.consumedPosition == null ? -1n : BigInt(progress.consumedPosition);
  let rowsDeleted = progress?.rowsDeleted ?? 0;
  const counts: CopyCounts = {
    rowsRead: chunk.rowsRead,
    rowsWritten: chunk.rowsWritten,
    bytes: chunk.bytes,
    warnings: { ...chunk.warnings },
  };
  const started = Date.now() - chunk.durationMs;
  const checkpoint = async (position: bigint) => {
    await ctx.incremental.saveTableProgress(ctx.runId, {
      table,
      consumedPosition: position.toString(),
      rowsDeleted,
    });
    await ctx.store.updateChunk(ctx.runId, table, chunk.index, {
      status: 'copying',
      rowsRead: counts.rowsRead,
      rowsWritten: counts.rowsWritten,
      bytes: counts.bytes,
      warnings: counts.warnings,
      durationMs: Date.now() - started,
    });
  };
  await target.applyAsReplica?.();

  if (changes.wholeTableSeq !== null || key.length === 0) {
    if (changes.lastSeq > consumed) {
      rowsDeleted += await target.deleteRange(plan.target, { key: [], lower: null, upper: null });
      const batches = source.read(
        plan.source,
        plan.copyColumns,
        { key: [], lower: null, upper: null },
        readOptions(ctx),
        counts.warnings,
      );
      await copyInto(ctx, plan, target, batches, counts);
      await checkpoint(changes.lastSeq);
    }
  } else {
    if (target.deleteKeys === undefined) {
      throw new FerryError('FERRY_INTERNAL', `the ${target.dialect} connector cannot delete rows by key`);
    }
    const todo = changes.keys.filter((k) => k.lastSeq > consumed);
    for (let i = 0; i < todo.length; i += KEYS_PER_BATCH) {
      ctx.signal.throwIfAborted();
      const batch = todo.slice(i, i + KEYS_PER_BATCH);
      const keys = batch.map((k) => k.key);
      rowsDeleted += await target.deleteKeys(plan.target, key, keys);
      await copyInto(ctx, plan, target, sourceKeys(ctx, source, plan, key, keys, counts.warnings), counts);
      await checkpoint(batch[batch.length - 1]!.lastSeq);
    }
  }
  await ctx.store.updateChunk(ctx.runId, table, chunk.index, {
    status: 'copied',
    rowsRead: counts.rowsRead,
    rowsWritten: counts.rowsWritten,
    bytes: counts.bytes,
    warnings: counts.warnings,
    durationMs: Date.now() - started,
  });
}
