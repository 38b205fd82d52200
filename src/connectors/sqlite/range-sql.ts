// The WHERE / ORDER BY of a key range, with every value a bound parameter.
//
// `(k1, k2) > (?, ?) AND (k1, k2) <= (?, ?) ORDER BY k1, k2`, using SQLite row values. A bound
// parameter has no affinity, so the key column's affinity converts the canonical text ('42') to
// the stored class before comparing. One exception: an integer key stored in a TEXT column (a
// 64-bit unsigned key on a SQLite target, see target-types.ts) would compare as text ('10' < '9'),
// so it is compared as (length, text), which is numeric order for digits without leading zeros.

import { FerryError } from '../../domain/errors.ts';
import type { Cell, KeyRange, LogicalType } from '../types.ts';
import { affinityOf, quoteIdentifier } from './dialect.ts';

export interface KeyedColumn {
  name: string;
  nativeType: string;
  type: LogicalType;
}

export interface RangeSql {
  /** ' WHERE …' or ''. */
  where: string;
  /** ' ORDER BY …' or ''. */
  orderBy: string;
  params: Cell[];
}

/** Column definitions of `names` in `table`, or FERRY_INTERNAL when the plan names an unknown column. */
export function columnsByName<C extends { name: string }>(tableName: string, all: C[], names: string[]): C[] {
  return names.map((name) => {
    const column = all.find((c) => c.name === name);
    if (column === undefined) {
      throw new FerryError('FERRY_INTERNAL', `table ${tableName} has no column ${name} in its schema`, {
        details: { table: tableName, column: name },
      });
    }
    return column;
  });
}

function comparedAsLengthAndText(column: KeyedColumn): boolean {
  return (
    (column.type.kind === 'integer' || column.type.kind === 'year') &&
    affinityOf(column.nativeType) === 'TEXT'
  );
}

export function rangeSql(tableName: string, columns: KeyedColumn[], range: KeyRange): RangeSql {
  const keys = columnsByName(tableName, columns, range.key);
  const exprs: string[] = [];
  const holes: string[] = [];
  for (const key of keys) {
    const q = quoteIdentifier(key.name);
    if (comparedAsLengthAndText(key)) {
      exprs.push(`length(${q})`);
      holes.push('length(?)');
    }
    exprs.push(q);
    holes.push('?');
  }
  const bind = (bound: Cell[]): Cell[] => {
    if (bound.length !== keys.length) {
      throw new FerryError(
        'FERRY_INTERNAL',
        `key range of ${tableName} has ${bound.length} values for ${keys.length} key columns`,
      );
    }
    return keys.flatMap((key, i) =>
      comparedAsLengthAndText(key) ? [bound[i] ?? null, bound[i] ?? null] : [bound[i] ?? null],
    );
  };
  const conditions: string[] = [];
  const params: Cell[] = [];
  const lhs = `(${exprs.join(', ')})`;
  const rhs = `(${holes.join(', ')})`;
  if (range.lower !== null && keys.length > 0) {
    conditions.push(`${lhs} > ${rhs}`);
    params.push(...bind(range.lower));
  }
  if (range.upper !== null && keys.length > 0) {
    conditions.push(`${lhs} <= ${rhs}`);
    params.push(...bind(range.upper));
  }
  return {
    where: conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`,
    orderBy: exprs.length === 0 ? '' : ` ORDER BY ${exprs.join(', ')}`,
    params,
  };
}
