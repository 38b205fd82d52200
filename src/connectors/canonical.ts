// Canonical cells and the row hash that every connector must reproduce.
//
// Canonical text per logical type (what a reader yields and what checksums hash):
//   integer, year   base-10 digits with an optional leading '-', no leading zeros ('0', '-12')
//   decimal         the digits as the source prints them, with exactly `scale` fraction digits when
//                   the scale is known ('12.30' for DECIMAL(10,2)); never through a float
//   float (64)      the shortest round-trip digits in PostgreSQL's float8 format: positional for
//                   decimal exponents -4…14, else 'd.ddde±XX' ('1e-05', '1.5e+15'); '-0', 'NaN',
//                   'Infinity', '-Infinity' (float64Text)
//   float (32)      the same for the shortest decimal that round-trips through float32, positional
//                   for exponents -4…5 ('1.6777216e+07') (float32Text)
//   boolean         '1' or '0'
//   text, enum      the string itself (invalid UTF-8 replaced by U+FFFD and counted)
//   set             labels joined by ',' in definition order, as MySQL prints them
//   json            the document text as the source prints it (not re-serialised)
//   binary          a Buffer of the bytes
//   bit             a string of '0'/'1' of the column's length
//   uuid            lowercase hyphenated
//   date            'YYYY-MM-DD'
//   time            'HH:MM:SS' plus '.' and the fraction without trailing zeros when it is not zero;
//                   MySQL's TIME range ('-838:59:59' … '838:59:59') keeps its sign and hours
//   timestamp       'YYYY-MM-DD HH:MM:SS[.fraction]' (fraction as for time); with time zone:
//                   converted to UTC and suffixed with 'Z'
//   interval        PostgreSQL's default interval output (PostgreSQL to PostgreSQL only)
//
// Row hash: serialise the row as `cells.map(serialiseCell).join('\t')` where NULL is `\N`, text has
// '\' doubled and tab, LF and CR written as '\t', '\n', '\r', and binary is `\\x` + lowercase hex
// (two backslashes) — exactly a line of PostgreSQL's COPY text format, so the PostgreSQL writer
// hashes the bytes it sends instead of serialising every row a second time; take the MD5 of its UTF-8
// bytes; the row's hash is the first 16 hex digits read as an unsigned 64-bit integer. A chunk's
// checksum is the row count and the exact (arbitrary-precision) sum of its row hashes, which does
// not depend on row order, so both sides may scan in any order.

import { hash } from 'node:crypto';
import type { Cell, ChunkChecksum, Row } from './types.ts';

export function serialiseCell(cell: Cell): string {
  if (cell === null) return '\\N';
  if (typeof cell === 'string') return escapeText(cell);
  return '\\\\x' + cell.toString('hex');
}

/**
 * '\' doubled; tab, LF and CR as '\t', '\n', '\r' (COPY text escaping). On the copy path for every
 * text cell: indexOf is much faster than a regular expression on long text, and replaceAll of the
 * characters present beats one replace with a callback (about 2× on 1 KB texts with line breaks).
 */
export function escapeText(text: string): string {
  let out = text;
  if (out.indexOf('\\') >= 0) out = out.replaceAll('\\', '\\\\');
  if (out.indexOf('\t') >= 0) out = out.replaceAll('\t', '\\t');
  if (out.indexOf('\n') >= 0) out = out.replaceAll('\n', '\\n');
  if (out.indexOf('\r') >= 0) out = out.replaceAll('\r', '\\r');
  return out;
}

export function serialiseRow(row: Row): string {
  let out = '';
  for (let i = 0; i < row.length; i++) {
    if (i > 0) out += '\t';
    out += serialiseCell(row[i] ?? null);
  }
  return out;
}

/** The row's 64-bit hash as an unsigned bigint. */
export function rowHash(row: Row): bigint {
  return md5Of(row).readBigUInt64BE(0);
}

function md5Of(row: Row): Buffer {
  // crypto.hash is the one-shot form: no Hash object per row (about 25% faster on the copy path).
  return hash('md5', serialiseRow(row), 'buffer') as unknown as Buffer;
}

/**
 * The first 8 bytes of an MD5 digest given as a 'binary' (latin1) string, one char per byte, as two 32-bit
 * halves. A latin1 digest costs half the call overhead of a Buffer one (no ArrayBuffer per row:
 * 1.3 µs instead of 2.0 µs per 460-byte row, of which 0.7 µs is MD5 itself).
 */
function half(d: string, at: number): number {
  return (
    ((d.charCodeAt(at) << 24) |
      (d.charCodeAt(at + 1) << 16) |
      (d.charCodeAt(at + 2) << 8) |
      d.charCodeAt(at + 3)) >>>
    0
  );
}

/**
 * Accumulates rows into a ChunkChecksum. The 64-bit hashes are summed as two 32-bit halves in
 * plain numbers (exact below 2^53, folded into a bigint long before that) to keep BigInt
 * arithmetic off the per-row path.
 */
export class ChecksumAccumulator {
  private rows = 0;
  private high = 0;
  private low = 0;
  private folded = 0n;

  add(row: Row): void {
    this.addDigest(hash('md5', serialiseRow(row), 'binary'));
  }

  /** Add a row given as its serialisation's UTF-8 bytes (a COPY text line without its '\n'). */
  addSerialised(bytes: Uint8Array): void {
    this.addDigest(hash('md5', bytes, 'binary'));
  }

  private addDigest(digest: string): void {
    this.rows++;
    this.high += half(digest, 0);
    this.low += half(digest, 4);
    if ((this.rows & 0xfffff) === 0) this.fold();
  }

  private fold(): void {
    this.folded += (BigInt(this.high) << 32n) + BigInt(this.low);
    this.high = 0;
    this.low = 0;
  }

  result(): ChunkChecksum {
    this.fold();
    return { rows: this.rows, sum: this.folded.toString() };
  }
}

export function checksumOf(rows: Iterable<Row>): ChunkChecksum {
  const acc = new ChecksumAccumulator();
  for (const row of rows) acc.add(row);
  return acc.result();
}

export function checksumsEqual(a: ChunkChecksum, b: ChunkChecksum): boolean {
  return a.rows === b.rows && a.sum === b.sum;
}

/**
 * Shortest round-trip text of a float in PostgreSQL's format (`float8out`/`float4out` with
 * `extra_float_digits` ≥ 1, PostgreSQL 12+): the same shortest digits as JavaScript, positional
 * when the decimal exponent is in [-4, `positionalBelow`) — 15 for doubles, 6 for float32 — and
 * otherwise `d.ddde±XX` with at least two exponent digits; `-0`, `NaN`, `Infinity`, `-Infinity`.
 * PostgreSQL's own output is then canonical, so its checksums run in SQL for float columns too.
 */
function pgFloatText(n: number, shortest: string, positionalBelow: number): string {
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  if (!Number.isFinite(n)) return shortest;
  const negative = shortest.charCodeAt(0) === 45;
  const body = negative ? shortest.slice(1) : shortest;
  const e = body.indexOf('e');
  const mantissa = e < 0 ? body : body.slice(0, e);
  let exponent = e < 0 ? 0 : Number(body.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const intPart = dot < 0 ? mantissa : mantissa.slice(0, dot);
  const fraction = dot < 0 ? '' : mantissa.slice(dot + 1);
  let digits = intPart + fraction;
  exponent += intPart.length - 1;
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead).replace(/0+$/, '');
  exponent -= lead;
  let out: string;
  if (exponent >= -4 && exponent < positionalBelow) {
    if (exponent < 0) out = '0.' + '0'.repeat(-exponent - 1) + digits;
    else if (digits.length <= exponent + 1) out = digits + '0'.repeat(exponent + 1 - digits.length);
    else out = digits.slice(0, exponent + 1) + '.' + digits.slice(exponent + 1);
  } else {
    const abs = Math.abs(exponent);
    out =
      digits[0]! +
      (digits.length > 1 ? '.' + digits.slice(1) : '') +
      (exponent < 0 ? 'e-' : 'e+') +
      (abs < 10 ? '0' + abs : String(abs));
  }
  return negative ? '-' + out : out;
}

/**
 * The shortest decimal strictly inside the rounding interval of `value` (a double, or a float32
 * when `bits` is 32), closest to it, ties to even digits — PostgreSQL's Ryu as configured in
 * `float8out`/`float4out`, which, unlike JavaScript, never picks a decimal on the interval's
 * boundary. Exact (BigInt), so only used where JavaScript's answer can differ: doubles of 2^49 and
 * more (where interval boundaries can be short decimals) and every float32 (JavaScript has no
 * float32 printer; `toPrecision` breaks ties upwards). Returns JavaScript-style text.
 */
function exactShortest(value: number, bits: 32 | 64): string {
  const negative = value < 0;
  const v = Math.abs(value);
  // v = m × 2^e exactly.
  const view = new DataView(new ArrayBuffer(8));
  let m: bigint;
  let e: number;
  let lowerGapHalved: boolean;
  if (bits === 64) {
    view.setFloat64(0, v);
    const hi = view.getUint32(0);
    const lo = view.getUint32(4);
    const exponentBits = hi >>> 20;
    const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    m = exponentBits === 0 ? fraction : fraction | (1n << 52n);
    e = (exponentBits === 0 ? 1 : exponentBits) - 1075;
    lowerGapHalved = fraction === 0n && exponentBits > 1;
  } else {
    view.setFloat32(0, v);
    const word = view.getUint32(0);
    const exponentBits = word >>> 23;
    const fraction = BigInt(word & 0x7fffff);
    m = exponentBits === 0 ? fraction : fraction | (1n << 23n);
    e = (exponentBits === 0 ? 1 : exponentBits) - 150;
    lowerGapHalved = fraction === 0n && exponentBits > 1;
  }
  // In units u = 2^(e-2): v = 4m·u, its rounding interval is the open ((4m - 2)·u, (4m + 2)·u),
  // narrower below a power of two: (4m - 1)·u.
  const s2 = e - 2;
  const center = 4n * m;
  const low = center - (lowerGapHalved ? 1n : 2n);
  const high = center + 2n;
  const pow10 = (n: number): bigint => 10n ** BigInt(n);
  const pow2 = (n: number): bigint => 1n << BigInt(n);
  /** d·10^q compared with x·u: negative, zero or positive. */
  const compare = (d: bigint, q: number, x: bigint): bigint =>
    d * pow10(Math.max(q, 0)) * pow2(Math.max(-s2, 0)) - x * pow2(Math.max(s2, 0)) * pow10(Math.max(-q, 0));
  const inside = (d: bigint, q: number): boolean => compare(d, q, low) > 0n && compare(d, q, high) < 0n;
  let exponent = Math.floor(Math.log10(v));
  while (compare(1n, exponent, center) > 0n) exponent--;
  while (compare(1n, exponent + 1, center) <= 0n) exponent++;
  for (let k = 1; k <= 17; k++) {
    const q = exponent - k + 1;
    // d0 = floor(v / 10^q), then its neighbours: the closest one inside the interval wins.
    const d0 =
      (center * pow2(Math.max(s2, 0)) * pow10(Math.max(-q, 0))) /
      (pow10(Math.max(q, 0)) * pow2(Math.max(-s2, 0)));
    let best: bigint | null = null;
    let bestDistance = 0n;
    for (const d of [d0 - 1n, d0, d0 + 1n, d0 + 2n]) {
      if (d <= 0n || !inside(d, q)) continue;
      const signed = compare(d, q, center);
      const distance = signed < 0n ? -signed : signed;
      if (best === null || distance < bestDistance || (distance === bestDistance && d % 2n === 0n)) {
        best = d;
        bestDistance = distance;
      }
    }
    if (best !== null) {
      let digits = best.toString();
      let q2 = q;
      while (digits.length > 1 && digits.endsWith('0')) {
        digits = digits.slice(0, -1);
        q2++;
      }
      const text = `${digits[0]}${digits.length > 1 ? '.' + digits.slice(1) : ''}e${q2 + digits.length - 1}`;
      return (negative ? '-' : '') + text;
    }
  }
  return String(value);
}

/**
 * Whether JavaScript's shortest text of a double of 2^53 or more lies exactly on the boundary of
 * its rounding interval (which PostgreSQL never picks). Below 2^53 a boundary has more digits than
 * the value itself, so it is never the shortest; above, doubles are integers and so are boundaries.
 */
function onBoundary(n: number, shortest: string): boolean {
  if (!Number.isFinite(n)) return false;
  const body = shortest.charCodeAt(0) === 45 ? shortest.slice(1) : shortest;
  const e = body.indexOf('e');
  let digits = e < 0 ? body : body.slice(0, e).replace('.', '');
  if (e >= 0) {
    const exponent = Number(body.slice(e + 1));
    const dot = body.indexOf('.');
    const integerDigits = dot < 0 || dot > e ? 1 : dot;
    digits = digits + '0'.repeat(Math.max(0, exponent + integerDigits - digits.length));
  }
  const magnitude = Math.abs(n);
  const distance = BigInt(digits) - BigInt(magnitude);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, magnitude);
  const ulp = 2n ** BigInt(((view.getUint32(0) >>> 20) & 0x7ff) - 1075);
  const abs = distance < 0n ? -distance : distance;
  return abs === ulp / 2n || abs === ulp / 4n;
}

/** Canonical text of a double given as text or number (see pgFloatText). */
export function float64Text(value: string | number): string {
  const n = typeof value === 'number' ? value : Number(value);
  const magnitude = Math.abs(n);
  // JavaScript prints this range positionally, with PostgreSQL's digits: the hot path.
  if (magnitude >= 1e-4 && magnitude < 1e15) return String(n);
  const shortest = String(n);
  return pgFloatText(
    n,
    magnitude >= 2 ** 53 && onBoundary(n, shortest) ? exactShortest(n, 64) : shortest,
    15,
  );
}

/** Canonical text of a float32 (the shortest decimal that round-trips through float32; see pgFloatText). */
export function float32Text(value: string | number): string {
  const n = Math.fround(typeof value === 'number' ? value : Number(value));
  if (!Number.isFinite(n) || n === 0) return pgFloatText(n, String(n), 6);
  // The shortest precision that round-trips; exact only where JavaScript may choose otherwise:
  // a tie between two candidates (the value has one digit more, a 5) or a possible boundary.
  if (Math.abs(n) < 2 ** 24) {
    for (let digits = 1; digits <= 9; digits++) {
      const candidate = Number(n.toPrecision(digits));
      if (Math.fround(candidate) !== n) continue;
      const longer = n.toPrecision(digits + 1);
      const tie = Number(longer) === n && /5(e|$)/.test(longer);
      if (!tie) return pgFloatText(n, String(candidate), 6);
      break;
    }
  }
  return pgFloatText(n, exactShortest(n, 32), 6);
}

/** Drop trailing zeros of a fractional-seconds part ('12:00:00.500000' → '12:00:00.5'). */
export function trimFraction(text: string): string {
  const dot = text.lastIndexOf('.');
  if (dot < 0) return text;
  let end = text.length;
  while (end > dot + 1 && text.charCodeAt(end - 1) === 48) end--;
  return end === dot + 1 ? text.slice(0, dot) : text.slice(0, end);
}

/** Approximate payload size of a row, for batch sizing and MB/s. */
export function rowBytes(row: Row): number {
  let n = 0;
  for (const cell of row) {
    if (cell === null) n += 1;
    else n += cell.length;
  }
  return n;
}
