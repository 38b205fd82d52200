// The tenant's user registry: after a run, every user of the migration is in the tenant's
// `ferry_users` table with the plan and username the migrator chose, the administrator flag and
// the mapped cloud identity. The table is created (or replaced) and written only through the
// connector contracts (`TargetDialect` renders the DDL, `TargetConnection.write` loads the rows),
// so the same code writes a SQLite and a PostgreSQL tenant. `readTenantUserRegistry` reads it back
// (`GET /api/v1/tenants/:tenantId/users`, `ferry tenants users TENANT`).

import { parseConnectionUrl } from '../connectors/connection-url.ts';
import { openTarget, targetDialectFor } from '../connectors/registry.ts';
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
import { type ControlPlane, migrationsRepo } from './control-plane.ts';
import { loadUsers, usersRepo } from './users.ts';

export const USER_REGISTRY_TABLE = 'ferry_users';

const TEXT: LogicalType = { kind: 'text', maxLength: null, fixed: false };
const BOOLEAN: LogicalType = { kind: 'boolean' };

/** The registry's columns, in the order rows are written. */
const registryColumns: { name: string; type: LogicalType; nullable: boolean }[] = [
  { name: 'id', type: TEXT, nullable: false },
  { name: 'name', type: TEXT, nullable: false },
  { name: 'username', type: TEXT, nullable: true },
  { name: 'plan', type: TEXT, nullable: true },
  { name: 'is_administrator', type: BOOLEAN, nullable: false },
  { name: 'identity', type: TEXT, nullable: true },
];

function registryTable(target: TargetConnection): TargetTableDef {
  const dialect = targetDialectFor(parseConnectionUrl(target.location));
  const columns = registryColumns.map((c) => {
    const source: ColumnSchema = {
      name: c.name,
      nativeType: c.type.kind,
      type: c.type,
      nullable: c.nullable,
      default: null,
      autoIncrement: false,
      generated: null,
    };
    const mapped = dialect.mapColumn(source, target.dialect);
    if (!mapped.ok)
      throw new FerryError(
        'FERRY_INTERNAL',
        `the user registry column ${c.name} cannot be created: ${mapped.reason}`,
      );
    return mapped.column;
  });
  return {
    name: USER_REGISTRY_TABLE,
    columns,
    primaryKey: ['id'],
    uniqueConstraints: [],
    indexes: [],
    foreignKeys: [],
  };
}

export interface UserRegistryResult {
  table: string;
  /** Users written. */
  users: number;
  usersWithPlan: number;
}

/**
 * Creates (or replaces) the tenant's `ferry_users` table and writes every user of the migration:
 * id, name, username, plan (null: cannot log in), is_administrator, identity (null: not mapped).
 */
export async function writeTenantUserRegistry(
  cp: ControlPlane,
  migrationId: string,
  tenantTarget: TargetConnection,
): Promise<UserRegistryResult> {
  const { users } = await loadUsers(cp, migrationId);
  const identities = new Map(
    (await usersRepo(cp).listMappings(migrationId)).map((m) => [m.userId, m.identity]),
  );
  const dialect = targetDialectFor(parseConnectionUrl(tenantTarget.location));
  const table = registryTable(tenantTarget);
  const rows: Row[] = users.map((u) => [
    u.id,
    u.name,
    u.username,
    u.plan,
    u.isAdministrator ? '1' : '0',
    identities.get(u.id) ?? null,
  ]);
  async function* batches(): AsyncIterable<RowBatch> {
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      yield {
        rows: chunk,
        bytes: chunk.reduce((n, r) => n + r.reduce((m, c) => m + (c?.length ?? 0), 0), 0),
      };
    }
  }
  await tenantTarget.dropTables([USER_REGISTRY_TABLE]);
  await tenantTarget.execute(dialect.renderCreateTable(table));
  await tenantTarget.write(
    table,
    table.columns.map((c) => c.name),
    batches(),
  );
  await tenantTarget.execute(dialect.renderKeysAndIndexes(table));
  return {
    table: USER_REGISTRY_TABLE,
    users: users.length,
    usersWithPlan: users.filter((u) => u.plan !== null).length,
  };
}

/** One user as the tenant's registry holds it. */
export interface TenantUser {
  id: string;
  name: string;
  /** The email the user logs in with; null when none was chosen. */
  username: string | null;
  /** Null: the user cannot log in. */
  plan: string | null;
  isAdministrator: boolean;
  /** The cloud identity the user is mapped to, or null. */
  identity: string | null;
}

export interface TenantUserRegistry {
  tenantId: string;
  table: string;
  /** False until a run has written the registry (then `users` is empty). */
  written: boolean;
  /** In the registry's key order (user id). */
  users: TenantUser[];
}

function cellText(cell: Cell | undefined): string | null {
  if (cell === null || cell === undefined) return null;
  return Buffer.isBuffer(cell) ? cell.toString('utf8') : cell;
}

/** What the tenant's `ferry_users` table holds now, read through the connector contract. */
export async function readTenantUserRegistry(
  cp: ControlPlane,
  tenantId: string,
): Promise<TenantUserRegistry> {
  const tenant = await migrationsRepo(cp).getTenant(tenantId);
  if (tenant === null)
    throw new FerryError('FERRY_TENANT_NOT_FOUND', `there is no tenant "${tenantId}" in this store`, {
      details: { tenantId },
    });
  const target = await openTarget(tenant.databaseUrl);
  try {
    const schema = (await target.listTables()).find((t) => t.name === USER_REGISTRY_TABLE);
    if (schema === undefined) return { tenantId, table: USER_REGISTRY_TABLE, written: false, users: [] };
    const columns = registryColumns.map((c) => c.name);
    const users: TenantUser[] = [];
    const warnings: ReadWarnings = { invalidUtf8: 0, zeroDates: 0 };
    const batches = target.read(
      schema,
      columns,
      { key: ['id'], lower: null, upper: null },
      { batchRows: 1_000, batchBytes: 1024 * 1024 },
      warnings,
    );
    for await (const batch of batches) {
      for (const [id, name, username, plan, isAdministrator, identity] of batch.rows) {
        users.push({
          id: cellText(id) ?? '',
          name: cellText(name) ?? '',
          username: cellText(username),
          plan: cellText(plan),
          isAdministrator: cellText(isAdministrator) === '1',
          identity: cellText(identity),
        });
      }
    }
    return { tenantId, table: USER_REGISTRY_TABLE, written: true, users };
  } finally {
    await target.close();
  }
}
