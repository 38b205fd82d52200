// Building and reading LineBatches: rows as canonical serialisations (canonical.ts), one line each.
// Line readers write the database's output bytes straight into a LineBuilder; the engine reads the
// key of a batch's last row back with `cellsOfLine` (keyset checkpoints).

import { isUtf8 } from 'node:buffer';
import type { Cell, LineBatch, Row } from './types.ts';

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;
const REPLACEMENT = Buffer.from('\uFFFD');

/**
 * A growable buffer of lines. The buffer starts at the size the previous batch needed, so it rarely
 * grows; `take()` hands the filled part over (the writer owns it from then on) and starts afresh.
 */
export class LineBuilder {
  private buf: Buffer;
  private o = 0;
  private ends: number[] = [];
  private lineStart = 0;
  /** Payload bytes so far (see LineBatch.bytes). */
  bytes = 0;

  constructor(private capacity = 1 << 16) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  get rows(): number {
    return this.ends.length;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.o;
  }

  private ensure(need: number): void {
    if (this.o + need <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.o + need));
    this.buf.copy(bigger, 0, 0, this.o);
    this.buf = bigger;
  }

  tab(): void {
    this.ensure(1);
    this.buf[this.o++] = TAB;
  }

  /** '\N' */
  nullCell(): void {
    this.ensure(2);
    this.buf[this.o++] = BACKSLASH;
    this.buf[this.o++] = 0x4e;
    this.bytes += 1;
  }

  /** Bytes that are already serialised (a database-written segment of a line). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.o);
    this.o += bytes.length;
    this.bytes += bytes.length;
  }

  /** Text known to need no escaping (numbers, dates). */
  plain(text: string): void {
    this.ensure(text.length * 3);
    this.o += this.buf.write(text, this.o);
    this.bytes += text.length;
  }

  /**
   * UTF-8 text bytes, escaped ('\' doubled; tab, LF, CR as '\t', '\n', '\r'). The runs between
   * special bytes are found with indexOf and copied natively: a byte loop in JavaScript cost
   * 5 µs per 1 KB text on the benchmark, most texts having a few line breaks.
   */
  escaped(bytes: Buffer): void {
    this.bytes += bytes.length;
    let slash = bytes.indexOf(BACKSLASH);
    let tab = bytes.indexOf(TAB);
    let lf = bytes.indexOf(LF);
    let cr = bytes.indexOf(CR);
    if (slash < 0 && tab < 0 && lf < 0 && cr < 0) {
      this.ensure(bytes.length);
      this.buf.set(bytes, this.o);
      this.o += bytes.length;
      return;
    }
    this.ensure(bytes.length * 2);
    const end = bytes.length;
    let from = 0;
    for (;;) {
      const next = Math.min(
        slash < 0 ? end : slash,
        tab < 0 ? end : tab,
        lf < 0 ? end : lf,
        cr < 0 ? end : cr,
      );
      if (next > from) {
        this.o += bytes.copy(this.buf, this.o, from, next);
      }
      if (next === end) return;
      const b = bytes[next]!;
      this.buf[this.o++] = BACKSLASH;
      if (b === BACKSLASH) {
        this.buf[this.o++] = BACKSLASH;
        slash = bytes.indexOf(BACKSLASH, next + 1);
      } else if (b === TAB) {
        this.buf[this.o++] = 0x74;
        tab = bytes.indexOf(TAB, next + 1);
      } else if (b === LF) {
        this.buf[this.o++] = 0x6e;
        lf = bytes.indexOf(LF, next + 1);
      } else {
        this.buf[this.o++] = 0x72;
        cr = bytes.indexOf(CR, next + 1);
      }
      from = next + 1;
    }
  }

  /** Bytes as `\\x` + lowercase hex. */
  binary(bytes: Buffer): void {
    this.ensure(bytes.length * 2 + 3);
    this.buf[this.o++] = BACKSLASH;
    this.buf[this.o++] = BACKSLASH;
    this.buf[this.o++] = 0x78;
    this.o += this.buf.write(bytes.toString('hex'), this.o, 'latin1');
    this.bytes += bytes.length;
  }

  endLine(): void {
    this.ensure(1);
    this.buf[this.o++] = LF;
    this.ends.push(this.o);
    this.lineStart = this.o;
  }

  /** The lines so far as a batch (null when there are none), and a fresh buffer for the next. */
  take(): LineBatch | null {
    if (this.ends.length === 0) return null;
    const batch: LineBatch = {
      text: this.buf.subarray(0, this.lineStart),
      ends: Uint32Array.from(this.ends),
      rows: this.ends.length,
      bytes: this.bytes,
    };
    this.capacity = Math.max(1 << 16, this.lineStart + (this.lineStart >> 3));
    this.buf = Buffer.allocUnsafe(this.capacity);
    this.o = 0;
    this.lineStart = 0;
    this.ends = [];
    this.bytes = 0;
    return batch;
  }
}

/** The fields of one line (without its '\n'), split at its tabs (tabs inside values are escaped). */
function fieldsOf(line: Buffer): Buffer[] {
  const fields: Buffer[] = [];
  let from = 0;
  for (let tab = line.indexOf(TAB); tab >= 0; tab = line.indexOf(TAB, from)) {
    fields.push(line.subarray(from, tab));
    from = tab + 1;
  }
  fields.push(line.subarray(from));
  return fields;
}

const unescapes: Record<number, number> = { 0x74: TAB, 0x6e: LF, 0x72: CR, 0x5c: BACKSLASH };

function unescapeBytes(field: Buffer): Buffer {
  if (field.indexOf(BACKSLASH) < 0) return field;
  const out = Buffer.allocUnsafe(field.length);
  let o = 0;
  for (let i = 0; i < field.length; i++) {
    const b = field[i]!;
    if (b === BACKSLASH && i + 1 < field.length) {
      const next = field[++i]!;
      out[o++] = unescapes[next] ?? next;
    } else out[o++] = b;
  }
  return out.subarray(0, o);
}

/**
 * The canonical cells of one line (the inverse of `serialiseRow`): '\N' → null, fields of binary
 * columns (`binary[i]`) → Buffer, others → text.
 */
export function cellsOfLine(line: Buffer, binary: readonly boolean[]): Row {
  return fieldsOf(line).map((field, i): Cell => {
    if (field.length === 2 && field[0] === BACKSLASH && field[1] === 0x4e) return null;
    const bytes = unescapeBytes(field);
    if (binary[i] === true) return Buffer.from(bytes.subarray(2).toString('latin1'), 'hex');
    return bytes.toString('utf8');
  });
}

/** The last line of a batch, without its '\n'. */
export function lastLine(batch: LineBatch): Buffer {
  const end = batch.ends[batch.rows - 1]!;
  const start = batch.rows > 1 ? batch.ends[batch.rows - 2]! : 0;
  return batch.text.subarray(start, end - 1);
}

/**
 * Invalid UTF-8 in database-written lines: the same rule as cell readers (canonical.ts) — each
 * text value with invalid UTF-8 has it replaced with U+FFFD, and each text value containing U+FFFD
 * afterwards is counted. `text[i]` marks the text columns. Returns the batch itself when every
 * byte is valid and no U+FFFD occurs (the common case: one pass of SIMD validation), otherwise a
 * repaired copy.
 */
export function replaceInvalidUtf8(
  batch: LineBatch,
  text: readonly boolean[],
  onReplaced: (count: number) => void,
): LineBatch {
  if (isUtf8(batch.text) && batch.text.indexOf(REPLACEMENT) < 0) return batch;
  const out = new LineBuilder(batch.text.length + 64);
  let count = 0;
  let start = 0;
  for (const end of batch.ends) {
    const line = batch.text.subarray(start, end - 1);
    start = end;
    if (isUtf8(line) && line.indexOf(REPLACEMENT) < 0) {
      out.raw(line);
    } else {
      fieldsOf(line).forEach((field, i) => {
        if (i > 0) out.tab();
        if (text[i] !== true) return out.raw(field);
        const decoded = field.toString('utf8');
        if (decoded.includes('\uFFFD')) count++;
        out.raw(Buffer.from(decoded, 'utf8'));
      });
    }
    out.endLine();
  }
  if (count > 0) onReplaced(count);
  const repaired = out.take()!;
  return { ...repaired, bytes: batch.bytes };
}
