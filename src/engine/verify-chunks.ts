// Verification: for every copied chunk, the row count and checksum of its key range on both sides,
// compared. The source side was computed while the chunk streamed out of the source (copy-chunks.ts);
// the target side is computed now, inside the target database where the connector can. A chunk
// copied before that existed (no source checksum) is checksummed on the source too. A mismatch
// fails the table and names the chunk's key range.

import { checksumsEqual } from '../connectors/canonical.ts';
import type { RunEventListener } from './events.ts';
import { chunkRange } from './copy-chunks.ts';
import { targetTableSchema, type TablePlan } from './plan.ts';
import type { ChunkRecord, RunStore } from './run-store.ts';
import { runBounded, type SessionSlots } from './session-slots.ts';

export interface VerifyContext {
  runId: string;
  store: RunStore;
  plans: TablePlan[];
  chunks: ChunkRecord[];
  slots: SessionSlots;
  parallel: number;
  onEvent: RunEventListener;
  onError(table: string, error: unknown): boolean;
}

export async function verifyChunks(ctx: VerifyContext): Promise<void> {
  const plans = new Map(ctx.plans.map((p) => [p.target.name, p]));
  // Biggest chunks first (their copied bytes are known), so no long one is left to run alone at the end.
  const todo = ctx.chunks
    .filter((c) => plans.has(c.table) && c.status === 'copied')
    .sort((a, b) => b.bytes - a.bytes);
  await runBounded(
    todo,
    ctx.parallel,
    (chunk) =>
      ctx.slots.with(async ({ source, target }) => {
        const plan = plans.get(chunk.table)!;
        const range = chunkRange(plan, chunk);
        const [s, t] = await Promise.all([
          chunk.source ?? source.checksum(plan.source, plan.copyColumns, range),
          target.checksum(targetTableSchema(plan), plan.copyColumns, range),
        ]);
        const ok = checksumsEqual(s, t);
        await ctx.store.updateChunk(ctx.runId, chunk.table, chunk.index, {
          status: ok ? 'verified' : 'mismatch',
          source: s,
          target: t,
        });
        ctx.onEvent({ type: 'chunk-verified', runId: ctx.runId, table: chunk.table, chunk: chunk.index, ok });
      }),
    (chunk, error) => ctx.onError(chunk.table, error),
  );
}
