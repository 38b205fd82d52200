// The WHERE / ORDER BY of a key range, with every bound as a parameter (escaped by mysql2, never
// concatenated by us). Row-value comparisons are expanded into AND/OR form, which MariaDB's range
// optimizer turns into index ranges ((a,b) > (x,y) is not always used as an index range there).
//
// Each bound is bound in the key column's own type: integers as bigint literals, decimals through
// CAST(? AS DECIMAL(p,s)) — comparing a DECIMAL column with a string would compare as doubles.

import { FerryError } from '../../domain/errors.ts';
import type { Cell, ColumnSchema, KeyRange, TableSchema } from '../types.ts';
import { quoteIdentifier } from './dialect.ts';

export interface RangeSql {
  /** ` WHERE …` or '' */
  where: string;
  /** ` ORDER BY …` or '' */
  orderBy: string;
  values: unknown[];
}

export interface KeyPart {
  quoted: string;
  placeholder: string;
  bind(cell: Cell): unknown;
}

export function keyPart(table: TableSchema, name: string): KeyPart {
  const column: ColumnSchema | undefined = table.columns.find((c) => c.name === name);
  if (column === undefined) {
    throw new FerryError('FERRY_INTERNAL', `key column "${name}" is not a column of table "${table.name}"`, {
      details: { table: table.name, column: name },
    });
  }
  const quoted = quoteIdentifier(name);
  const type = column.type;
  switch (type.kind) {
    case 'integer':
    case 'year':
    case 'boolean':
      return { quoted, placeholder: '?', bind: (cell) => (typeof cell === 'string' ? BigInt(cell) : cell) };
    case 'decimal': {
      const p = type.precision ?? 65;
      const s = type.scale ?? 30;
      return { quoted, placeholder: `CAST(? AS DECIMAL(${p},${s}))`, bind: (cell) => cell };
    }
    case 'float':
      return { quoted, placeholder: 'CAST(? AS DOUBLE)', bind: (cell) => cell };
    case 'timestamp':
      // Canonical timestamps with time zone end in 'Z'; the session is UTC.
      return {
        quoted,
        placeholder: '?',
        bind: (cell) => (typeof cell === 'string' && cell.endsWith('Z') ? cell.slice(0, -1) : cell),
      };
    default:
      return { quoted, placeholder: '?', bind: (cell) => cell };
  }
}

/** `(k1,…,kn) <op> (v1,…,vn)` expanded: k1 op1 v1 OR (k1 = v1 AND k2 op2 v2) OR … */
function compare(
  parts: KeyPart[],
  bound: Cell[],
  strict: '>' | '<',
  inclusive: boolean,
  values: unknown[],
): string {
  const alternatives: string[] = [];
  const altValues: unknown[] = [];
  for (let i = 0; i < parts.length; i++) {
    const terms: string[] = [];
    for (let j = 0; j < i; j++) {
      terms.push(`${parts[j]!.quoted} = ${parts[j]!.placeholder}`);
      altValues.push(parts[j]!.bind(bound[j] ?? null));
    }
    const op = i === parts.length - 1 && inclusive ? `${strict}=` : strict;
    terms.push(`${parts[i]!.quoted} ${op} ${parts[i]!.placeholder}`);
    altValues.push(parts[i]!.bind(bound[i] ?? null));
    alternatives.push(terms.length === 1 ? terms[0]! : `(${terms.join(' AND ')})`);
  }
  if (alternatives.length === 1) {
    values.push(...altValues);
    return alternatives[0]!;
  }
  // The leading column's own bound first, so the optimizer sees a simple range on the index prefix.
  values.push(parts[0]!.bind(bound[0] ?? null), ...altValues);
  return `${parts[0]!.quoted} ${strict}= ${parts[0]!.placeholder} AND (${alternatives.join(' OR ')})`;
}

export function rangeSql(table: TableSchema, range: KeyRange): RangeSql {
  if (range.key.length === 0) return { where: '', orderBy: '', values: [] };
  const parts = range.key.map((name) => keyPart(table, name));
  const values: unknown[] = [];
  const conditions: string[] = [];
  if (range.lower !== null) conditions.push(compare(parts, range.lower, '>', false, values));
  if (range.upper !== null) conditions.push(compare(parts, range.upper, '<', true, values));
  return {
    where: conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`,
    orderBy: ` ORDER BY ${parts.map((p) => p.quoted).join(', ')}`,
    values,
  };
}
