// Splits a single-column integer key into contiguous ranges: pure arithmetic on bigint, so keys
// beyond 2^53 are exact. The first range has no lower bound and the last no upper bound, so rows
// outside the bounds seen at planning time are still copied and verified.

import type { Cell } from '../connectors/types.ts';

export interface PlannedRange {
  lower: Cell[] | null;
  upper: Cell[] | null;
}

/**
 * Bytes a chunk should hold at most, whatever its row count: a table of wide rows (1 KB texts,
 * BLOBs) split by rows alone gives a few huge chunks, and the last one copies alone at the end of
 * the run while the other sessions sit idle.
 */
export const CHUNK_BYTES = 32 * 1024 * 1024;

export function integerRanges(
  min: string,
  max: string,
  estimatedRows: number,
  chunkRows: number,
  estimatedBytes = 0,
): PlannedRange[] {
  const lo = BigInt(min);
  const hi = BigInt(max);
  const span = hi - lo + 1n;
  const byEstimate = Math.max(
    Math.ceil(Math.max(estimatedRows, 1) / Math.max(chunkRows, 1)),
    Math.ceil(estimatedBytes / CHUNK_BYTES),
  );
  // A sparse key space still gets at most one chunk per chunkRows keys of span.
  const count = BigInt(Math.max(1, Math.min(byEstimate, 10_000)));
  const chunks = span < count ? span : count;
  const width = (span + chunks - 1n) / chunks;
  const ranges: PlannedRange[] = [];
  for (let start = lo; start <= hi; start += width) {
    const end = start + width - 1n;
    ranges.push({
      lower: ranges.length === 0 ? null : [(start - 1n).toString()],
      upper: end >= hi ? null : [end.toString()],
    });
    if (end >= hi) break;
  }
  return ranges;
}
