// PostgreSQL as a source: native type → LogicalType. Pure; never throws (unknown types become
// `unsupported` with a reason). `sourceTypeRules` is the table the docs are written from.

import type { LogicalType } from '../types.ts';

/** What the catalog says about a column's type (domains already resolved to their base type). */
export interface NativeTypeInfo {
  /** pg_type.typname of the (base) type, e.g. `int4`, `varchar`, `mood`. */
  typname: string;
  /** pg_type.typtype: b base, e enum, r range, m multirange, c composite, p pseudo. */
  typtype: string;
  /** pg_type.typcategory: A array, G geometric, … */
  typcategory: string;
  /** pg_attribute.atttypmod (or the domain's typtypmod). */
  typmod: number;
  /** Labels of an enum type in definition order. */
  enumValues: string[];
}

export const sourceTypeRules: Array<{ native: string; logical: string; note?: string }> = [
  { native: 'smallint, integer, bigint', logical: 'integer 16 / 32 / 64 bits, signed' },
  { native: 'smallserial, serial, bigserial, identity', logical: 'integer, autoIncrement' },
  { native: 'numeric(p,s)', logical: 'decimal(p,s)', note: 'printed with exactly s fraction digits' },
  { native: 'numeric', logical: 'decimal (precision and scale unknown)', note: 'digits as stored' },
  { native: 'real', logical: 'float 32', note: 'shortest text that round-trips through float32' },
  { native: 'double precision', logical: 'float 64', note: "JavaScript's shortest round-trip text" },
  { native: 'boolean', logical: 'boolean', note: "'1' / '0'" },
  { native: 'char(n)', logical: 'text fixed, maxLength n', note: 'trailing pad spaces removed when read' },
  { native: 'varchar(n), varchar, text', logical: 'text, maxLength n or none' },
  { native: 'bytea', logical: 'binary' },
  { native: 'date', logical: 'date', note: "'YYYY-MM-DD'; BC dates keep PostgreSQL's ' BC' suffix" },
  { native: 'time(p)', logical: 'time, p fraction digits (6 when unspecified)' },
  { native: 'timestamp(p)', logical: 'timestamp without time zone' },
  {
    native: 'timestamptz(p)',
    logical: 'timestamp with time zone',
    note: "read in a session with TimeZone=UTC and written 'YYYY-MM-DD HH:MM:SS[.f]Z'",
  },
  { native: 'json', logical: 'json', note: 'document text exactly as stored' },
  { native: 'jsonb', logical: 'json (binary)', note: "PostgreSQL's normalised output" },
  { native: 'bit(n), bit varying(n)', logical: 'bit, length n', note: "'0'/'1' characters" },
  { native: 'uuid', logical: 'uuid' },
  { native: 'interval', logical: 'interval', note: 'IntervalStyle=postgres output' },
  { native: 'enum types', logical: 'enum with the labels of pg_enum in sort order' },
  { native: 'domains', logical: 'the logical type of the base type' },
  {
    native:
      'arrays, ranges, multiranges, composite types, geometric types, money, time with time zone, network types, xml, tsvector, others',
    logical: 'unsupported (reason given)',
  },
];

function numericType(typmod: number): LogicalType {
  if (typmod < 4) return { kind: 'decimal', precision: null, scale: null };
  const precision = ((typmod - 4) >> 16) & 0xffff;
  // PostgreSQL 15 allows a negative scale, stored as an 11-bit two's complement number.
  const rawScale = (typmod - 4) & 0x7ff;
  const scale = rawScale > 1023 ? rawScale - 2048 : rawScale;
  if (scale < 0)
    return { kind: 'unsupported', reason: `numeric(${precision},${scale}) has a negative scale` };
  return { kind: 'decimal', precision, scale };
}

function fraction(typmod: number): number {
  return typmod < 0 ? 6 : typmod;
}

const unsupportedReasons: Record<string, string> = {
  money: 'money depends on the server locale (lc_monetary); convert it to numeric in the source',
  timetz: 'time with time zone has no portable meaning; convert it to time or timestamptz',
  xml: 'xml is not carried; convert it to text',
  tsvector: 'tsvector is derived search data; rebuild it in the target',
  tsquery: 'tsquery is not carried',
  inet: 'network address types are not carried; convert them to text',
  cidr: 'network address types are not carried; convert them to text',
  macaddr: 'network address types are not carried; convert them to text',
  macaddr8: 'network address types are not carried; convert them to text',
  oid: 'object identifiers are local to one database',
};

export function logicalTypeOf(info: NativeTypeInfo): LogicalType {
  const { typname, typtype, typcategory, typmod } = info;
  if (typcategory === 'A') return { kind: 'unsupported', reason: `array type ${typname} is not carried` };
  if (typtype === 'e') return { kind: 'enum', values: info.enumValues };
  if (typtype === 'r' || typtype === 'm')
    return { kind: 'unsupported', reason: `range type ${typname} is not carried` };
  if (typtype === 'c') return { kind: 'unsupported', reason: `composite type ${typname} is not carried` };
  if (typtype === 'p') return { kind: 'unsupported', reason: `pseudo-type ${typname} is not carried` };
  if (typcategory === 'G') return { kind: 'unsupported', reason: `geometric type ${typname} is not carried` };
  switch (typname) {
    case 'int2':
      return { kind: 'integer', bits: 16, unsigned: false };
    case 'int4':
      return { kind: 'integer', bits: 32, unsigned: false };
    case 'int8':
      return { kind: 'integer', bits: 64, unsigned: false };
    case 'numeric':
      return numericType(typmod);
    case 'float4':
      return { kind: 'float', bits: 32 };
    case 'float8':
      return { kind: 'float', bits: 64 };
    case 'bool':
      return { kind: 'boolean' };
    case 'bpchar':
      return { kind: 'text', maxLength: typmod >= 4 ? typmod - 4 : 1, fixed: true };
    case 'varchar':
      return { kind: 'text', maxLength: typmod >= 4 ? typmod - 4 : null, fixed: false };
    case 'text':
    case 'citext':
      return { kind: 'text', maxLength: null, fixed: false };
    case 'name':
      return { kind: 'text', maxLength: 63, fixed: false };
    case 'bytea':
      return { kind: 'binary', maxLength: null, fixed: false };
    case 'date':
      return { kind: 'date' };
    case 'time':
      return { kind: 'time', fractionDigits: fraction(typmod) };
    case 'timestamp':
      return { kind: 'timestamp', fractionDigits: fraction(typmod), withTimeZone: false };
    case 'timestamptz':
      return { kind: 'timestamp', fractionDigits: fraction(typmod), withTimeZone: true };
    case 'json':
      return { kind: 'json', binary: false };
    case 'jsonb':
      return { kind: 'json', binary: true };
    case 'bit':
      return { kind: 'bit', length: typmod > 0 ? typmod : 1 };
    case 'varbit':
      return { kind: 'bit', length: typmod > 0 ? typmod : 0 };
    case 'uuid':
      return { kind: 'uuid' };
    case 'interval':
      return { kind: 'interval' };
    default:
      return {
        kind: 'unsupported',
        reason: unsupportedReasons[typname] ?? `PostgreSQL type ${typname} is not supported by Ferry`,
      };
  }
}

/** Classify a column default printed by pg_get_expr into Ferry's ColumnDefault vocabulary. */
export function classifyDefault(
  sql: string,
  canonical: (literalText: string) => string | null,
):
  | { kind: 'literal'; value: string }
  | { kind: 'current-timestamp' }
  | { kind: 'expression'; sql: string }
  | null {
  const trimmed = sql.trim();
  if (/^NULL(::[\w\s."()[\],]+)?$/i.test(trimmed)) return null;
  if (
    /^(CURRENT_TIMESTAMP|now\(\)|LOCALTIMESTAMP|statement_timestamp\(\)|transaction_timestamp\(\))(\(\d\))?$/i.test(
      trimmed,
    )
  ) {
    return { kind: 'current-timestamp' };
  }
  if (/^(true|false)$/i.test(trimmed))
    return { kind: 'literal', value: trimmed.toLowerCase() === 'true' ? '1' : '0' };
  const number = /^\(?(-?\d+(\.\d+)?)\)?(::[\w\s]+)?$/.exec(trimmed);
  if (number !== null) {
    const value = canonical(number[1]!);
    if (value !== null) return { kind: 'literal', value };
  }
  const quoted = /^'((?:[^']|'')*)'(::[\w\s."()[\],]+)?$/s.exec(trimmed);
  if (quoted !== null) {
    const value = canonical(quoted[1]!.replaceAll("''", "'"));
    if (value !== null) return { kind: 'literal', value };
  }
  return { kind: 'expression', sql: trimmed };
}
