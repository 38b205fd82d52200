// `ferry verify`: compare a source and a target that Ferry (or anyone) loaded, table by table and
// chunk by chunk, without writing anything.

import { checksumsEqual } from '../connectors/canonical.ts';
import { parseConnectionUrl } from '../connectors/connection-url.ts';
import { openSource, openTarget, targetDialectFor } from '../connectors/registry.ts';
import type { KeyRange } from '../connectors/types.ts';
import type { TableMappings } from '../domain/table-mappings.ts';
import type { TableMessage, TableResult } from '../domain/table-result.ts';
import { integerRanges } from '../engine/chunk-planner.ts';
import { chunkKey, planMigration, targetTableSchema, type TablePlan } from '../engine/plan.ts';
import { describeRange } from '../engine/run-results.ts';
import { runBounded, SessionSlots } from '../engine/session-slots.ts';

export interface VerifyInput {
  from: string;
  to: string;
  tables?: string[];
  exclude?: string[];
  /** The table mappings the target was loaded with: tables are compared under their target names. */
  mappings?: TableMappings;
  parallel: number;
  chunkRows: number;
  onTable?: (result: TableResult) => void;
}

export async function verifyDatabases(input: VerifyInput): Promise<TableResult[]> {
  const sourceUrl = parseConnectionUrl(input.from);
  const targetUrl = parseConnectionUrl(input.to);
  const targetDialect = targetDialectFor(targetUrl);
  const slots = new SessionSlots(Math.max(1, input.parallel), async () => ({
    source: await openSource(sourceUrl),
    target: await openTarget(targetUrl),
  }));
  try {
    const { plan, targetNames } = await slots.with(async ({ source, target }) => ({
      plan: planMigration(await source.listTables(), sourceUrl.dialect, targetDialect, {
        ...(input.tables === undefined ? {} : { tables: input.tables }),
        ...(input.exclude === undefined ? {} : { exclude: input.exclude }),
        ...(input.mappings === undefined ? {} : { mappings: input.mappings }),
      }),
      targetNames: new Set((await target.listTables()).map((t) => t.name)),
    }));
    const results: TableResult[] = [];
    await runBounded(
      plan.tables,
      1,
      async (table) => {
        const result = await verifyTable(table, targetNames.has(table.target.name), slots, input);
        results.push(result);
        input.onTable?.(result);
      },
      (table, error) => {
        const result: TableResult = {
          table: table.target.name,
          status: 'failed',
          rowsRead: 0,
          rowsWritten: 0,
          rowsSkipped: 0,
          bytes: 0,
          durationMs: 0,
          messages: [{ level: 'error', text: error instanceof Error ? error.message : String(error) }],
        };
        results.push(result);
        input.onTable?.(result);
        return false;
      },
    );
    return results.sort((a, b) => a.table.localeCompare(b.table));
  } finally {
    await slots.close();
  }
}

async function verifyTable(
  table: TablePlan,
  existsOnTarget: boolean,
  slots: SessionSlots,
  input: VerifyInput,
): Promise<TableResult> {
  const started = Date.now();
  const base = { table: table.target.name, rowsSkipped: 0, bytes: 0 };
  if (!table.copy) {
    const messages: TableMessage[] = table.notes.map((n) => ({ level: n.level, text: n.text }));
    return { ...base, status: 'not-migrated', rowsRead: 0, rowsWritten: 0, durationMs: 0, messages };
  }
  if (!existsOnTarget) {
    return {
      ...base,
      status: 'failed',
      rowsRead: 0,
      rowsWritten: 0,
      durationMs: 0,
      messages: [
        {
          level: 'error',
          text: `table "${table.target.name}" is missing on the target`,
          code: 'FERRY_VERIFY_MISMATCH',
        },
      ],
    };
  }
  const ranges = await slots.with(async ({ source }): Promise<KeyRange[]> => {
    const key = chunkKey(table.chunking);
    if (table.chunking.kind !== 'integer-range')
      return [{ key: table.chunking.kind === 'keyset' ? key : [], lower: null, upper: null }];
    const bounds = await source.integerKeyBounds(table.source.name, table.chunking.column);
    if (bounds === null) return [{ key, lower: null, upper: null }];
    return integerRanges(bounds.min, bounds.max, table.source.estimatedRows, input.chunkRows).map((r) => ({
      key,
      ...r,
    }));
  });
  const messages: TableMessage[] = [];
  let sourceRows = 0;
  let targetRows = 0;
  await runBounded(
    ranges,
    input.parallel,
    (range) =>
      slots.with(async ({ source, target }) => {
        const [s, t] = await Promise.all([
          source.checksum(table.source, table.copyColumns, range),
          target.checksum(targetTableSchema(table), table.copyColumns, range),
        ]);
        sourceRows += s.rows;
        targetRows += t.rows;
        if (!checksumsEqual(s, t)) {
          messages.push({
            level: 'error',
            code: 'FERRY_VERIFY_MISMATCH',
            text: `${describeRange(range.key, range.lower, range.upper)} differs: source ${s.rows} rows, target ${t.rows} rows`,
          });
        }
      }),
    (_range, error) => {
      throw error;
    },
  );
  return {
    ...base,
    status: messages.length > 0 ? 'failed' : 'migrated',
    rowsRead: sourceRows,
    rowsWritten: targetRows,
    durationMs: Date.now() - started,
    messages,
  };
}
