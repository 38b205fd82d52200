// The tenant writes a company initialization may make (`TenantSetup`, profiles/profile.ts): create
// a small setup table when missing and insert the rows it lacks. Rendered through the tenant's
// connector contracts (`TargetDialect` for DDL, `TargetConnection.read/write` for rows), so the same
// profile code sets up a SQLite and a PostgreSQL tenant, and no SQL is built from values.

import { parseConnectionUrl } from '../connectors/connection-url.ts';
import { targetDialectFor } from '../connectors/registry.ts';
import type {
  Cell,
  ColumnSchema,
  LogicalType,
  ReadWarnings,
  Row,
  RowBatch,
  TargetConnection,
  TargetTableDef,
} from '../connectors/types.ts';
import { FerryError } from '../domain/errors.ts';
import type { TenantSetup, TenantSetupTable } from '../profiles/profile.ts';

const logicalTypes: Record<TenantSetupTable['columns'][number]['type'], LogicalType> = {
  text: { kind: 'text', maxLength: null, fixed: false },
  integer: { kind: 'integer', bits: 64, unsigned: false },
};

function tableDef(target: TargetConnection, table: TenantSetupTable): TargetTableDef {
  if (!table.columns.some((c) => c.name === table.key))
    throw new FerryError('FERRY_INTERNAL', `setup table ${table.name} has no key column ${table.key}`);
  const dialect = targetDialectFor(parseConnectionUrl(target.location));
  const columns = table.columns.map((c) => {
    const column: ColumnSchema = {
      name: c.name,
      nativeType: c.type,
      type: logicalTypes[c.type],
      nullable: c.name !== table.key && c.nullable !== false,
      default: null,
      autoIncrement: false,
      generated: null,
    };
    const mapped = dialect.mapColumn(column, target.dialect);
    if (!mapped.ok)
      throw new FerryError('FERRY_INTERNAL', `setup column ${table.name}.${c.name}: ${mapped.reason}`);
    return mapped.column;
  });
  return {
    name: table.name,
    columns,
    primaryKey: [table.key],
    uniqueConstraints: [],
    indexes: [],
    foreignKeys: [],
  };
}

function text(cell: Cell | undefined): string | null {
  if (cell === null || cell === undefined) return null;
  return Buffer.isBuffer(cell) ? cell.toString('utf8') : cell;
}

export function tenantSetup(target: TargetConnection, signal?: AbortSignal): TenantSetup {
  const schemaOf = async (name: string) => (await target.listTables()).find((t) => t.name === name) ?? null;

  async function readAll(table: TenantSetupTable): Promise<Map<string, Record<string, string | null>>> {
    const rows = new Map<string, Record<string, string | null>>();
    const schema = await schemaOf(table.name);
    if (schema === null) return rows;
    const columns = table.columns.map((c) => c.name);
    const warnings: ReadWarnings = { invalidUtf8: 0, zeroDates: 0 };
    const batches = target.read(
      schema,
      columns,
      { key: [table.key], lower: null, upper: null },
      { batchRows: 1_000, batchBytes: 1024 * 1024, ...(signal ? { signal } : {}) },
      warnings,
    );
    for await (const batch of batches) {
      for (const row of batch.rows) {
        const record: Record<string, string | null> = {};
        columns.forEach((c, i) => (record[c] = text(row[i])));
        rows.set(record[table.key] ?? '', record);
      }
    }
    return rows;
  }

  return {
    async ensureTable(table) {
      if ((await schemaOf(table.name)) !== null) return { created: false };
      const dialect = targetDialectFor(parseConnectionUrl(target.location));
      const def = tableDef(target, table);
      await target.execute([...dialect.renderCreateTable(def), ...dialect.renderKeysAndIndexes(def)]);
      return { created: true };
    },
    async insertMissing(table, rows) {
      const existing = await readAll(table);
      const columns = table.columns.map((c) => c.name);
      const missing: Row[] = rows
        .filter((r) => !existing.has(r[table.key] ?? ''))
        .map((r) => columns.map((c) => r[c] ?? null));
      if (missing.length === 0) return 0;
      async function* batches(): AsyncIterable<RowBatch> {
        yield {
          rows: missing,
          bytes: missing.reduce((n, r) => n + r.reduce((m, c) => m + (c?.length ?? 0), 0), 0),
        };
      }
      const result = await target.write(tableDef(target, table), columns, batches(), signal);
      return result.rowsWritten;
    },
    readAll,
  };
}
