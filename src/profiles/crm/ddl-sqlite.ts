// SQLite DDL for the CRM tables. `id` keys are INTEGER PRIMARY KEY (the rowid), so rows inserted
// in key order append; secondary indexes are built after loading.

import type { CrmColumn, CrmDdl, CrmTable } from './schema.ts';

const quote = (identifier: string): string => `"${identifier.replaceAll('"', '""')}"`;

function columnType(column: CrmColumn, table: CrmTable): string {
  const t = column.type;
  switch (t.kind) {
    case 'bigint':
      return table.primaryKey.length === 1 && table.primaryKey[0] === column.name ? 'INTEGER' : 'BIGINT';
    case 'int':
      return 'INTEGER';
    case 'decimal':
      return `DECIMAL(${t.precision},${t.scale})`;
    case 'float':
      return 'FLOAT';
    case 'double':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'datetime':
      return 'DATETIME';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'varchar':
      return `VARCHAR(${t.length})`;
    case 'char':
      return `CHAR(${t.length})`;
    case 'text':
      return 'TEXT';
    case 'json':
      return 'JSON';
    case 'blob':
      return 'BLOB';
    case 'enum':
      return `VARCHAR(20) CHECK (${quote(column.name)} IN (${t.values.map((v) => `'${v}'`).join(', ')}))`;
    default: {
      const never: never = t;
      throw new Error(`unknown column type ${JSON.stringify(never)}`);
    }
  }
}

export const sqliteDdl: CrmDdl = {
  quote,
  createTable(table) {
    const columns = table.columns.map((c) => {
      const pk = table.primaryKey.length === 1 && table.primaryKey[0] === c.name ? ' PRIMARY KEY' : '';
      return `  ${quote(c.name)} ${columnType(c, table)}${c.nullable ? '' : ' NOT NULL'}${pk}`;
    });
    return `CREATE TABLE ${quote(table.name)} (\n${columns.join(',\n')}\n)`;
  },
  afterLoad(table) {
    return table.indexes.map(
      (i) => `CREATE INDEX ${quote(i.name)} ON ${quote(table.name)} (${i.columns.map(quote).join(', ')})`,
    );
  },
  dropTable: (table) => `DROP TABLE IF EXISTS ${quote(table.name)}`,
};
