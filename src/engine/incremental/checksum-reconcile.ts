// Change detection without change tracking: compare the table range by range with in-database
// checksums on both sides and copy again only what differs. This also finds edits made on the
// target (rows changed, added or deleted in the tenant), which is what a final run must overwrite.
//
//   integer key   ranges as the full run chunks them (chunk-planner.ts) over the union of both
//                 sides' key bounds; a mismatching range with more than RECOPY_ROWS rows is split
//                 into SPLIT_WAYS sub-ranges and compared again, recursively; a small one, or one
//                 where most sub-ranges differ (changes spread everywhere), has its range deleted
//                 on the target and copied again from the source.
//   other keys    the previous run's chunk ranges (keyset chunks), else the whole table; a
//                 mismatching range is copied again as a whole.
//
// No checkpoint is needed: a killed reconciliation compares again and finds what is left.

import { checksumsEqual } from '../../connectors/canonical.ts';
import type { ChunkChecksum, KeyRange } from '../../connectors/types.ts';
import { integerRanges } from '../chunk-planner.ts';
import { chunkKey, targetTableSchema, type TablePlan } from '../plan.ts';
import type { ChunkRecord } from '../run-store.ts';
import type { SessionPair } from '../session-slots.ts';
import { copyInto, readOptions, type ApplyContext, type CopyCounts } from './apply-changes.ts';

/** A mismatching integer range with at most this many rows (either side) is copied again. */
export const RECOPY_ROWS = 1_000;
/** A larger mismatching integer range is split into this many sub-ranges. */
export const SPLIT_WAYS = 16n;

export interface ReconcileResult {
  /** Checksums over the whole table after reconciling (sums of every compared range). */
  source: ChunkChecksum;
  target: ChunkChecksum;
  rangesCompared: number;
  rangesCopied: number;
  rowsDeleted: number;
}

function add(a: ChunkChecksum, b: ChunkChecksum): ChunkChecksum {
  return { rows: a.rows + b.rows, sum: (BigInt(a.sum) + BigInt(b.sum)).toString() };
}

/** Split (lower, upper] into up to SPLIT_WAYS ranges; null ends stay open. */
function split(range: KeyRange, lo: bigint, hi: bigint): KeyRange[] {
  const from = range.lower === null ? lo - 1n : BigInt(range.lower[0] as string);
  const to = range.upper === null ? hi : BigInt(range.upper[0] as string);
  const span = to - from;
  if (span <= SPLIT_WAYS) return [];
  const width = (span + SPLIT_WAYS - 1n) / SPLIT_WAYS;
  const parts: KeyRange[] = [];
  for (let start = from; start < to; start += width) {
    const end = start + width >= to ? to : start + width;
    parts.push({
      key: range.key,
      lower: parts.length === 0 ? range.lower : [start.toString()],
      upper: end >= to ? range.upper : [end.toString()],
    });
  }
  return parts;
}

export async function reconcileTable(
  ctx: ApplyContext,
  plan: TablePlan,
  previousChunks: ChunkRecord[],
  { source, target }: SessionPair,
  counts: CopyCounts,
): Promise<ReconcileResult> {
  const targetSchema = targetTableSchema(plan);
  const key = chunkKey(plan.chunking);
  const result: ReconcileResult = {
    source: { rows: 0, sum: '0' },
    target: { rows: 0, sum: '0' },
    rangesCompared: 0,
    rangesCopied: 0,
    rowsDeleted: 0,
  };
  await target.applyAsReplica?.();
  const compare = (range: KeyRange) =>
    Promise.all([
      source.checksum(plan.source, plan.copyColumns, range),
      target.checksum(targetSchema, plan.copyColumns, range),
    ]);
  const recopy = async (range: KeyRange) => {
    ctx.signal.throwIfAborted();
    result.rangesCopied++;
    result.rowsDeleted += await target.deleteRange(plan.target, range);
    const batches = source.read(plan.source, plan.copyColumns, range, readOptions(ctx), counts.warnings);
    await copyInto(ctx, plan, target, batches, counts);
    const [s, t] = await compare(range);
    result.source = add(result.source, s);
    result.target = add(result.target, t);
  };

  let ranges: KeyRange[];
  let lo = 0n;
  let hi = 0n;
  if (plan.chunking.kind === 'integer-range') {
    const column = plan.chunking.column;
    const [a, b] = await Promise.all([
      source.integerKeyBounds(plan.source.name, column),
      target.integerKeyBounds(plan.target.name, column),
    ]);
    const mins = [a?.min, b?.min].filter((v): v is string => v !== undefined).map(BigInt);
    const maxs = [a?.max, b?.max].filter((v): v is string => v !== undefined).map(BigInt);
    if (mins.length === 0) return result; // empty on both sides
    lo = mins.reduce((m, v) => (v < m ? v : m));
    hi = maxs.reduce((m, v) => (v > m ? v : m));
    ranges = integerRanges(
      lo.toString(),
      hi.toString(),
      plan.source.estimatedRows,
      ctx.options.chunkRows,
    ).map((r) => ({ key, ...r }));
  } else if (plan.chunking.kind === 'keyset' && previousChunks.length > 1) {
    ranges = previousChunks.map((c) => ({ key, lower: c.lower, upper: c.upper }));
  } else {
    ranges = [{ key: plan.chunking.kind === 'keyset' ? key : [], lower: null, upper: null }];
  }

  const accept = (s: ChunkChecksum, t: ChunkChecksum) => {
    result.source = add(result.source, s);
    result.target = add(result.target, t);
  };
  const visit = async (range: KeyRange, known?: [ChunkChecksum, ChunkChecksum]): Promise<void> => {
    ctx.signal.throwIfAborted();
    result.rangesCompared++;
    const [s, t] = known ?? (await compare(range));
    if (checksumsEqual(s, t)) return accept(s, t);
    const parts =
      plan.chunking.kind === 'integer-range' && Math.max(s.rows, t.rows) > RECOPY_ROWS
        ? split(range, lo, hi)
        : [];
    if (parts.length === 0) return recopy(range);
    const sums: [ChunkChecksum, ChunkChecksum][] = [];
    for (const part of parts) sums.push(await compare(part));
    const differing = sums.filter(([a, b]) => !checksumsEqual(a, b)).length;
    // Changes spread over most of the range: narrowing down costs more than copying it again.
    if (differing * 2 > parts.length) return recopy(range);
    for (let i = 0; i < parts.length; i++) await visit(parts[i]!, sums[i]);
  };
  for (const range of ranges) await visit(range);
  return result;
}
