// PostgreSQL DDL for the CRM tables. Tables are created bare; primary keys and indexes are added
// after COPY, which is much faster than maintaining them row by row.

import type { CrmColumn, CrmDdl } from './schema.ts';

const quote = (identifier: string): string => `"${identifier.replaceAll('"', '""')}"`;

function columnType(column: CrmColumn): string {
  const t = column.type;
  switch (t.kind) {
    case 'bigint':
      return 'bigint';
    case 'int':
      return 'integer';
    case 'decimal':
      return `numeric(${t.precision},${t.scale})`;
    case 'float':
      return 'real';
    case 'double':
      return 'double precision';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'datetime':
      return 'timestamp(3) without time zone';
    case 'timestamp':
      return 'timestamp with time zone';
    case 'varchar':
      return `varchar(${t.length})`;
    case 'char':
      return `char(${t.length})`;
    case 'text':
      return 'text';
    case 'json':
      return 'json';
    case 'blob':
      return 'bytea';
    case 'enum':
      return `varchar(20) CHECK (${quote(column.name)} IN (${t.values.map((v) => `'${v}'`).join(', ')}))`;
    default: {
      const never: never = t;
      throw new Error(`unknown column type ${JSON.stringify(never)}`);
    }
  }
}

export const postgresDdl: CrmDdl = {
  quote,
  createTable(table) {
    const columns = table.columns.map(
      (c) => `  ${quote(c.name)} ${columnType(c)}${c.nullable ? '' : ' NOT NULL'}`,
    );
    return `CREATE TABLE ${quote(table.name)} (\n${columns.join(',\n')}\n)`;
  },
  afterLoad(table) {
    const out: string[] = [];
    if (table.primaryKey.length > 0) {
      out.push(
        `ALTER TABLE ${quote(table.name)} ADD CONSTRAINT ${quote(`${table.name}_pkey`)} PRIMARY KEY (${table.primaryKey.map(quote).join(', ')})`,
      );
    }
    for (const i of table.indexes) {
      out.push(`CREATE INDEX ${quote(i.name)} ON ${quote(table.name)} (${i.columns.map(quote).join(', ')})`);
    }
    return out;
  },
  dropTable: (table) => `DROP TABLE IF EXISTS ${quote(table.name)} CASCADE`,
};
