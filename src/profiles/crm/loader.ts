// The contract the per-dialect CRM loaders (load-sqlite.ts, load-mysql.ts, load-postgres.ts) share,
// and the text encoding PostgreSQL's COPY and MariaDB's LOAD DATA both read.

import type { GeneratedRow, CellValue } from './generate-rows.ts';
import type { CrmTable } from './schema.ts';

export interface CrmLoader {
  /** CRM tables that already exist in the database. */
  existingTables(names: readonly string[]): Promise<string[]>;
  dropTables(tables: readonly CrmTable[]): Promise<void>;
  createTable(table: CrmTable): Promise<void>;
  /** Loads `rows` (streamed, in key order); calls `onRows(done)` as rows are written. */
  load(
    table: CrmTable,
    rows: Iterator<GeneratedRow>,
    onRows: (done: number) => void,
    signal?: AbortSignal,
  ): Promise<number>;
  /** Late primary key and indexes. */
  afterLoad(table: CrmTable): Promise<void>;
  /** Refresh the optimizer's statistics so catalog row estimates are right. */
  analyze(tables: readonly CrmTable[]): Promise<void>;
  close(): Promise<void>;
}

const needsEscape = /[\\\t\n\r]/;

/** One field of a tab-separated line, with `\N` for NULL and backslash escapes. */
export function textField(value: CellValue, binary: (bytes: Buffer) => string): string {
  if (value === null) return '\\N';
  switch (typeof value) {
    case 'string':
      return needsEscape.test(value)
        ? value.replace(/[\\\t\n\r]/g, (c) =>
            c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
          )
        : value;
    case 'boolean':
      return value ? '1' : '0';
    case 'number':
    case 'bigint':
      return String(value);
    default:
      return binary(value);
  }
}

/**
 * Turns rows into text chunks of about `chunkBytes` (tab-separated, newline-terminated), counting
 * rows as they are encoded. Stops after `limit` rows when given.
 */
export function* textChunks(
  rows: Iterator<GeneratedRow>,
  binary: (bytes: Buffer) => string,
  onRow: () => void,
  limit = Infinity,
  chunkBytes = 256 * 1024,
): Generator<string> {
  let chunk = '';
  let taken = 0;
  while (taken < limit) {
    const next = rows.next();
    if (next.done === true) break;
    taken++;
    const row = next.value;
    let line = '';
    for (let i = 0; i < row.length; i++) line += (i === 0 ? '' : '\t') + textField(row[i] ?? null, binary);
    chunk += line + '\n';
    onRow();
    if (chunk.length >= chunkBytes) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}
