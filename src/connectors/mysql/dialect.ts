// MySQL / MariaDB as a source dialect: identifier quoting and SQL literal parsing. Pure, no I/O.
// MySQL is a source only, so there is no TargetDialect here (the connector's `targetDialect` is null).

import type { SourceDialect } from '../types.ts';

/**
 * Quote an identifier with backticks, doubling any backtick inside. Works for every name MySQL
 * accepts (`order`, `User Name`, `CRONUS$Customer`, `MixedCase`) whatever the session's sql_mode.
 */
export function quoteIdentifier(name: string): string {
  return '`' + name.replaceAll('`', '``') + '`';
}

export const mysqlSourceDialect: SourceDialect = {
  dialect: 'mysql',
  quoteIdentifier,
};

const escapes: Record<string, string> = {
  '0': '\0',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\x1a',
};

/**
 * Parse a comma-separated list of single-quoted SQL strings as MySQL prints them in
 * `information_schema.COLUMNS.COLUMN_TYPE` (`enum('a','b''c','d\\e')`) or COLUMN_DEFAULT (`'x'`):
 * quotes are doubled, backslash escapes as in MySQL string literals.
 */
export function parseQuotedList(text: string): string[] {
  const values: string[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf("'", i);
    if (open < 0) break;
    let value = '';
    let j = open + 1;
    for (; j < text.length; j++) {
      const ch = text[j]!;
      if (ch === '\\' && j + 1 < text.length) {
        const next = text[j + 1]!;
        value += escapes[next] ?? next;
        j++;
      } else if (ch === "'") {
        if (text[j + 1] === "'") {
          value += "'";
          j++;
        } else {
          break;
        }
      } else {
        value += ch;
      }
    }
    values.push(value);
    i = j + 1;
  }
  return values;
}
