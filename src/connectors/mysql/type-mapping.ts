// MySQL / MariaDB native type → LogicalType, and column defaults → ColumnDefault. Pure, no I/O.
// docs/type-mapping.md (MySQL section) is written from `mysqlTypeRules`; keep them in step.

import type { ColumnDefault, LogicalType } from '../types.ts';
import { parseQuotedList } from './dialect.ts';

/** The catalog facts one column's logical type is derived from (information_schema.COLUMNS). */
export interface NativeColumnInfo {
  /** DATA_TYPE, lower case: `int`, `varchar`, `longtext`… */
  dataType: string;
  /** COLUMN_TYPE, lower case: `int(10) unsigned zerofill`, `enum('a','b')`, `tinyint(1)`… */
  columnType: string;
  characterMaximumLength: number | null;
  numericPrecision: number | null;
  numericScale: number | null;
  datetimePrecision: number | null;
  /** MariaDB: the column has a `CHECK (json_valid(col))` constraint (how MariaDB spells JSON). */
  jsonValidCheck: boolean;
}

/** One row of the mapping table, for docs/type-mapping.md (MySQL section). */
export interface TypeRule {
  native: string;
  logical: string;
  rule: string;
}

export const mysqlTypeRules: TypeRule[] = [
  { native: 'tinyint(1)', logical: 'boolean', rule: "'0' for 0, '1' for any other value" },
  {
    native: 'tinyint, smallint, mediumint, int, bigint [unsigned] [zerofill]',
    logical: 'integer (8/16/24/32/64 bits, unsigned flag)',
    rule: 'digits as text, never through a JS number; zerofill padding removed',
  },
  {
    native: 'decimal(p,s), numeric(p,s)',
    logical: 'decimal(p,s)',
    rule: 'the exact digits MySQL prints, with s fraction digits (up to decimal(65,30))',
  },
  {
    native: 'float',
    logical: 'float(32)',
    rule: 'read as `col + 0e0` (exact double of the float32) then shortest float32 text',
  },
  { native: 'double, real', logical: 'float(64)', rule: 'shortest round-trip double text' },
  { native: 'char(n)', logical: 'text(n, fixed)', rule: 'UTF-8 text (trailing spaces removed by MySQL)' },
  { native: 'varchar(n)', logical: 'text(n)', rule: 'UTF-8 text' },
  { native: 'tinytext, text, mediumtext, longtext', logical: 'text (no length)', rule: 'UTF-8 text' },
  { native: 'binary(n)', logical: 'binary(n, fixed)', rule: 'bytes as stored (0x00 padding kept)' },
  { native: 'varbinary(n)', logical: 'binary(n)', rule: 'bytes' },
  { native: 'tinyblob, blob, mediumblob, longblob', logical: 'binary (no length)', rule: 'bytes' },
  { native: 'date', logical: 'date', rule: "'YYYY-MM-DD'; zero dates → NULL (counted)" },
  { native: 'time(fsp)', logical: 'time(fsp)', rule: "sign and hours > 24 kept ('-838:59:59')" },
  {
    native: 'datetime(fsp)',
    logical: 'timestamp(fsp) without time zone',
    rule: 'wall-clock text, no zone; zero dates → NULL (counted)',
  },
  {
    native: 'timestamp(fsp)',
    logical: 'timestamp(fsp) with time zone',
    rule: "read in a '+00:00' session, suffixed 'Z'; zero timestamps → NULL (counted)",
  },
  { native: 'year', logical: 'year', rule: "digits; the zero year '0000' is '0'" },
  { native: "enum('a',…)", logical: 'enum(values)', rule: 'the label' },
  { native: "set('a',…)", logical: 'set(values)', rule: 'labels joined by , in definition order' },
  {
    native: 'json (MySQL) / longtext CHECK (json_valid(col)) (MariaDB)',
    logical: 'json (binary: MySQL true, MariaDB false)',
    rule: 'document text as the server prints it',
  },
  { native: 'bit(n)', logical: 'bit(n)', rule: "'0'/'1' string of length n" },
  { native: 'uuid (MariaDB ≥ 10.7)', logical: 'uuid', rule: 'lower-case hyphenated' },
  {
    native: 'geometry, point, …, inet4, inet6, vector, anything else',
    logical: 'unsupported',
    rule: 'the table result names the column and the reason',
  },
];

const integerBits: Record<string, 8 | 16 | 24 | 32 | 64> = {
  tinyint: 8,
  smallint: 16,
  mediumint: 24,
  int: 32,
  integer: 32,
  bigint: 64,
};

const spatialTypes = new Set([
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);

function lengthIn(columnType: string): number | null {
  const m = /\((\d+)\)/.exec(columnType);
  return m === null ? null : Number(m[1]);
}

/** Map one column. Never throws: anything unknown is `unsupported` with a reason. */
export function mapMysqlType(info: NativeColumnInfo): LogicalType {
  const dataType = info.dataType.toLowerCase();
  const columnType = info.columnType.toLowerCase();
  const bits = integerBits[dataType];
  if (bits !== undefined) {
    // MySQL ≥ 8.0.19 drops display widths except for tinyint(1); MariaDB keeps them all.
    if (bits === 8 && /^tinyint\(1\)$/.test(columnType)) return { kind: 'boolean' };
    return { kind: 'integer', bits, unsigned: columnType.includes('unsigned') };
  }
  switch (dataType) {
    case 'decimal':
    case 'numeric':
    case 'fixed':
      return { kind: 'decimal', precision: info.numericPrecision, scale: info.numericScale };
    case 'float':
      return { kind: 'float', bits: 32 };
    case 'double':
    case 'real':
    case 'double precision':
      return { kind: 'float', bits: 64 };
    case 'char':
      return { kind: 'text', maxLength: info.characterMaximumLength, fixed: true };
    case 'varchar':
      return { kind: 'text', maxLength: info.characterMaximumLength, fixed: false };
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
      if (info.jsonValidCheck) return { kind: 'json', binary: false };
      return { kind: 'text', maxLength: null, fixed: false };
    case 'json':
      return { kind: 'json', binary: true };
    case 'binary':
      return { kind: 'binary', maxLength: info.characterMaximumLength, fixed: true };
    case 'varbinary':
      return { kind: 'binary', maxLength: info.characterMaximumLength, fixed: false };
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      return { kind: 'binary', maxLength: null, fixed: false };
    case 'date':
      return { kind: 'date' };
    case 'time':
      return { kind: 'time', fractionDigits: info.datetimePrecision ?? 0 };
    case 'datetime':
      return { kind: 'timestamp', fractionDigits: info.datetimePrecision ?? 0, withTimeZone: false };
    case 'timestamp':
      return { kind: 'timestamp', fractionDigits: info.datetimePrecision ?? 0, withTimeZone: true };
    case 'year':
      return { kind: 'year' };
    case 'enum':
      return { kind: 'enum', values: parseQuotedList(info.columnType.slice(info.columnType.indexOf('('))) };
    case 'set':
      return { kind: 'set', values: parseQuotedList(info.columnType.slice(info.columnType.indexOf('('))) };
    case 'bit':
      return { kind: 'bit', length: info.numericPrecision ?? lengthIn(columnType) ?? 1 };
    case 'uuid':
      return { kind: 'uuid' };
    default:
      if (spatialTypes.has(dataType)) {
        return { kind: 'unsupported', reason: `spatial type ${columnType} is not carried by Ferry` };
      }
      return { kind: 'unsupported', reason: `MySQL type ${columnType} is not supported by Ferry` };
  }
}

/** True when the column's text output is padded with zeros (`int(5) zerofill` prints `00042`). */
export function isZerofill(nativeType: string): boolean {
  return nativeType.toLowerCase().includes('zerofill');
}

const currentTimestamp = /^(current_timestamp|now|localtimestamp|localtime)(\(\d*\))?$/i;
const numberLiteral = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Interpret COLUMN_DEFAULT. MariaDB ≥ 10.2.7 quotes string literals (`'abc'`), prints numbers bare,
 * `NULL` for a NULL default and expressions as SQL; MySQL prints string literals bare and marks
 * expressions with `DEFAULT_GENERATED` in EXTRA (`mariadb` tells which convention applies).
 */
export function parseColumnDefault(
  raw: string | null,
  type: LogicalType,
  extra: string,
  mariadb: boolean,
): ColumnDefault | null {
  if (raw === null) return null;
  if (mariadb && raw.toUpperCase() === 'NULL') return null;
  if (currentTimestamp.test(raw)) return { kind: 'current-timestamp' };
  let literal: string | null = null;
  if (mariadb) {
    if (raw.startsWith("'") && raw.endsWith("'") && raw.length >= 2) literal = parseQuotedList(raw)[0] ?? '';
    else if (numberLiteral.test(raw)) literal = raw;
    else if (/^b'[01]*'$/i.test(raw)) literal = raw.slice(2, -1);
    else return { kind: 'expression', sql: raw };
  } else {
    if (/DEFAULT_GENERATED/i.test(extra)) return { kind: 'expression', sql: raw };
    literal = raw;
  }
  return canonicalDefault(literal, type);
}

function canonicalDefault(literal: string, type: LogicalType): ColumnDefault | null {
  switch (type.kind) {
    case 'boolean':
      return { kind: 'literal', value: Number(literal) === 0 ? '0' : '1' };
    case 'integer':
    case 'year':
      return /^-?\d+$/.test(literal)
        ? { kind: 'literal', value: BigInt(literal).toString() }
        : { kind: 'expression', sql: literal };
    case 'bit':
      return { kind: 'literal', value: literal.replace(/^0+/, '').padStart(type.length, '0') };
    case 'date':
    case 'timestamp':
      if (/^\d{4}-00-|^\d{4}-\d\d-00/.test(literal)) return null; // zero dates are carried as NULL
      return {
        kind: 'literal',
        value: trimFractionText(literal) + (type.kind === 'timestamp' && type.withTimeZone ? 'Z' : ''),
      };
    case 'time':
      return { kind: 'literal', value: trimFractionText(literal) };
    default:
      return { kind: 'literal', value: literal };
  }
}

function trimFractionText(text: string): string {
  if (!text.includes('.')) return text;
  return text.replace(/0+$/, '').replace(/\.$/, '');
}
