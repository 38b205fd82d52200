// Reading source rows from a profile: dialect-neutral, through `SourceConnection.read()` only,
// streamed in bounded batches (a profile never holds a whole table). Cells are canonical text
// (see src/connectors/canonical.ts): booleans '1'/'0', integers as digits, NULL as null.

import type { Cell, ReadWarnings, TableSchema } from '../connectors/types.ts';
import { FerryError } from '../domain/errors.ts';
import type { ProfileContext } from './profile.ts';

/** Rows per batch a profile reads; a batch is also cut at BATCH_BYTES. */
const BATCH_ROWS = 2_000;
const BATCH_BYTES = 4 * 1024 * 1024;

/** The source table named exactly `name`, or null when the source has none. */
export function findTable(ctx: Pick<ProfileContext, 'tables'>, name: string): TableSchema | null {
  return ctx.tables.find((t) => t.name === name) ?? null;
}

/** The source table named `name`; FERRY_TABLE_NOT_FOUND names the profile that expected it. */
export function requireTable(
  ctx: Pick<ProfileContext, 'tables'>,
  name: string,
  profile: string,
): TableSchema {
  const table = findTable(ctx, name);
  if (table === null) {
    throw new FerryError(
      'FERRY_TABLE_NOT_FOUND',
      `the ${profile} profile expects a table ${JSON.stringify(name)} in the source, and there is none`,
      {
        hint: `Check that installation.yaml points at the ${profile} application's database (and schema).`,
        details: { table: name, profile },
      },
    );
  }
  return table;
}

export type RowOf<C extends string> = Record<C, Cell>;

/**
 * Streams `columns` of every row of `table`, in primary-key order when it has one, one row at a
 * time (read in batches of at most BATCH_ROWS rows / BATCH_BYTES bytes).
 */
export async function* readRows<C extends string>(
  ctx: Pick<ProfileContext, 'source' | 'signal'>,
  table: TableSchema,
  columns: readonly C[],
): AsyncGenerator<RowOf<C>> {
  const warnings: ReadWarnings = { invalidUtf8: 0, zeroDates: 0 };
  const batches = ctx.source.read(
    table,
    [...columns],
    { key: table.primaryKey ?? [], lower: null, upper: null },
    { batchRows: BATCH_ROWS, batchBytes: BATCH_BYTES, ...(ctx.signal ? { signal: ctx.signal } : {}) },
    warnings,
  );
  for await (const batch of batches) {
    for (const row of batch.rows) {
      const out = {} as RowOf<C>;
      columns.forEach((c, i) => (out[c] = row[i] ?? null));
      yield out;
    }
  }
}

/** A canonical boolean cell ('1'/'0'; 'true'/'t' accepted) as a boolean; NULL is false. */
export function isTrue(cell: Cell): boolean {
  if (cell === null || Buffer.isBuffer(cell)) return false;
  return cell === '1' || cell === 'true' || cell === 't';
}

/** A cell as display text (Buffers as `<n bytes>`, NULL as ''). */
export function textOf(cell: Cell): string {
  if (cell === null) return '';
  return Buffer.isBuffer(cell) ? `<${cell.length} bytes>` : cell;
}

/** Collects at most `limit` examples while counting every one. */
export class Examples {
  readonly items: string[] = [];
  count = 0;
  constructor(private readonly limit = 20) {}
  add(example: string | (() => string)): void {
    this.count++;
    if (this.items.length < this.limit) this.items.push(typeof example === 'function' ? example() : example);
  }
}

/** Compare dotted versions numerically ('10.3' > '7.1'); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.\-_]/).map((p) => Number.parseInt(p, 10));
  const pb = b.split(/[.\-_]/).map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = Number.isNaN(pa[i] ?? 0) ? 0 : (pa[i] ?? 0);
    const y = Number.isNaN(pb[i] ?? 0) ? 0 : (pb[i] ?? 0);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
