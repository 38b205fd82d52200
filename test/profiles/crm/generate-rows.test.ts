import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { GenerationContext } from '../../../src/profiles/crm/generate-rows.ts';
import { generateRows, rowCount } from '../../../src/profiles/crm/generate-rows.ts';
import { plantedProblems, resolveProblems } from '../../../src/profiles/crm/planted-problems.ts';
import { Random } from '../../../src/profiles/crm/random.ts';
import { crmRowCounts, crmTableNames, crmTables } from '../../../src/profiles/crm/schema.ts';

const ctx = (
  seed: number,
  problems: GenerationContext['problems'] = resolveProblems(true),
): GenerationContext => ({
  seed,
  size: 'small',
  problems,
});

function tableHash(table: string, context: GenerationContext): string {
  const hash = createHash('sha256');
  for (const row of generateRows(table, context)) {
    for (const cell of row) {
      hash.update(Buffer.isBuffer(cell) ? cell : `${typeof cell}:${String(cell)}`);
      hash.update('\u0000');
    }
    hash.update('\n');
  }
  return hash.digest('hex');
}

void describe('CRM row generator', () => {
  void it('gives identical rows for the same seed', () => {
    for (const table of crmTableNames)
      assert.equal(tableHash(table, ctx(7)), tableHash(table, ctx(7)), table);
  });

  void it('gives different rows for different seeds', () => {
    for (const table of [
      'companies',
      'persons',
      'appointments',
      'documents',
      'document_contents',
      'license',
    ]) {
      assert.notEqual(tableHash(table, ctx(7)), tableHash(table, ctx(8)), table);
    }
  });

  void it('yields exactly rowCount rows per table, with and without planted problems', () => {
    for (const problems of [resolveProblems(true), resolveProblems(false)]) {
      for (const table of crmTables) {
        let n = 0;
        for (const row of generateRows(table.name, ctx(1, problems))) {
          assert.equal(row.length, table.columns.length, `${table.name} row width`);
          n++;
        }
        assert.equal(n, rowCount(table.name, ctx(1, problems)), table.name);
      }
    }
  });

  void it('sizes small at about 5,000 rows, medium at about 300,000 and large at 3,000,000 or more', () => {
    const total = (size: 'small' | 'medium' | 'large') =>
      crmTableNames.reduce(
        (sum, t) => sum + rowCount(t, { seed: 1, size, problems: resolveProblems(true) }),
        0,
      );
    assert.ok(Math.abs(total('small') - 5_000) < 500, `small ${total('small')}`);
    assert.ok(Math.abs(total('medium') - 300_000) < 30_000, `medium ${total('medium')}`);
    assert.ok(total('large') >= 3_000_000, `large ${total('large')}`);
    const bigTables = crmTableNames.filter((t) => (crmRowCounts.large[t] ?? 0) >= 40_000);
    assert.ok(bigTables.length >= 6, bigTables.join(', '));
  });

  void it('leaves about 10% NULLs in nullable columns and ~1 KB descriptions', () => {
    let rows = 0;
    let nulls = 0;
    let length = 0;
    for (const row of generateRows('appointments', ctx(3))) {
      rows++;
      if (row[5] === null) nulls++;
      else length += (row[5] as string).length;
    }
    assert.ok(nulls / rows > 0.07 && nulls / rows < 0.13, `null rate ${nulls / rows}`);
    const average = length / (rows - nulls);
    assert.ok(average > 900 && average < 1100, `average description ${average}`);
  });

  void it('writes 64-bit values above 2^53 as bigint and non-ASCII text', () => {
    let big = 0;
    let nonAscii = 0;
    for (const row of generateRows('companies', ctx(3))) {
      if (typeof row[10] === 'bigint' && row[10] > 2n ** 53n) big++;
      if (/[^\u0020-\u007e]/.test(String(row[3]))) nonAscii++;
    }
    assert.ok(big > 50, `big values ${big}`);
    assert.ok(nonAscii > 20, `non-ASCII cities ${nonAscii}`);
  });

  void it('describes the planted problems, and none when problems are off', () => {
    assert.deepEqual(
      plantedProblems('small').map((p) => p.id),
      [
        'duplicate-user-emails',
        'licensed-user-without-valid-email',
        'users-on-travel',
        'active-satellite',
        'sentry-addon-preferences',
        'invalid-characters',
        'documents-missing-from-archive',
        'missing-companion-records',
        'old-version',
      ],
    );
    assert.deepEqual(plantedProblems('small', false), []);
    assert.ok(!plantedProblems('small', { 'old-version': false }).some((p) => p.id === 'old-version'));
    assert.equal(plantedProblems('small', { 'old-version': false }).length, 8);
  });
});

void describe('Random', () => {
  void it('is deterministic per (seed, name) and independent across names', () => {
    const a = new Random(5, 'x');
    const b = new Random(5, 'x');
    const c = new Random(5, 'y');
    const seqA = Array.from({ length: 8 }, () => a.next());
    assert.deepEqual(
      seqA,
      Array.from({ length: 8 }, () => b.next()),
    );
    assert.notDeepEqual(
      seqA,
      Array.from({ length: 8 }, () => c.next()),
    );
  });

  void it('draws integers inside the inclusive range', () => {
    const r = new Random(1);
    for (let i = 0; i < 10_000; i++) {
      const v = r.int(3, 5);
      assert.ok(v >= 3 && v <= 5);
    }
  });
});
