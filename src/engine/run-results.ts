// Table results of a run, derived from the plan, the chunk checkpoints and the failures seen.

import type { Cell } from '../connectors/types.ts';
import type { RunStatus } from '../domain/run-status.ts';
import { statusFromMessages, type TableMessage, type TableResult } from '../domain/table-result.ts';
import { chunkKey, type MigrationPlan } from './plan.ts';
import type { ChunkRecord } from './run-store.ts';

export interface TableFailure {
  code: string;
  message: string;
  hint: string;
}

export function describeRange(key: string[], lower: Cell[] | null, upper: Cell[] | null): string {
  if (key.length === 0) return 'the whole table';
  const show = (cells: Cell[]) =>
    cells.map((c) => (c === null ? 'NULL' : Buffer.isBuffer(c) ? `0x${c.toString('hex')}` : c)).join(', ');
  const k = key.length === 1 ? key[0]! : `(${key.join(', ')})`;
  const wrap = (cells: Cell[]) => (key.length === 1 ? show(cells) : `(${show(cells)})`);
  const parts = [];
  if (lower !== null) parts.push(`${k} > ${wrap(lower)}`);
  if (upper !== null) parts.push(`${k} <= ${wrap(upper)}`);
  return parts.length === 0 ? `every ${k}` : parts.join(' and ');
}

export function buildTableResults(
  plan: MigrationPlan,
  chunks: ChunkRecord[],
  failures: Map<string, TableFailure>,
): TableResult[] {
  return plan.tables.map((table) => {
    const name = table.target.name;
    const own = chunks.filter((c) => c.table === name);
    const messages: TableMessage[] = table.notes.map((n) => ({
      level: n.level,
      text: n.text,
      ...(n.guidance === undefined ? {} : { guidance: n.guidance }),
    }));
    const failure = failures.get(name);
    if (failure !== undefined) {
      messages.push({ level: 'error', text: failure.message, guidance: failure.hint, code: failure.code });
    }
    const key = chunkKey(table.chunking);
    for (const chunk of own.filter((c) => c.status === 'mismatch')) {
      messages.push({
        level: 'error',
        code: 'FERRY_VERIFY_MISMATCH',
        text:
          `verification failed for ${describeRange(key, chunk.lower, chunk.upper)}: ` +
          `source has ${chunk.source?.rows ?? '?'} rows (checksum ${chunk.source?.sum ?? '?'}), ` +
          `target has ${chunk.target?.rows ?? '?'} rows (checksum ${chunk.target?.sum ?? '?'})`,
        guidance:
          'Run `ferry resume RUN` to copy that range again, or check for writes to the source or target during the run.',
      });
    }
    if (table.copy && failure === undefined) {
      const unverified = own.filter((c) => c.status !== 'verified' && c.status !== 'mismatch').length;
      if (unverified > 0) {
        messages.push({
          level: 'error',
          text: `${unverified} of ${own.length} chunks were not copied and verified`,
          guidance: 'Run `ferry resume RUN` to finish the table.',
        });
      }
    }
    const invalidUtf8 = own.reduce((n, c) => n + c.warnings.invalidUtf8, 0);
    const zeroDates = own.reduce((n, c) => n + c.warnings.zeroDates, 0);
    if (invalidUtf8 > 0) {
      messages.push({
        level: 'warning',
        text: `${invalidUtf8} text values held invalid UTF-8; the invalid bytes were replaced with U+FFFD`,
        guidance: 'Fix the encoding of those values in the source if the original bytes matter.',
      });
    }
    if (zeroDates > 0) {
      messages.push({
        level: 'warning',
        text: `${zeroDates} zero dates (0000-00-00) were carried as NULL`,
        guidance:
          'Zero dates are not valid dates in the target; set real dates or NULL in the source to silence this.',
      });
    }
    const rowsRead = own.reduce((n, c) => n + c.rowsRead, 0);
    const rowsWritten = own.reduce((n, c) => n + c.rowsWritten, 0);
    return {
      table: name,
      status: statusFromMessages(messages, table.copy),
      rowsRead,
      rowsWritten,
      rowsSkipped: Math.max(0, rowsRead - rowsWritten),
      bytes: own.reduce((n, c) => n + c.bytes, 0),
      durationMs: own.reduce((n, c) => n + c.durationMs, 0),
      messages,
    };
  });
}

export function runStatusFrom(tables: TableResult[]): RunStatus {
  if (tables.some((t) => t.status === 'failed')) return 'failed';
  if (tables.some((t) => t.status === 'warning' || t.status === 'not-migrated'))
    return 'succeeded-with-warnings';
  return 'succeeded';
}

/** True when every table was copied and verified (warnings allowed): the CLI's exit code 0. */
export function everyTableVerified(tables: TableResult[]): boolean {
  return tables.every((t) => t.status === 'migrated' || t.status === 'warning');
}
