// listTables(): the base tables of the session's database from information_schema, with columns,
// keys, indexes, foreign keys and catalog estimates (TABLES.TABLE_ROWS / DATA_LENGTH, never COUNT).

import type { ColumnSchema, ForeignKeySchema, IndexSchema, TableSchema } from '../types.ts';
import type { MysqlSession } from './connection.ts';
import { mapMysqlType, parseColumnDefault } from './type-mapping.ts';

function num(text: string | null | undefined): number | null {
  return text === null || text === undefined ? null : Number(text);
}

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list === undefined) map.set(k, [row]);
    else list.push(row);
  }
  return map;
}

export async function listTables(session: MysqlSession): Promise<TableSchema[]> {
  const q = session.queryText;
  const tables = await q(
    `SELECT TABLE_NAME, TABLE_ROWS, DATA_LENGTH FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`,
  );
  if (tables.length === 0) return [];
  const columns = await q(
    `SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,
            GENERATION_EXPRESSION, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE,
            DATETIME_PRECISION
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
      ORDER BY TABLE_NAME, ORDINAL_POSITION`,
  );
  // MariaDB spells JSON as LONGTEXT + CHECK (json_valid(`col`)); the check is named after the column.
  const checks = session.mariadb
    ? await q(
        `SELECT TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS
          WHERE CONSTRAINT_SCHEMA = DATABASE()`,
      )
    : [];
  const jsonChecks = new Set(checks.map(([table, clause]) => `${table}\u0000${clause?.toLowerCase()}`));
  const statistics = await q(
    `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
  );
  const foreignKeys = await q(
    `SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME,
            k.REFERENCED_COLUMN_NAME, r.DELETE_RULE, r.UPDATE_RULE
       FROM information_schema.KEY_COLUMN_USAGE k
       JOIN information_schema.REFERENTIAL_CONSTRAINTS r
         ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
        AND r.TABLE_NAME = k.TABLE_NAME
      WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL
      ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
  );

  const columnsByTable = groupBy(columns, (r) => r[0] ?? '');
  const statsByTable = groupBy(statistics, (r) => r[0] ?? '');
  const fksByTable = groupBy(foreignKeys, (r) => r[0] ?? '');

  return tables.map(([name, tableRows, dataLength]): TableSchema => {
    const tableName = name ?? '';
    const cols = (columnsByTable.get(tableName) ?? []).map((r): ColumnSchema => {
      const [, columnName, dataType, columnType, isNullable, columnDefault, extra, genExpr] = r;
      const colName = columnName ?? '';
      const quotedCheck = `json_valid(\`${colName.replaceAll('`', '``')}\`)`.toLowerCase();
      const type = mapMysqlType({
        dataType: dataType ?? '',
        columnType: columnType ?? '',
        characterMaximumLength: num(r[8]),
        numericPrecision: num(r[9]),
        numericScale: num(r[10]),
        datetimePrecision: num(r[11]),
        jsonValidCheck: jsonChecks.has(`${tableName}\u0000${quotedCheck}`),
      });
      const extraText = extra ?? '';
      const generated = /\b(VIRTUAL|STORED|PERSISTENT)\s+GENERATED\b/i.exec(extraText);
      return {
        name: colName,
        nativeType: columnType ?? dataType ?? '',
        type,
        nullable: isNullable === 'YES',
        default: generated
          ? null
          : parseColumnDefault(columnDefault ?? null, type, extraText, session.mariadb),
        autoIncrement: /auto_increment/i.test(extraText),
        generated: generated
          ? { expression: genExpr ?? '', stored: generated[1]!.toUpperCase() !== 'VIRTUAL' }
          : null,
      };
    });

    let primaryKey: string[] | null = null;
    const uniqueConstraints: IndexSchema[] = [];
    const indexes: IndexSchema[] = [];
    for (const [indexName, rows] of groupBy(statsByTable.get(tableName) ?? [], (r) => r[1] ?? '')) {
      // Functional index parts (MySQL 8) have no column name: such an index cannot be carried.
      if (rows.some((r) => r[3] === null)) continue;
      const columnsOfIndex = rows.map((r) => r[3]!);
      const unique = rows[0]![2] === '0';
      if (indexName === 'PRIMARY') primaryKey = columnsOfIndex;
      else if (unique) uniqueConstraints.push({ name: indexName, columns: columnsOfIndex, unique: true });
      else indexes.push({ name: indexName, columns: columnsOfIndex, unique: false });
    }

    const fks: ForeignKeySchema[] = [];
    for (const [fkName, rows] of groupBy(fksByTable.get(tableName) ?? [], (r) => r[1] ?? '')) {
      fks.push({
        name: fkName,
        columns: rows.map((r) => r[2] ?? ''),
        referencedTable: rows[0]![3] ?? '',
        referencedColumns: rows.map((r) => r[4] ?? ''),
        onDelete: rows[0]![5] ?? 'NO ACTION',
        onUpdate: rows[0]![6] ?? 'NO ACTION',
      });
    }

    return {
      name: tableName,
      columns: cols,
      primaryKey,
      uniqueConstraints,
      indexes,
      foreignKeys: fks,
      estimatedRows: num(tableRows) ?? 0,
      estimatedBytes: num(dataLength) ?? 0,
    };
  });
}
