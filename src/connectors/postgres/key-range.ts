// The key-range predicate shared by read, checksum and deleteRange, so all three see the same rows.
//
// Text keys compare with COLLATE "C" (code point order, like MySQL's *_bin collations and SQLite's
// BINARY), so a range means the same rows on every dialect whatever the database's collation.

import { FerryError } from '../../domain/errors.ts';
import type { Cell, ColumnSchema, KeyRange, TargetColumnDef } from '../types.ts';
import { quoteIdentifier } from './dialect.ts';

type ColumnLike = Pick<ColumnSchema | TargetColumnDef, 'name' | 'nativeType' | 'type'>;

export interface RangeSql {
  /** `WHERE …` or '' for an unbounded range. */
  where: string;
  /** `ORDER BY …` or '' when the key is empty. */
  orderBy: string;
  /** Key values as text, in placeholder order. */
  values: string[];
}

/** Writes the SQL that stands for the `index`-th key value, cast to `nativeType`. */
export type Placeholder = (index: number, nativeType: string) => string;

export const boundParameter: Placeholder = (i, type) => `$${i + 1}::${type}`;

const SAFE_TYPE = /^[\w\s(),."$]+$/;
const COLLATABLE = /^\s*(text|varchar|character varying|char|character|bpchar|name)\b/i;

/** Canonical cell → PostgreSQL input text ('\x…' for bytes; booleans '1'/'0' are valid input). */
export function inputText(cell: Cell): string {
  if (cell === null) throw new FerryError('FERRY_INTERNAL', 'a key range bound contains NULL');
  return typeof cell === 'string' ? cell : '\\x' + cell.toString('hex');
}

export function rangeSql(
  columns: readonly ColumnLike[],
  range: KeyRange,
  placeholder: Placeholder,
): RangeSql {
  if (range.key.length === 0) return { where: '', orderBy: '', values: [] };
  const keys = range.key.map((name) => {
    const column = columns.find((c) => c.name === name);
    if (column === undefined) {
      throw new FerryError('FERRY_INTERNAL', `key column "${name}" is not a column of the table`);
    }
    if (!SAFE_TYPE.test(column.nativeType)) {
      throw new FerryError(
        'FERRY_INTERNAL',
        `unexpected native type "${column.nativeType}" of key column "${name}"`,
      );
    }
    const collate = COLLATABLE.test(column.nativeType) ? ' COLLATE "C"' : '';
    return { ref: quoteIdentifier(name) + collate, nativeType: column.nativeType, collate };
  });
  const values: string[] = [];
  const conditions: string[] = [];
  const bound = (cells: Cell[], op: string) => {
    if (cells.length !== keys.length) {
      throw new FerryError(
        'FERRY_INTERNAL',
        `key range bound has ${cells.length} values for ${keys.length} key columns`,
      );
    }
    const params = keys.map((k, i) => {
      values.push(inputText(cells[i] ?? null));
      return placeholder(values.length - 1, k.nativeType) + k.collate;
    });
    const left = keys.map((k) => k.ref);
    conditions.push(
      keys.length === 1
        ? `${left[0]} ${op} ${params[0]}`
        : `(${left.join(', ')}) ${op} (${params.join(', ')})`,
    );
  };
  if (range.lower !== null) bound(range.lower, '>');
  if (range.upper !== null) bound(range.upper, '<=');
  return {
    where: conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`,
    orderBy: `ORDER BY ${keys.map((k) => k.ref).join(', ')}`,
    values,
  };
}
