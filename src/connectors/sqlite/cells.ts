// SQLite values → canonical cells (see ../canonical.ts), by the stored value AND the logical type.
//
// SQLite stores each value with its own storage class (INTEGER, REAL, TEXT, BLOB, NULL), whatever
// the column's declared type. Every column except binary ones is selected as
// `CASE WHEN typeof(c)='text' THEN CAST(c AS BLOB) ELSE c END`, so TEXT arrives as its raw bytes:
// decoding them here replaces invalid UTF-8 with U+FFFD exactly like the driver would, but lets us
// tell a replacement from a genuine U+FFFD and count it. Integers arrive as bigint (safeIntegers),
// so 64-bit values never pass through a JS number.
//
// Per logical type (storage class → canonical text):
//   integer, year   INTEGER → digits; REAL → its exact digits when integral, else the float text
//   boolean         INTEGER/REAL → '0' when zero, else '1'
//   float           INTEGER/REAL → float64Text (float32Text for 32-bit floats)
//   decimal         INTEGER/REAL → plain digits (no exponent) padded to the scale; TEXT digits padded
//   time, timestamp TEXT 'HH:MM:SS.500' → trailing fraction zeros trimmed; 'T' separator → space
//   binary          selected as CAST(c AS BLOB): a Buffer of the bytes
//   anything else   INTEGER → digits, REAL → float64Text, TEXT/BLOB → UTF-8 text
// TEXT that does not look like the logical type (SQLite does not enforce declared types) is carried
// as the text itself.

import { isUtf8 } from 'node:buffer';
import { float32Text, float64Text, trimFraction } from '../canonical.ts';
import type { Cell, LogicalType, ReadWarnings } from '../types.ts';
import { quoteIdentifier } from './dialect.ts';

/** What better-sqlite3 hands over with safeIntegers(true). */
export type SqliteValue = bigint | number | string | Buffer | null;

export type CellDecoder = (value: SqliteValue, warnings: ReadWarnings) => Cell;

/** The expression that selects `column` for decoding with `decoderFor(type)`. */
export function selectExpression(name: string, type: LogicalType): string {
  const q = quoteIdentifier(name);
  if (type.kind === 'binary') return `CAST(${q} AS BLOB)`;
  return `CASE WHEN typeof(${q}) = 'text' THEN CAST(${q} AS BLOB) ELSE ${q} END`;
}

function decodeUtf8(bytes: Buffer, warnings: ReadWarnings): string {
  const text = bytes.toString('utf8');
  if (text.includes('\uFFFD') && !isUtf8(bytes)) warnings.invalidUtf8++;
  return text;
}

function asText(value: string | Buffer, warnings: ReadWarnings): string {
  return typeof value === 'string' ? value : decodeUtf8(value, warnings);
}

/** A double as plain decimal digits, without exponent ('1.5e-7' → '0.00000015'). */
export function plainDecimal(n: number): string {
  const text = String(n);
  const match = /^(-?)(\d+)(?:\.(\d+))?e([-+]\d+)$/.exec(text);
  if (match === null) return text;
  const [, sign = '', int = '', frac = '', exp = '0'] = match;
  const digits = int + frac;
  const point = int.length + Number(exp);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

/** Pad the fraction of a plain decimal to `scale` digits (never cut: a longer fraction is kept). */
export function padScale(text: string, scale: number | null): string {
  if (scale === null || scale <= 0 || !DECIMAL_TEXT.test(text)) return text;
  const dot = text.indexOf('.');
  const have = dot < 0 ? 0 : text.length - dot - 1;
  if (have >= scale) return text;
  return (dot < 0 ? text + '.' : text) + '0'.repeat(scale - have);
}

const TIMESTAMP_TEXT = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/;
const TIME_TEXT = /^\d{2}:\d{2}:\d{2}\.\d+$/;

function integerText(value: bigint | number): string {
  if (typeof value === 'bigint') return value.toString();
  return Number.isInteger(value) ? BigInt(value).toString() : float64Text(value);
}

function numberText(value: bigint | number): string {
  return typeof value === 'bigint' ? value.toString() : float64Text(value);
}

export function decoderFor(type: LogicalType): CellDecoder {
  switch (type.kind) {
    case 'binary':
      return (v, w) => (v === null || Buffer.isBuffer(v) ? v : Buffer.from(asText(String(v), w), 'utf8'));
    case 'integer':
    case 'year':
      return (v, w) =>
        v === null ? null : typeof v === 'bigint' || typeof v === 'number' ? integerText(v) : asText(v, w);
    case 'boolean':
      return (v, w) => {
        if (v === null) return null;
        if (typeof v === 'bigint') return v === 0n ? '0' : '1';
        if (typeof v === 'number') return v === 0 ? '0' : '1';
        return asText(v, w);
      };
    case 'float': {
      const format = type.bits === 32 ? float32Text : float64Text;
      return (v, w) => {
        if (v === null) return null;
        if (typeof v === 'bigint') return format(Number(v));
        if (typeof v === 'number') return format(v);
        return asText(v, w);
      };
    }
    case 'decimal': {
      const scale = type.scale;
      return (v, w) => {
        if (v === null) return null;
        if (typeof v === 'bigint') return padScale(v.toString(), scale);
        if (typeof v === 'number') return Number.isFinite(v) ? padScale(plainDecimal(v), scale) : String(v);
        return padScale(asText(v, w), scale);
      };
    }
    case 'timestamp':
      return (v, w) => {
        if (v === null) return null;
        if (typeof v === 'bigint' || typeof v === 'number') return numberText(v);
        const text = asText(v, w);
        const match = TIMESTAMP_TEXT.exec(text);
        return match === null ? text : `${match[1]} ${trimFraction(match[2] ?? '')}`;
      };
    case 'time':
      return (v, w) => {
        if (v === null) return null;
        if (typeof v === 'bigint' || typeof v === 'number') return numberText(v);
        const text = asText(v, w);
        return TIME_TEXT.test(text) ? trimFraction(text) : text;
      };
    case 'text':
    case 'date':
    case 'enum':
    case 'set':
    case 'json':
    case 'bit':
    case 'uuid':
    case 'interval':
    case 'unsupported':
      return (v, w) =>
        v === null ? null : typeof v === 'bigint' || typeof v === 'number' ? numberText(v) : asText(v, w);
    default: {
      const never: never = type;
      return never;
    }
  }
}
