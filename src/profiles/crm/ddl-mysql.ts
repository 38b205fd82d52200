// MariaDB/MySQL DDL for the CRM tables. InnoDB clusters rows by primary key, so the key is part of
// CREATE TABLE (rows arrive in key order; adding it later would rebuild the table); secondary
// indexes are built after loading. utf8mb4 with a binary collation keeps every character exact.

import type { CrmColumn, CrmDdl } from './schema.ts';

const quote = (identifier: string): string => `\`${identifier.replaceAll('`', '``')}\``;

function columnType(column: CrmColumn): string {
  const t = column.type;
  switch (t.kind) {
    case 'bigint':
      return 'BIGINT';
    case 'int':
      return 'INT';
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
      return 'DATETIME(3)';
    case 'timestamp':
      return column.nullable ? 'TIMESTAMP NULL DEFAULT NULL' : 'TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP';
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
      return `ENUM(${t.values.map((v) => `'${v}'`).join(', ')})`;
    default: {
      const never: never = t;
      throw new Error(`unknown column type ${JSON.stringify(never)}`);
    }
  }
}

export const mysqlDdl: CrmDdl = {
  quote,
  createTable(table) {
    const columns = table.columns.map((c) => {
      const type = columnType(c);
      const nullability = c.type.kind === 'timestamp' ? '' : c.nullable ? ' NULL' : ' NOT NULL';
      return `  ${quote(c.name)} ${type}${nullability}`;
    });
    if (table.primaryKey.length > 0)
      columns.push(`  PRIMARY KEY (${table.primaryKey.map(quote).join(', ')})`);
    return `CREATE TABLE ${quote(table.name)} (\n${columns.join(',\n')}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`;
  },
  afterLoad(table) {
    return table.indexes.map(
      (i) => `CREATE INDEX ${quote(i.name)} ON ${quote(table.name)} (${i.columns.map(quote).join(', ')})`,
    );
  },
  dropTable: (table) => `DROP TABLE IF EXISTS ${quote(table.name)}`,
};
