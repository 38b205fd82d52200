// Verifying an incremental run, per table: the rows of the changed key set hashed on both sides
// (row count + checksum, canonical.ts), and the table's total row count on both sides (catches a
// delete or insert that the key set missed). A table copied again as a whole is compared with the
// in-database checksum of the whole table.

import { ChecksumAccumulator, checksumsEqual } from '../../connectors/canonical.ts';
import type {
  Cell,
  ChunkChecksum,
  ReadWarnings,
  SourceConnection,
  TableSchema,
} from '../../connectors/types.ts';
import { FerryError } from '../../domain/errors.ts';
import { targetTableSchema, type TablePlan } from '../plan.ts';
import type { SessionPair } from '../session-slots.ts';

export interface TableVerification {
  source: ChunkChecksum;
  target: ChunkChecksum;
  sourceRows: number;
  targetRows: number;
  ok: boolean;
}

const OPTIONS = { batchRows: 5_000, batchBytes: 16 * 1024 * 1024 };

async function keySetChecksum(
  side: SourceConnection,
  table: TableSchema,
  columns: string[],
  key: string[],
  keys: Cell[][],
): Promise<ChunkChecksum> {
  if (keys.length === 0) return { rows: 0, sum: '0' };
  if (side.readKeys === undefined) {
    throw new FerryError('FERRY_INTERNAL', `the ${side.dialect} connector cannot read rows by key`);
  }
  const acc = new ChecksumAccumulator();
  const warnings: ReadWarnings = { invalidUtf8: 0, zeroDates: 0 };
  for await (const batch of side.readKeys(table, columns, key, keys, OPTIONS, warnings)) {
    for (const row of batch.rows) acc.add(row);
  }
  return acc.result();
}

async function rowCount(side: SourceConnection, table: TableSchema, key: string[]): Promise<number> {
  if (side.countRows !== undefined) return side.countRows(table.name);
  return (
    await side.checksum(table, key.length > 0 ? key : [table.columns[0]!.name], {
      key: [],
      lower: null,
      upper: null,
    })
  ).rows;
}

/** `keys` null: the whole table was copied again. */
export async function verifyTable(
  plan: TablePlan,
  key: string[],
  keys: Cell[][] | null,
  { source, target }: SessionPair,
): Promise<TableVerification> {
  const targetSchema = targetTableSchema(plan);
  const whole = { key: [], lower: null, upper: null };
  const [s, t] =
    keys === null
      ? await Promise.all([
          source.checksum(plan.source, plan.copyColumns, whole),
          target.checksum(targetSchema, plan.copyColumns, whole),
        ])
      : await Promise.all([
          keySetChecksum(source, plan.source, plan.copyColumns, key, keys),
          keySetChecksum(target, targetSchema, plan.copyColumns, key, keys),
        ]);
  const [sourceRows, targetRows] =
    keys === null
      ? [s.rows, t.rows]
      : await Promise.all([rowCount(source, plan.source, key), rowCount(target, targetSchema, key)]);
  return {
    source: s,
    target: t,
    sourceRows,
    targetRows,
    ok: checksumsEqual(s, t) && sourceRows === targetRows,
  };
}
