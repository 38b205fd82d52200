import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { float32Text, float64Text } from '../../src/connectors/canonical.ts';
import { POSTGRES_ADMIN_URL, skipUnless } from '../support/servers.ts';

/** Deterministic pseudo-random doubles over every magnitude, plus the edge cases. */
function sampleDoubles(): number[] {
  const values = [
    0,
    -0,
    1,
    -1,
    0.1,
    1e-4,
    9.999999999999999e-5,
    1e-5,
    1e-7,
    123.456,
    1e14,
    1e15,
    999999999999999.9,
    1.2345678901234568e17,
    175147038641232400,
    1e21,
    1e22,
    5e-324,
    2.2250738585072014e-308,
    1.7976931348623157e308,
    -2.5e-7,
    12345678901234.5,
    16777216,
    79355504,
    1700402.25,
    2 ** 53,
    2 ** 60,
    NaN,
    Infinity,
    -Infinity,
  ];
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 5000; i++) {
    values.push((next() - 0.5) * 10 ** (Math.floor(next() * 616) - 308));
    values.push(Math.round(next() * 1e6) * 10 ** (Math.floor(next() * 40) - 15));
    values.push(Math.round(next() * 2 ** Math.floor(next() * 64)));
  }
  return values;
}

const text = (v: number) => (Object.is(v, -0) ? '-0' : String(v));

describe('canonical float text', { skip: await skipUnless('postgres') }, () => {
  it('is exactly what PostgreSQL prints for double precision and real', async () => {
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await client.connect();
    try {
      await client.query('SET extra_float_digits = 1');
      const doubles = sampleDoubles();
      const reals = doubles
        .map((v) => Math.fround(v))
        .filter((f) => !Number.isFinite(f) || f === 0 || Math.abs(f) >= 1e-45);
      const d = await client.query<{ t: string }>('SELECT x::float8::text AS t FROM unnest($1::float8[]) x', [
        doubles.map(text),
      ]);
      const r = await client.query<{ t: string }>('SELECT x::float4::text AS t FROM unnest($1::float8[]) x', [
        reals.map(text),
      ]);
      const wrong64 = doubles.filter((v, i) => float64Text(v) !== d.rows[i]!.t);
      const wrong32 = reals.filter((v, i) => float32Text(v) !== r.rows[i]!.t);
      assert.deepEqual(
        wrong64.slice(0, 5).map((v) => [v, float64Text(v)]),
        [],
      );
      assert.deepEqual(
        wrong32.slice(0, 5).map((v) => [v, float32Text(v)]),
        [],
      );
    } finally {
      await client.end();
    }
  });

  it('round-trips every value it prints', () => {
    for (const v of sampleDoubles()) {
      assert.ok(Object.is(Number(float64Text(v)), v), `float64 ${v}`);
      const f = Math.fround(v);
      assert.ok(Object.is(Math.fround(Number(float32Text(f))), f), `float32 ${f}`);
    }
  });
});
