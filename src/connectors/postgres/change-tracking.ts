// Change tracking on a PostgreSQL source, in the URL's schema: `ferry_change_log` (seq bigint
// identity), one plpgsql trigger function `ferry_log_change()` and one AFTER INSERT OR UPDATE OR
// DELETE row trigger per table. The trigger's argument is the SELECT that renders a row's key as
// a JSON array of canonical text (`($1)."id"::text`, timestamps in UTC via to_char, bytea as hex),
// so one function serves every table. An UPDATE logs the new key and, when it differs, the old key.
//
// Supported key kinds: integer, year, decimal, boolean, text, enum, uuid, date, timestamp (with or
// without time zone) and binary; a table with another key kind, or none, logs `[]` ("copy this
// table again", see change-log-keys.ts).

import {
  CHANGE_LOG_TABLE,
  CHANGE_TABLES_TABLE,
  decodeLoggedKey,
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
import { queryError, type PgSession } from './connection.ts';
import { qualifiedName, quoteIdentifier } from './dialect.ts';
import { quoteLiteral } from './target-types.ts';

const FUNCTION = 'ferry_log_change';
const TRIGGER = 'ferry_change_trigger';

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

function keyText(column: TrackedKeyColumn, withTimeZone: boolean): string {
  const ref = `($1).${quoteIdentifier(column.name)}`;
  switch (column.kind) {
    case 'binary':
      return `encode(${ref}, 'hex')`;
    case 'boolean':
      return `CASE WHEN ${ref} THEN '1' ELSE '0' END`;
    case 'date':
      return `to_char(${ref}, 'YYYY-MM-DD')`;
    case 'timestamp':
      return withTimeZone
        ? `to_char(${ref} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || 'Z'`
        : `to_char(${ref}, 'YYYY-MM-DD HH24:MI:SS.US')`;
    default:
      return `${ref}::text`;
  }
}

export class PostgresChangeTracking implements ChangeTracking {
  private registry: Map<string, TrackedKeyColumn[]> | null = null;

  constructor(private readonly session: PgSession) {}

  private name(table: string): string {
    return qualifiedName(this.session.schema, table);
  }

  private async query<R extends Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<R[]> {
    try {
      return (await this.session.client.query<R>(sql, values)).rows;
    } catch (error) {
      throw queryError(error, this.session, 'source', 'maintaining change tracking');
    }
  }

  async installChangeTracking(tables: TableSchema[]): Promise<TrackedTable[]> {
    const log = this.name(CHANGE_LOG_TABLE);
    await this.query(
      `CREATE TABLE IF NOT EXISTS ${log} (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ` +
        `table_name text NOT NULL, key_json text NOT NULL, changed_at timestamptz NOT NULL DEFAULT now())`,
    );
    await this.query(
      `CREATE TABLE IF NOT EXISTS ${this.name(CHANGE_TABLES_TABLE)} (table_name text PRIMARY KEY, key_json text NOT NULL)`,
    );
    await this.query(
      `CREATE OR REPLACE FUNCTION ${this.name(FUNCTION)}() RETURNS trigger LANGUAGE plpgsql AS $ferry$
DECLARE
  new_key text;
  old_key text;
BEGIN
  IF TG_OP <> 'DELETE' THEN EXECUTE TG_ARGV[0] INTO new_key USING NEW; END IF;
  IF TG_OP <> 'INSERT' THEN EXECUTE TG_ARGV[0] INTO old_key USING OLD; END IF;
  IF new_key IS NOT NULL THEN
    INSERT INTO ${log} (table_name, key_json) VALUES (TG_TABLE_NAME, new_key);
  END IF;
  IF old_key IS NOT NULL AND old_key IS DISTINCT FROM new_key THEN
    INSERT INTO ${log} (table_name, key_json) VALUES (TG_TABLE_NAME, old_key);
  END IF;
  RETURN NULL;
END
$ferry$`,
    );
    const tracked: TrackedTable[] = [];
    for (const table of tables) {
      const key = trackingKey(table, supported);
      const render = key.map((k) => {
        const type = table.columns.find((c) => c.name === k.name)?.type;
        return keyText(k, type?.kind === 'timestamp' && type.withTimeZone);
      });
      const select =
        key.length === 0 ? `SELECT '[]'::text` : `SELECT json_build_array(${render.join(', ')})::text`;
      await this.query(`DROP TRIGGER IF EXISTS ${quoteIdentifier(TRIGGER)} ON ${this.name(table.name)}`);
      await this.query(
        `CREATE TRIGGER ${quoteIdentifier(TRIGGER)} AFTER INSERT OR UPDATE OR DELETE ON ${this.name(table.name)} ` +
          `FOR EACH ROW EXECUTE FUNCTION ${this.name(FUNCTION)}(${quoteLiteral(select)})`,
      );
      await this.query(
        `INSERT INTO ${this.name(CHANGE_TABLES_TABLE)} (table_name, key_json) VALUES ($1, $2) ` +
          `ON CONFLICT (table_name) DO UPDATE SET key_json = EXCLUDED.key_json`,
        [table.name, JSON.stringify(key)],
      );
      tracked.push({ table: table.name, key: key.map((k) => k.name) });
    }
    this.registry = null;
    return tracked;
  }

  private async loadRegistry(): Promise<Map<string, TrackedKeyColumn[]>> {
    const rows = await this.query<{ table_name: string; key_json: string }>(
      `SELECT table_name, key_json FROM ${this.name(CHANGE_TABLES_TABLE)}`,
    );
    return new Map(rows.map((r) => [r.table_name, JSON.parse(r.key_json) as TrackedKeyColumn[]]));
  }

  async readChanges(afterSeq: string, limit: number): Promise<ChangeRecord[]> {
    this.registry ??= await this.loadRegistry();
    const registry = this.registry;
    const rows = await this.query<{ seq: string; table_name: string; key_json: string }>(
      `SELECT seq::text AS seq, table_name, key_json FROM ${this.name(CHANGE_LOG_TABLE)} ` +
        `WHERE seq > $1::bigint ORDER BY seq LIMIT $2`,
      [afterSeq, limit],
    );
    return rows.map((r) => ({
      seq: r.seq,
      table: r.table_name,
      key: decodeLoggedKey(r.key_json, registry.get(r.table_name) ?? []),
    }));
  }

  async uninstallChangeTracking(): Promise<void> {
    const tables = await this.query<{ relname: string }>(
      `SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid ` +
        `JOIN pg_namespace n ON n.oid = c.relnamespace WHERE t.tgname = $1 AND n.nspname = $2`,
      [TRIGGER, this.session.schema],
    );
    for (const { relname } of tables) {
      await this.query(`DROP TRIGGER IF EXISTS ${quoteIdentifier(TRIGGER)} ON ${this.name(relname)}`);
    }
    await this.query(`DROP FUNCTION IF EXISTS ${this.name(FUNCTION)}()`);
    await this.query(
      `DROP TABLE IF EXISTS ${this.name(CHANGE_LOG_TABLE)}, ${this.name(CHANGE_TABLES_TABLE)}`,
    );
    this.registry = null;
  }

  async changeTrackingStatus(): Promise<ChangeTrackingStatus> {
    const present = await this.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_tables WHERE schemaname = $1 AND tablename IN ($2, $3)`,
      [this.session.schema, CHANGE_LOG_TABLE, CHANGE_TABLES_TABLE],
    );
    if (present[0]?.n !== '2') return { installed: false, tables: [], lastSeq: '0' };
    const registry = await this.loadRegistry();
    const last = await this.query<{ seq: string }>(
      `SELECT coalesce(max(seq), 0)::text AS seq FROM ${this.name(CHANGE_LOG_TABLE)}`,
    );
    return {
      installed: registry.size > 0,
      tables: [...registry].map(([table, key]) => ({ table, key: key.map((k) => k.name) })),
      lastSeq: last[0]?.seq ?? '0',
    };
  }
}
