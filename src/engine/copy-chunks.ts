// Copying chunks: source.read → target.write, streamed with backpressure (the writer pulls the
// next batch only when it accepted the previous one), checkpointed in the store per chunk.
//
// The source side of each chunk's checksum is computed from the rows as they stream out of the
// source (no second read of the source): the target's writer hashes each row it is handed, in the
// cheapest form it has (PostgreSQL: the COPY line it sends, which is the row's canonical
// serialisation); verification later computes the target side inside
// the target database and compares. `ferry verify` recomputes both sides independently.
//
// Resume rule: a chunk found `copying` may have been half-written by a killed process, so its key
// range is deleted on the target before it is copied again. A chunk is marked `copied` only after
// the target committed it, so a chunk marked copied is never copied twice.

import { ChecksumAccumulator } from '../connectors/canonical.ts';
import { cellsOfLine, lastLine } from '../connectors/serialised-lines.ts';
import type { ChunkChecksum, KeyRange, LineBatch, ReadWarnings, Row } from '../connectors/types.ts';
import { chunkKey, type TablePlan } from './plan.ts';
import type { ChunkRecord, RunOptions, RunStore } from './run-store.ts';
import type { SessionPair } from './session-slots.ts';

export interface CopyContext {
  runId: string;
  store: RunStore;
  options: RunOptions;
  signal: AbortSignal;
  onProgress(table: string, rows: number, bytes: number): void;
  onChunkCopied(table: string, chunk: ChunkRecord): void;
}

export function chunkRange(plan: TablePlan, chunk: Pick<ChunkRecord, 'lower' | 'upper'>): KeyRange {
  return { key: chunkKey(plan.chunking), lower: chunk.lower, upper: chunk.upper };
}

async function* observe<B>(batches: AsyncIterable<B>, onBatch: (batch: B) => void): AsyncIterable<B> {
  for await (const batch of batches) {
    onBatch(batch);
    yield batch;
  }
}

interface CopiedCounts {
  rowsRead: number;
  rowsWritten: number;
  bytes: number;
  lastRow: Row | null;
  warnings: ReadWarnings;
  checksum: ChunkChecksum;
}

async function copyRange(
  ctx: CopyContext,
  plan: TablePlan,
  sessions: SessionPair,
  range: KeyRange,
  limit: number | undefined,
): Promise<CopiedCounts> {
  const warnings: ReadWarnings = { invalidUtf8: 0, zeroDates: 0 };
  let rowsRead = 0;
  let bytes = 0;
  const hash = new ChecksumAccumulator();
  const options = {
    batchRows: ctx.options.batchRows,
    batchBytes: ctx.options.batchBytes,
    ...(limit === undefined ? {} : { limit }),
    signal: ctx.signal,
  };
  const counted = (rows: number, size: number): void => {
    rowsRead += rows;
    bytes += size;
    ctx.onProgress(plan.target.name, rows, size);
  };
  const { source, target } = sessions;
  if (source.readLines !== undefined && target.writeLines !== undefined) {
    // Lines written by the source database go to the target as they are: no cells in between.
    let last: LineBatch | null = null;
    const batches = source.readLines(plan.source, plan.copyColumns, range, options, warnings);
    const result = await target.writeLines(
      plan.target,
      plan.copyColumns,
      observe(batches, (batch) => {
        counted(batch.rows, batch.bytes);
        last = batch;
      }),
      ctx.signal,
      hash,
    );
    const binary = plan.copyColumns.map(
      (name) => plan.source.columns.find((c) => c.name === name)?.type.kind === 'binary',
    );
    const lastRow = last === null ? null : cellsOfLine(lastLine(last), binary);
    return { rowsRead, rowsWritten: result.rowsWritten, bytes, lastRow, warnings, checksum: hash.result() };
  }
  let lastRow: Row | null = null;
  const batches = source.read(plan.source, plan.copyColumns, range, options, warnings);
  const result = await target.write(
    plan.target,
    plan.copyColumns,
    observe(batches, (batch) => {
      counted(batch.rows.length, batch.bytes);
      lastRow = batch.rows[batch.rows.length - 1] ?? lastRow;
    }),
    ctx.signal,
    hash,
  );
  return { rowsRead, rowsWritten: result.rowsWritten, bytes, lastRow, warnings, checksum: hash.result() };
}

/** Copy one precomputed chunk (integer-range or whole-table). */
export async function copyChunk(
  ctx: CopyContext,
  plan: TablePlan,
  chunk: ChunkRecord,
  sessions: SessionPair,
): Promise<void> {
  const range = chunkRange(plan, chunk);
  const started = Date.now();
  if (chunk.status === 'copying' || chunk.status === 'mismatch')
    await sessions.target.deleteRange(plan.target, range);
  else await ctx.store.updateChunk(ctx.runId, plan.target.name, chunk.index, { status: 'copying' });
  const counts = await copyRange(ctx, plan, sessions, range, undefined);
  const done: Partial<ChunkRecord> = {
    status: 'copied',
    rowsRead: counts.rowsRead,
    rowsWritten: counts.rowsWritten,
    bytes: counts.bytes,
    durationMs: Date.now() - started,
    warnings: counts.warnings,
    source: counts.checksum,
    target: null,
  };
  await ctx.store.updateChunk(ctx.runId, plan.target.name, chunk.index, done);
  ctx.onChunkCopied(plan.target.name, { ...chunk, ...done } as ChunkRecord);
}

/**
 * Copy a keyset-chunked table: chunks of `chunkRows` rows in key order, one after another. Each
 * copied chunk records its last key as its upper bound and opens the next chunk after it.
 */
export async function copyKeysetTable(
  ctx: CopyContext,
  plan: TablePlan,
  chunks: ChunkRecord[],
  sessions: SessionPair,
): Promise<void> {
  const table = plan.target.name;
  const key = chunkKey(plan.chunking);
  const keyIndexes = key.map((k) => plan.copyColumns.indexOf(k));
  let current = chunks.find((c) => c.status === 'pending' || c.status === 'copying');
  if (current === undefined) {
    const last = chunks[chunks.length - 1];
    // Killed after the last chunk was marked copied but before the next one was opened.
    if (last === undefined || last.upper === null) return;
    current = emptyChunk(table, last.index + 1, last.upper);
    await ctx.store.insertChunks(ctx.runId, [current]);
  }
  if (current.status === 'copying') {
    await sessions.target.deleteRange(plan.target, { key, lower: current.lower, upper: null });
  }
  for (;;) {
    if (ctx.signal.aborted) return;
    const started = Date.now();
    await ctx.store.updateChunk(ctx.runId, table, current.index, { status: 'copying' });
    const counts = await copyRange(
      ctx,
      plan,
      sessions,
      { key, lower: current.lower, upper: null },
      ctx.options.chunkRows,
    );
    const finished = counts.rowsRead < ctx.options.chunkRows || counts.lastRow === null;
    const lastRow: Row | null = counts.lastRow;
    const upper = finished || lastRow === null ? null : keyIndexes.map((i) => lastRow[i] ?? null);
    const done: Partial<ChunkRecord> = {
      status: 'copied',
      upper,
      rowsRead: counts.rowsRead,
      rowsWritten: counts.rowsWritten,
      bytes: counts.bytes,
      durationMs: Date.now() - started,
      warnings: counts.warnings,
      source: counts.checksum,
      target: null,
    };
    await ctx.store.updateChunk(ctx.runId, table, current.index, done);
    ctx.onChunkCopied(table, { ...current, ...done } as ChunkRecord);
    if (upper === null) return;
    const next = emptyChunk(table, current.index + 1, upper);
    await ctx.store.insertChunks(ctx.runId, [next]);
    current = next;
  }
}

export function emptyChunk(
  table: string,
  index: number,
  lower: ChunkRecord['lower'],
  upper: ChunkRecord['upper'] = null,
): ChunkRecord {
  return {
    table,
    index,
    lower,
    upper,
    status: 'pending',
    rowsRead: 0,
    rowsWritten: 0,
    bytes: 0,
    durationMs: 0,
    warnings: { invalidUtf8: 0, zeroDates: 0 },
    source: null,
    target: null,
  };
}
