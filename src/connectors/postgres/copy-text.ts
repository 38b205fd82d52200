// PostgreSQL COPY text format: splitting a COPY TO stream into rows, undoing its escapes, and
// encoding canonical cells for COPY FROM. Rows end with '\n', fields are separated by '\t', NULL is
// '\N', and '\', newline, CR and tab inside a value are backslash-escaped.

import { escapeText, type ChecksumAccumulator } from '../canonical.ts';
import type { LogicalType, Row } from '../types.ts';

const NEWLINE = 0x0a;

/**
 * Cuts a byte stream into complete lines. A line break byte never occurs inside a multi-byte UTF-8
 * sequence, so decoding whole lines never splits a character.
 */
export class CopyLineSplitter {
  private pending: Buffer[] = [];

  /** Complete lines in `chunk` (plus what was pending), without their '\n'. */
  push(chunk: Buffer): string[] {
    const last = chunk.lastIndexOf(NEWLINE);
    if (last < 0) {
      this.pending.push(chunk);
      return [];
    }
    let head = chunk.subarray(0, last);
    if (this.pending.length > 0) {
      head = Buffer.concat([...this.pending, head]);
      this.pending = [];
    }
    if (last + 1 < chunk.length) this.pending.push(chunk.subarray(last + 1));
    return head.toString('utf8').split('\n');
  }

  /** True when bytes after the last line break are left over (a truncated stream). */
  get hasRemainder(): boolean {
    return this.pending.length > 0;
  }
}

const unescapes: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** Undo COPY text escapes of one field (not '\N', which the caller checks first). */
export function unescapeField(field: string): string {
  let slash = field.indexOf('\\');
  if (slash < 0) return field;
  let out = '';
  let from = 0;
  while (slash >= 0) {
    out += field.slice(from, slash);
    const next = field[slash + 1] ?? '';
    out += unescapes[next] ?? next;
    from = slash + 2;
    slash = field.indexOf('\\', from);
  }
  return out + field.slice(from);
}

const TAB = 0x09;
const BACKSLASH = 0x5c;

/**
 * Encodes batches of canonical cells as COPY FROM text, straight into one Buffer per batch: NULL →
 * '\N', Buffer → '\\x' + hex (COPY turns '\\' into the '\' of bytea's hex input), text escaped.
 * The hot path of writing: the only per-cell allocation is the escaped copy of a text that needs
 * it. The buffer starts at the size of the previous batch, so it rarely has to grow.
 *
 * A COPY text line is exactly a row's canonical serialisation (canonical.ts), so when `checksum` is
 * given each row's line is hashed straight from the buffer: no second serialisation of the row.
 */
export class CopyEncoder {
  private capacity = 1 << 16;

  /**
   * @param plain per column, true when its canonical text can never hold '\', tab, LF or CR
   *   (numbers, dates, times, UUIDs, bits: see `isPlainText`), so escaping is skipped for it.
   */
  constructor(private readonly plain: readonly boolean[] = []) {}

  encode(rows: readonly Row[], checksum?: ChecksumAccumulator): Buffer {
    let buf = Buffer.allocUnsafe(this.capacity);
    let o = 0;
    const ensure = (need: number) => {
      if (o + need <= buf.length) return;
      const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, o + need));
      buf.copy(bigger, 0, 0, o);
      buf = bigger;
    };
    for (const row of rows) {
      const lineStart = o;
      const n = row.length;
      for (let i = 0; i < n; i++) {
        const cell = row[i];
        if (cell === null || cell === undefined) {
          ensure(3);
          if (i > 0) buf[o++] = TAB;
          buf[o++] = BACKSLASH;
          buf[o++] = 0x4e; // N
        } else if (typeof cell === 'string') {
          const text = this.plain[i] === true ? cell : escapeText(cell);
          ensure(text.length * 3 + 1);
          if (i > 0) buf[o++] = TAB;
          o += buf.write(text, o);
        } else {
          ensure(cell.length * 2 + 4);
          if (i > 0) buf[o++] = TAB;
          buf[o++] = BACKSLASH;
          buf[o++] = BACKSLASH;
          buf[o++] = 0x78; // x
          o += buf.write(cell.toString('hex'), o, 'latin1');
        }
      }
      ensure(1);
      checksum?.addSerialised(buf.subarray(lineStart, o));
      buf[o++] = 0x0a;
    }
    this.capacity = Math.max(1 << 16, o + (o >> 3));
    return buf.subarray(0, o);
  }
}

/** True when canonical text of `type` never needs COPY escaping (no '\', tab, LF or CR in it). */
export function isPlainText(type: LogicalType): boolean {
  switch (type.kind) {
    case 'integer':
    case 'decimal':
    case 'float':
    case 'boolean':
    case 'date':
    case 'time':
    case 'timestamp':
    case 'year':
    case 'bit':
    case 'uuid':
      return true;
    default:
      return false;
  }
}

/** COPY FROM text of `rows` (see CopyEncoder). */
export function encodeRows(rows: readonly Row[]): Buffer {
  return new CopyEncoder().encode(rows);
}
