// SQLite declared types → Ferry logical types (pure, no I/O).
//
// SQLite does not enforce declared types: a column's declared type only gives it an *affinity*
// (https://www.sqlite.org/datatype3.html §3.1), and any column may hold any storage class. We map
// by the affinity rules, in SQLite's own order, but keep the intent the declared name expresses
// (BOOLEAN, DECIMAL(p,s), DATE, DATETIME, JSON…). Reading canonicalises by the stored value *and*
// this logical type (see cells.ts), so a value that does not match its declared type still travels.

import type { LogicalType } from '../types.ts';

/** Shown as `nativeType` for a column declared without a type (BLOB affinity: values kept as stored). */
export const NO_DECLARED_TYPE = '(no declared type)';

export type Affinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC';

/** SQLite's affinity of a declared type (datatype3.html §3.1, rules applied in order). */
export function affinityOf(declared: string): Affinity {
  const t = declared.toUpperCase();
  if (t.includes('INT')) return 'INTEGER';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'TEXT';
  if (t.includes('BLOB') || t.trim() === '' || t === NO_DECLARED_TYPE.toUpperCase()) return 'BLOB';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

const TYPE_PATTERN = /^\s*([A-Za-z_][A-Za-z0-9_ ]*?)\s*(?:\(\s*([+-]?\d+)\s*(?:,\s*([+-]?\d+)\s*)?\))?\s*$/;

/** The rules as a table, for docs: declared type (pattern) → logical type. First match wins. */
export const sourceTypeRules: { declared: string; logical: string; why: string }[] = [
  {
    declared: '(empty)',
    logical: 'text',
    why: 'No declared type (BLOB affinity): values kept as stored, carried as text; BLOBs decoded as UTF-8.',
  },
  {
    declared: 'BOOL, BOOLEAN',
    logical: 'boolean',
    why: "Stored as 0/1 (NUMERIC affinity); read as '0'/'1'.",
  },
  {
    declared: 'contains INT (INT, INTEGER, TINYINT, SMALLINT, BIGINT, …)',
    logical: 'integer 64 signed',
    why: 'INTEGER affinity stores any 64-bit signed integer whatever the declared width.',
  },
  {
    declared: 'contains CHAR, CLOB or TEXT (VARCHAR(n), CHAR(n), TEXT…)',
    logical: 'text (no length)',
    why: 'SQLite neither enforces the length nor pads CHAR(n); carrying the length would make a target reject data the source holds.',
  },
  { declared: 'contains BLOB', logical: 'binary', why: 'Bytes as stored.' },
  {
    declared: 'contains REAL, FLOA or DOUB',
    logical: 'float 64',
    why: 'SQLite REAL is an 8-byte IEEE double.',
  },
  {
    declared: 'DECIMAL(p,s), NUMERIC(p,s), DECIMAL, NUMERIC',
    logical: 'decimal(p,s)',
    why: 'NUMERIC affinity keeps INTEGER or REAL values; read as plain decimal digits padded to the scale.',
  },
  {
    declared: 'DATE',
    logical: 'date',
    why: 'Text dates; numbers (Julian day, Unix time) are carried as their digits.',
  },
  { declared: 'TIME', logical: 'time (6 fraction digits)', why: "Text 'HH:MM:SS[.f]'." },
  {
    declared: 'DATETIME, TIMESTAMP',
    logical: 'timestamp without time zone (6 fraction digits)',
    why: "Text; 'T' separator normalised to a space, trailing fraction zeros trimmed.",
  },
  { declared: 'JSON', logical: 'json', why: 'Document text as stored.' },
  {
    declared: 'anything else (NUMERIC affinity)',
    logical: 'text',
    why: 'An unknown name (STRING, UUID, MONEY…) may hold text or numbers; text carries both exactly.',
  },
];

/** Map a declared type to a logical type. Never throws: every declared type has an affinity. */
export function logicalTypeOf(declared: string): LogicalType {
  const text: LogicalType = { kind: 'text', maxLength: null, fixed: false };
  if (declared.trim() === '' || declared === NO_DECLARED_TYPE) return text;
  const match = TYPE_PATTERN.exec(declared);
  const base = (match?.[1] ?? declared).toUpperCase().replace(/\s+/g, ' ').trim();
  if (base === 'BOOL' || base === 'BOOLEAN') return { kind: 'boolean' };
  const affinity = affinityOf(declared);
  if (affinity === 'INTEGER') return { kind: 'integer', bits: 64, unsigned: false };
  if (affinity === 'TEXT') return text;
  if (affinity === 'BLOB') return { kind: 'binary', maxLength: null, fixed: false };
  if (affinity === 'REAL') return { kind: 'float', bits: 64 };
  // NUMERIC affinity: the declared name says what was meant.
  if (base === 'DECIMAL' || base === 'NUMERIC') {
    const precision = match?.[2] === undefined ? null : Number(match[2]);
    const scale = match?.[3] === undefined ? (precision === null ? null : 0) : Number(match[3]);
    return { kind: 'decimal', precision, scale };
  }
  if (base === 'DATE') return { kind: 'date' };
  if (base === 'TIME') return { kind: 'time', fractionDigits: 6 };
  if (base === 'DATETIME' || base === 'TIMESTAMP')
    return { kind: 'timestamp', fractionDigits: 6, withTimeZone: false };
  if (base === 'JSON') return { kind: 'json', binary: false };
  return text;
}
