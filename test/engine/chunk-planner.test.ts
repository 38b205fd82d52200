import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHUNK_BYTES, integerRanges } from '../../src/engine/chunk-planner.ts';

describe('integer chunk ranges', () => {
  it('covers the whole key space with open ends and no gaps', () => {
    const ranges = integerRanges('1', '1000', 1000, 100);
    assert.equal(ranges.length, 10);
    assert.equal(ranges[0]!.lower, null);
    assert.equal(ranges.at(-1)!.upper, null);
    for (let i = 1; i < ranges.length; i++) assert.deepEqual(ranges[i]!.lower, ranges[i - 1]!.upper);
  });

  it('computes bounds beyond 2^53 exactly', () => {
    const min = '9007199254740993';
    const max = '9007199254750993';
    const ranges = integerRanges(min, max, 10_001, 1000);
    assert.ok(ranges.length > 1);
    assert.equal(
      ranges[1]!.lower![0],
      (BigInt(min) + BigInt(ranges[0]!.upper![0] as string) - BigInt(min)).toString(),
    );
    assert.ok(ranges.every((r) => r.upper === null || /^\d+$/.test(r.upper[0] as string)));
  });

  it('makes one open chunk for a single key', () => {
    assert.deepEqual(integerRanges('5', '5', 1, 100), [{ lower: null, upper: null }]);
  });

  it('handles negative keys', () => {
    const ranges = integerRanges('-100', '100', 201, 50);
    assert.equal(ranges.length, 5);
    assert.equal(ranges[0]!.upper![0], '-60');
  });

  it('splits a table of wide rows by bytes as well as by rows', () => {
    // 60,000 rows of ~4 KB: one chunk by rows, eight by bytes.
    const ranges = integerRanges('1', '60000', 60_000, 100_000, 8 * CHUNK_BYTES);
    assert.equal(ranges.length, 8);
    assert.equal(integerRanges('1', '60000', 60_000, 100_000, 1000).length, 1);
  });
});
