// Change tracking on a MySQL / MariaDB source: `ferry_change_log` (seq BIGINT AUTO_INCREMENT) and
// three AFTER triggers per table that log the changed row's key as a JSON array of canonical text.
// An UPDATE logs the new key and, when the key changed, the old one too (compared as bytes, so a
// case-only change under a case-insensitive collation counts as a change).
//
// Supported key kinds: integer, year, decimal, boolean, text, enum, uuid, date, DATETIME and
// binary. A TIMESTAMP key (its text depends on the writer's session time zone) or any other kind
// makes the table log `[]`, i.e. "copy this table again" (see change-log-keys.ts).

import {
  CHANGE_LOG_TABLE,
  CHANGE_TABLES_TABLE,
  decodeLoggedKey,
  tableTag,
  trackingKey,
  type TrackedKeyColumn,
} from '../change-log-keys.ts';
import type {
  ChangeRecord,
  ChangeTracking,
  ChangeTrackingStatus,
  LogicalKind,
  TableSchema,
  TrackedTable,
} from '../types.ts';
import type { MysqlSession } from './connection.ts';
import { quoteIdentifier } from './dialect.ts';

const LOG = quoteIdentifier(CHANGE_LOG_TABLE);
const REGISTRY = quoteIdentifier(CHANGE_TABLES_TABLE);
const TRIGGER_PREFIX = 'ferry_ct_';

/** A MySQL string literal (the session's sql_mode has no NO_BACKSLASH_ESCAPES). */
function literal(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

function supported(kind: LogicalKind): boolean {
  return [
    'integer',
    'year',
    'decimal',
    'boolean',
    'text',
    'enum',
    'uuid',
    'date',
    'timestamp',
    'binary',
  ].includes(kind);
}

function keyColumns(table: TableSchema): TrackedKeyColumn[] {
  const key = trackingKey(table, supported);
  // TIMESTAMP (with time zone) prints in the writing session's zone: not trackable by key.
  const zoned = key.some((k) => {
    const type = table.columns.find((c) => c.name === k.name)?.type;
    return type?.kind === 'timestamp' && type.withTimeZone;
  });
  return zoned ? [] : key;
}

/** The canonical text of key column `name` of row `row` (NEW or OLD), in SQL. */
function keyText(row: 'NEW' | 'OLD', column: TrackedKeyColumn): string {
  const ref = `${row}.${quoteIdentifier(column.name)}`;
  switch (column.kind) {
    case 'binary':
      return `LOWER(HEX(${ref}))`;
    case 'timestamp':
      return `DATE_FORMAT(${ref}, '%Y-%m-%d %H:%i:%s.%f')`;
    case 'boolean':
      return `IF(${ref} = 0, '0', '1')`;
    case 'text':
    case 'enum':
      return ref;
    default:
      return `CAST(${ref} AS CHAR)`;
  }
}

function keyJson(row: 'NEW' | 'OLD', key: TrackedKeyColumn[]): string {
  return key.length === 0 ? `'[]'` : `JSON_ARRAY(${key.map((k) => keyText(row, k)).join(', ')})`;
}

function triggerName(table: string, event: 'ins' | 'upd' | 'del'): string {
  return `${TRIGGER_PREFIX}${tableTag(table)}_${event}`;
}

export class MysqlChangeTracking implements ChangeTracking {
  private registry: Map<string, TrackedKeyColumn[]> | null = null;

  constructor(private readonly session: MysqlSession) {}

  private query(sql: string, values: unknown[] = []): Promise<(string | null)[][]> {
    return this.session.queryText(sql, values);
  }

  private async logExists(): Promise<boolean> {
    const rows = await this.query(
      `SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?, ?)`,
      [CHANGE_LOG_TABLE, CHANGE_TABLES_TABLE],
    );
    return rows[0]?.[0] === '2';
  }

  async installChangeTracking(tables: TableSchema[]): Promise<TrackedTable[]> {
    await this.query(
      `CREATE TABLE IF NOT EXISTS ${LOG} (` +
        '`seq` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, ' +
        '`table_name` VARCHAR(255) NOT NULL, `key_json` TEXT NOT NULL, ' +
        '`changed_at` TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)' +
        ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
    );
    await this.query(
      `CREATE TABLE IF NOT EXISTS ${REGISTRY} (` +
        '`table_name` VARCHAR(255) NOT NULL PRIMARY KEY, `key_json` TEXT NOT NULL' +
        ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
    );
    const tracked: TrackedTable[] = [];
    for (const table of tables) {
      const key = keyColumns(table);
      const t = quoteIdentifier(table.name);
      const name = literal(table.name);
      const insert = (row: 'NEW' | 'OLD') =>
        `INSERT INTO ${LOG} (\`table_name\`, \`key_json\`) VALUES (${name}, ${keyJson(row, key)})`;
      for (const event of ['ins', 'upd', 'del'] as const) {
        await this.query(`DROP TRIGGER IF EXISTS ${quoteIdentifier(triggerName(table.name, event))}`);
      }
      await this.query(
        `CREATE TRIGGER ${quoteIdentifier(triggerName(table.name, 'ins'))} AFTER INSERT ON ${t} FOR EACH ROW ${insert('NEW')}`,
      );
      await this.query(
        `CREATE TRIGGER ${quoteIdentifier(triggerName(table.name, 'upd'))} AFTER UPDATE ON ${t} FOR EACH ROW BEGIN ` +
          `${insert('NEW')}; ` +
          `IF CAST(${keyJson('OLD', key)} AS BINARY) <> CAST(${keyJson('NEW', key)} AS BINARY) THEN ${insert('OLD')}; END IF; ` +
          `END`,
      );
      await this.query(
        `CREATE TRIGGER ${quoteIdentifier(triggerName(table.name, 'del'))} AFTER DELETE ON ${t} FOR EACH ROW ${insert('OLD')}`,
      );
      await this.query(
        `INSERT INTO ${REGISTRY} (\`table_name\`, \`key_json\`) VALUES (?, ?) ON DUPLICATE KEY UPDATE \`key_json\` = VALUES(\`key_json\`)`,
        [table.name, JSON.stringify(key)],
      );
      tracked.push({ table: table.name, key: key.map((k) => k.name) });
    }
    this.registry = null;
    return tracked;
  }

  private async loadRegistry(): Promise<Map<string, TrackedKeyColumn[]>> {
    const rows = await this.query(`SELECT \`table_name\`, \`key_json\` FROM ${REGISTRY}`);
    return new Map(rows.map(([table, key]) => [table ?? '', JSON.parse(key ?? '[]') as TrackedKeyColumn[]]));
  }

  async readChanges(afterSeq: string, limit: number): Promise<ChangeRecord[]> {
    this.registry ??= await this.loadRegistry();
    const rows = await this.query(
      `SELECT \`seq\`, \`table_name\`, \`key_json\` FROM ${LOG} WHERE \`seq\` > ? ORDER BY \`seq\` LIMIT ?`,
      [BigInt(afterSeq), limit],
    );
    const registry = this.registry;
    return rows.map(([seq, table, key]) => ({
      seq: seq ?? '0',
      table: table ?? '',
      key: decodeLoggedKey(key ?? '[]', registry.get(table ?? '') ?? []),
    }));
  }

  async uninstallChangeTracking(): Promise<void> {
    const triggers = await this.query(
      `SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME LIKE ?`,
      [`${TRIGGER_PREFIX}%`],
    );
    for (const [name] of triggers) await this.query(`DROP TRIGGER IF EXISTS ${quoteIdentifier(name ?? '')}`);
    await this.query(`DROP TABLE IF EXISTS ${LOG}, ${REGISTRY}`);
    this.registry = null;
  }

  async changeTrackingStatus(): Promise<ChangeTrackingStatus> {
    if (!(await this.logExists())) return { installed: false, tables: [], lastSeq: '0' };
    const registry = await this.loadRegistry();
    const last = await this.query(`SELECT COALESCE(MAX(\`seq\`), 0) FROM ${LOG}`);
    return {
      installed: registry.size > 0,
      tables: [...registry].map(([table, key]) => ({ table, key: key.map((k) => k.name) })),
      lastSeq: last[0]?.[0] ?? '0',
    };
  }
}
