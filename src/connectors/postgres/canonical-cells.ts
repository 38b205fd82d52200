// Canonical cells from what PostgreSQL stores, twice over: in JavaScript (decoding COPY text) and
// in SQL (the SELECT whose COPY output is canonical lines, for checksums and line reads). Both live
// here so they cannot drift apart; the checksum test compares them over every type.
//
// The codec is chosen by the column's native type (what this database stores), falling back to its
// logical type for names this file does not know (domains, enum types, …). Used as a target, the
// TableSchema carries the target's native type, so reading back gives the source's canonical text.

import { float32Text, float64Text, trimFraction } from '../canonical.ts';
import type { Cell, ColumnSchema, TargetColumnDef } from '../types.ts';
import { quoteIdentifier } from './dialect.ts';

export type CodecKind =
  'plain' | 'text' | 'bpchar' | 'bool' | 'float4' | 'float8' | 'bytea' | 'time' | 'timestamp' | 'timestamptz';

type ColumnLike = Pick<ColumnSchema | TargetColumnDef, 'name' | 'nativeType' | 'type'>;

function byNativeType(nativeType: string): CodecKind | null {
  const n = nativeType
    .trim()
    .toLowerCase()
    .replace(/\s*\(.*?\)/, '');
  switch (n) {
    case 'boolean':
    case 'bool':
      return 'bool';
    case 'real':
    case 'float4':
      return 'float4';
    case 'double precision':
    case 'float8':
      return 'float8';
    case 'bytea':
      return 'bytea';
    case 'character':
    case 'char':
    case 'bpchar':
      return 'bpchar';
    case 'timestamptz':
    case 'timestamp with time zone':
      return 'timestamptz';
    case 'timestamp':
    case 'timestamp without time zone':
      return 'timestamp';
    case 'time':
    case 'time without time zone':
      return 'time';
    case 'smallint':
    case 'integer':
    case 'bigint':
    case 'int2':
    case 'int4':
    case 'int8':
    case 'numeric':
    case 'decimal':
    case 'date':
    case 'uuid':
    case 'bit':
    case 'bit varying':
    case 'varbit':
    case 'interval':
      return 'plain';
    case 'text':
    case 'varchar':
    case 'character varying':
    case 'json':
    case 'jsonb':
      return 'text';
    default:
      return null;
  }
}

function byLogicalType(column: ColumnLike): CodecKind {
  const t = column.type;
  switch (t.kind) {
    case 'boolean':
      return 'bool';
    case 'float':
      return t.bits === 32 ? 'float4' : 'float8';
    case 'binary':
      return 'bytea';
    case 'time':
      return 'time';
    case 'timestamp':
      return t.withTimeZone ? 'timestamptz' : 'timestamp';
    case 'text':
      return t.fixed ? 'bpchar' : 'text';
    case 'integer':
    case 'decimal':
    case 'year':
    case 'date':
    case 'uuid':
    case 'bit':
    case 'interval':
      return 'plain';
    default:
      return 'text';
  }
}

export function codecOf(column: ColumnLike): CodecKind {
  return byNativeType(column.nativeType) ?? byLogicalType(column);
}

function stripPad(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 32) end--;
  return end === text.length ? text : text.slice(0, end);
}

function utc(text: string): string {
  return text.endsWith('+00') ? text.slice(0, -3) + 'Z' : text;
}

/** Decoder from PostgreSQL's text output (COPY, unescaped) to the canonical cell. */
export type CellDecoder = (text: string) => Cell;

const decoders: Record<CodecKind, CellDecoder> = {
  plain: (s) => s,
  text: (s) => s,
  bpchar: stripPad,
  bool: (s) => (s === 't' ? '1' : '0'),
  float4: (s) => float32Text(s),
  float8: (s) => float64Text(s),
  bytea: (s) => Buffer.from(s.slice(2), 'hex'),
  time: trimFraction,
  timestamp: trimFraction,
  // PostgreSQL prints fractions without trailing zeros already; trimFraction would eat '+00'.
  timestamptz: utc,
};

export function decoderFor(column: ColumnLike): CellDecoder {
  return decoders[codecOf(column)];
}

/**
 * SQL selecting `column` so that COPY TO's text output of it is its serialised cell: COPY already
 * escapes '\\', tab, LF and CR as the serialisation does (and '\\b', '\\f', '\\v', which
 * `canonicalCopyLine` turns back into bytes), prints NULL as '\\N' and bytea as '\\\\x…'. Null when
 * PostgreSQL cannot print the column canonically (floats before PostgreSQL 12).
 */
export function copyCanonicalSql(column: ColumnLike, serverVersion = 120000): string | null {
  const c = quoteIdentifier(column.name);
  switch (codecOf(column)) {
    case 'plain':
    case 'time':
    case 'timestamp':
    case 'text':
    case 'bytea':
      return c;
    case 'bpchar':
      return `${c}::text`;
    case 'bool':
      return `CASE WHEN ${c} THEN '1' WHEN NOT ${c} THEN '0' END`;
    case 'timestamptz':
      return `CASE WHEN right(${c}::text, 3) = '+00' THEN left(${c}::text, -3) || 'Z' ELSE ${c}::text END`;
    case 'float4':
    case 'float8':
      return serverVersion >= 120000 ? c : null;
  }
}
