// Driver cells → canonical cells (see canonical.ts).
//
// mysql2 decodes the text protocol itself (its generated row parser is the fastest path: handing us
// raw Buffers instead cost 2.5× the CPU per row, mostly in Buffer view allocation and GC). The
// session options make every exactness-critical value arrive as a string: BIGINT
// (`supportBigNumbers` + `bigNumberStrings`), DECIMAL (`decimalNumbers: false`), dates
// (`dateStrings`), JSON (`jsonStrings`), and FLOAT/DOUBLE are selected `CAST(… AS CHAR)`.
// TINYINT…INT and YEAR arrive as JS numbers, exact below 2^53. BINARY/BLOB/BIT arrive as Buffers.
//
// Each column gets a decoder code once per read (`planDecoders`); `decodeRow` is a single switch over
// those codes, with no closures, regexes or allocations beyond the result strings on the hot path.
//
// Invalid UTF-8: mysql2 decodes character cells with Node's UTF-8 decoder, which replaces invalid
// sequences with U+FFFD. A character cell containing U+FFFD is counted in `warnings.invalidUtf8`
// (the check is free for Latin-1-only strings, which V8 stores one byte per character). A value
// that already contained U+FFFD when stored is counted too: that character is itself the trace of
// an earlier lossy conversion, so the warning is deserved. MariaDB ≥ 10.x validates every write
// into a utf8mb3/utf8mb4 column (invalid bytes become '?', in any sql_mode, through INSERT, LOAD
// DATA and ALTER … CONVERT alike) and converts other character sets to utf8mb4 on output, so only
// data written by old servers or copied in at the file level can trigger it.
//
// Zero dates: '0000-00-00', '0000-00-00 00:00:00' and any date with a zero month or day are not
// dates in any target; they are yielded as NULL and counted in `warnings.zeroDates`.

import { float32Text, float64Text, trimFraction } from '../canonical.ts';
import type { Cell, ColumnSchema, ReadWarnings } from '../types.ts';
import { isZerofill } from './type-mapping.ts';

/** What mysql2 hands over for one cell with the session's options. */
export type DriverCell = string | number | Buffer | null;

export const enum Decode {
  /** string as is (DECIMAL, BIGINT, ENUM/SET labels are checked as text) */
  Verbatim,
  /** string, checked for U+FFFD */
  Text,
  /** number (TINYINT…INT) or string (BIGINT) */
  Integer,
  /** number or string with zerofill padding */
  Zerofill,
  Boolean,
  Binary,
  Date,
  DateTime,
  Timestamp,
  Time,
  Year,
  Bit,
  Float32,
  Float64,
  Uuid,
}

/** The decoder code of each column, computed once per read. */
export function planDecoders(columns: ColumnSchema[]): Uint8Array {
  const codes = new Uint8Array(columns.length);
  columns.forEach((column, i) => {
    codes[i] = decoderFor(column);
  });
  return codes;
}

function decoderFor(column: ColumnSchema): Decode {
  const type = column.type;
  switch (type.kind) {
    case 'integer':
      return isZerofill(column.nativeType) ? Decode.Zerofill : Decode.Integer;
    case 'decimal':
      return isZerofill(column.nativeType) ? Decode.Zerofill : Decode.Verbatim;
    case 'float':
      return type.bits === 32 ? Decode.Float32 : Decode.Float64;
    case 'boolean':
      return Decode.Boolean;
    case 'text':
    case 'enum':
    case 'set':
    case 'json':
      return Decode.Text;
    case 'binary':
      return Decode.Binary;
    case 'date':
      return Decode.Date;
    case 'time':
      return Decode.Time;
    case 'timestamp':
      return type.withTimeZone ? Decode.Timestamp : Decode.DateTime;
    case 'year':
      return Decode.Year;
    case 'bit':
      return Decode.Bit;
    case 'uuid':
      return Decode.Uuid;
    case 'interval':
    case 'unsupported':
      throw new Error(`column ${column.name} of kind ${type.kind} cannot be read from MySQL`);
    default: {
      const never: never = type;
      throw new Error(`unknown logical type ${JSON.stringify(never)}`);
    }
  }
}

/** Bit strings of every byte value: BIT(n) cells arrive as big-endian bytes. */
const byteBits: string[] = Array.from({ length: 256 }, (_, b) => b.toString(2).padStart(8, '0'));

function bitText(b: Buffer, length: number): string {
  let out = '';
  for (let i = 0; i < b.length; i++) out += byteBits[b[i]!];
  if (out.length === length) return out;
  return out.length > length ? out.slice(out.length - length) : out.padStart(length, '0');
}

/** A date with a zero month or day ('0000-00-00', '2024-00-10', '2024-05-00 …'). */
function isZeroDate(s: string): boolean {
  return (
    (s.charCodeAt(5) === 48 && s.charCodeAt(6) === 48) || (s.charCodeAt(8) === 48 && s.charCodeAt(9) === 48)
  );
}

export function stripZerofill(text: string): string {
  const sign = text.charCodeAt(0) === 45 ? 1 : 0;
  let i = sign;
  while (i < text.length - 1 && text.charCodeAt(i) === 48 && text.charCodeAt(i + 1) !== 46) i++;
  return sign === 0 ? text.slice(i) : '-' + text.slice(i);
}

/**
 * Decode one driver row in place into canonical cells and return its payload bytes (text length +
 * buffer length, 1 per NULL).
 */
export function decodeRow(
  row: DriverCell[],
  codes: Uint8Array,
  bitLengths: Int32Array,
  warnings: ReadWarnings,
): number {
  let bytes = 0;
  for (let i = 0; i < codes.length; i++) {
    const v = row[i];
    if (v === null || v === undefined) {
      row[i] = null;
      bytes += 1;
      continue;
    }
    let out: Cell;
    switch (codes[i] as Decode) {
      case Decode.Verbatim:
        out = v as string;
        break;
      case Decode.Text:
        out = v as string;
        if (out.indexOf('\uFFFD') !== -1) warnings.invalidUtf8++;
        break;
      case Decode.Integer:
        out = typeof v === 'number' ? '' + v : (v as string);
        break;
      case Decode.Zerofill:
        out = typeof v === 'number' ? '' + v : stripZerofill(v as string);
        break;
      case Decode.Boolean:
        out = v === 0 || v === '0' ? '0' : '1';
        break;
      case Decode.Binary:
        out = v as Buffer;
        break;
      case Decode.Date:
        if (isZeroDate(v as string)) {
          warnings.zeroDates++;
          out = null;
        } else {
          out = v as string;
        }
        break;
      case Decode.DateTime:
        if (isZeroDate(v as string)) {
          warnings.zeroDates++;
          out = null;
        } else {
          out = trimFraction(v as string);
        }
        break;
      case Decode.Timestamp:
        if (isZeroDate(v as string)) {
          warnings.zeroDates++;
          out = null;
        } else {
          out = trimFraction(v as string) + 'Z';
        }
        break;
      case Decode.Time:
        out = trimFraction(v as string);
        break;
      case Decode.Year:
        out = '' + v;
        break;
      case Decode.Bit:
        out = bitText(v as Buffer, bitLengths[i]!);
        break;
      case Decode.Float32:
        out = float32Text(v as string);
        break;
      case Decode.Float64:
        out = float64Text(v as string);
        break;
      case Decode.Uuid:
        out = (v as string).toLowerCase();
        break;
      default:
        out = null;
    }
    row[i] = out;
    bytes += out === null ? 1 : out.length;
  }
  return bytes;
}

/** Per column: the BIT(n) length, 0 for other columns. */
export function planBitLengths(columns: ColumnSchema[]): Int32Array {
  return Int32Array.from(columns, (c) => (c.type.kind === 'bit' ? c.type.length : 0));
}

/** SQL to select a column so that `decodeRow` can make it canonical exactly. */
export function selectExpression(column: ColumnSchema, quoted: string): string {
  if (column.type.kind === 'float') {
    // MySQL prints FLOAT with 6 significant digits; `+ 0e0` is the exact double of the float32.
    // As text, so no digit goes through mysql2's own float parser (which is not correctly rounded
    // for 17-digit values); Number(text) in float32Text/float64Text is.
    return column.type.bits === 32 ? `CAST(${quoted} + 0e0 AS CHAR)` : `CAST(${quoted} AS CHAR)`;
  }
  return quoted;
}
