// Canonical text (canonical.ts) of each column, in MySQL/MariaDB SQL: what the in-database
// checksum hashes and what the line reader (read-lines.ts) has the server write. Must give exactly
// what read() yields after cell-decoders.ts; the checksum and read-lines tests compare them.

import type { ColumnSchema } from '../types.ts';
import { quoteIdentifier } from './dialect.ts';
import { isZerofill } from './type-mapping.ts';

// SQL string literals (the session's sql_mode has no NO_BACKSLASH_ESCAPES).
export const BACKSLASH = "'\\\\'";
export const TWO_BACKSLASHES = "'\\\\\\\\'";
export const TAB = "'\\t'";
const ESCAPED_TAB = "'\\\\t'";
const LF = "'\\n'";
const ESCAPED_LF = "'\\\\n'";
const CR = "'\\r'";
const ESCAPED_CR = "'\\\\r'";
export const NULL_TEXT = "'\\\\N'";
const HEX_PREFIX = "'\\\\\\\\x'";

function trimmedFraction(text: string, fractionDigits: number): string {
  return fractionDigits > 0 ? `TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM ${text}))` : text;
}

function notZeroDate(q: string, text: string): string {
  return `IF(MONTH(${q}) = 0 OR DAYOFMONTH(${q}) = 0, NULL, ${text})`;
}

/** SQL producing the column's canonical text (or NULL), or null when SQL cannot match read(). */
export function canonicalSql(column: ColumnSchema): string | null {
  const q = quoteIdentifier(column.name);
  const type = column.type;
  switch (type.kind) {
    case 'integer':
      return isZerofill(column.nativeType) ? `CAST(${q} AS UNSIGNED)` : q;
    case 'decimal':
      return isZerofill(column.nativeType) ? null : q;
    case 'float':
      return null;
    case 'boolean':
      return `CASE WHEN ${q} = 0 THEN '0' WHEN ${q} IS NOT NULL THEN '1' END`;
    case 'text':
    case 'enum':
    case 'set':
    case 'json':
      // As bytes: byte-wise REPLACE is cheaper than the collation-aware one, and the bytes are UTF-8.
      return (
        `REPLACE(REPLACE(REPLACE(REPLACE(CAST(CONVERT(${q} USING utf8mb4) AS BINARY), ` +
        `${BACKSLASH}, ${TWO_BACKSLASHES}), ${TAB}, ${ESCAPED_TAB}), ${LF}, ${ESCAPED_LF}), ${CR}, ${ESCAPED_CR})`
      );
    case 'binary':
      return `CONCAT(${HEX_PREFIX}, LOWER(HEX(${q})))`;
    case 'date':
      return notZeroDate(q, `CAST(${q} AS CHAR)`);
    case 'timestamp': {
      const text = trimmedFraction(`CAST(${q} AS CHAR)`, type.fractionDigits);
      return notZeroDate(q, type.withTimeZone ? `CONCAT(${text}, 'Z')` : text);
    }
    case 'time':
      return trimmedFraction(`CAST(${q} AS CHAR)`, type.fractionDigits);
    case 'year':
      return `(${q} + 0)`;
    case 'bit':
      return `LPAD(BIN(${q}), ${type.length}, '0')`;
    case 'uuid':
      return `LOWER(CAST(${q} AS CHAR))`;
    case 'interval':
    case 'unsupported':
      return null;
    default: {
      const never: never = type;
      throw new Error(`unknown logical type ${JSON.stringify(never)}`);
    }
  }
}

/** When read() yields NULL for the column: SQL NULL, and zero dates. */
export function nullCondition(column: ColumnSchema): string {
  const q = quoteIdentifier(column.name);
  if (column.type.kind === 'date' || column.type.kind === 'timestamp') {
    return `(${q} IS NULL OR MONTH(${q}) = 0 OR DAYOFMONTH(${q}) = 0)`;
  }
  return `${q} IS NULL`;
}
