// Tenants: provisioning (a SQLite file and a documents folder under the Ferry home by default, or
// a PostgreSQL schema `tenant_<id>` in a given database), state changes through tenant-state.ts,
// and wiping a tenant's data (reset cloud data). The tenant database is reached only through the
// connector contracts, so nothing here branches on the dialect.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseConnectionUrl, redactUrl } from '../connectors/connection-url.ts';
import { openTarget } from '../connectors/registry.ts';
import { FerryError } from '../domain/errors.ts';
import { transitionTenant, type TenantEvent, type TenantState } from '../domain/tenant-state.ts';
import { listAll } from '../storage/blob-store.ts';
import { openBlobStore } from '../storage/open-blob-store.ts';
import type { MigrationRepository, TenantRecord } from '../store/migration-repository.ts';
import { type ControlPlane, migrationsRepo, nowIso } from './control-plane.ts';

const TENANT_ID = /^[a-z][a-z0-9-]{0,39}$/;

export function assertTenantId(id: string): void {
  if (!TENANT_ID.test(id))
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `tenant id "${id}" is not valid: use 1–40 lower-case letters, digits and '-', starting with a letter`,
    );
}

/** The PostgreSQL schema a tenant gets in a shared tenant database. */
export function tenantSchema(id: string): string {
  return `tenant_${id.replace(/-/g, '_')}`;
}

export interface ProvisionOptions {
  tenantId: string;
  /** A PostgreSQL database URL: the tenant gets schema `tenant_<id>` in it (unless `?schema=` names one). */
  databaseUrl?: string;
  /** Where documents go (file:… or s3://…); default a folder under the Ferry home. */
  blobStoreUrl?: string;
}

/** The tenant's locations, without creating anything. */
export function tenantLocations(
  home: string,
  options: ProvisionOptions,
): Pick<TenantRecord, 'databaseUrl' | 'blobStoreUrl' | 'userRegistryUrl'> {
  const dir = join(home, 'tenants', options.tenantId);
  let databaseUrl = `sqlite:${join(dir, 'tenant.db')}`;
  if (options.databaseUrl !== undefined) {
    const parsed = parseConnectionUrl(options.databaseUrl);
    if (parsed.dialect !== 'postgres')
      throw new FerryError(
        'FERRY_TARGET_UNSUPPORTED',
        `a tenant database must be PostgreSQL (postgres://…), got "${parsed.redacted}"`,
      );
    const url = new URL(options.databaseUrl);
    if (!url.searchParams.has('schema')) url.searchParams.set('schema', tenantSchema(options.tenantId));
    databaseUrl = url.toString();
  }
  return {
    databaseUrl,
    blobStoreUrl: options.blobStoreUrl ?? pathToFileURL(join(dir, 'documents')).href,
    // The users service keeps the tenant's user registry in the tenant database.
    userRegistryUrl: databaseUrl,
  };
}

/**
 * Creates the tenant's database (file or schema) and documents folder, and records the tenant as
 * `provisioned`. An existing tenant is returned unchanged.
 */
export async function provisionTenant(cp: ControlPlane, options: ProvisionOptions): Promise<TenantRecord> {
  assertTenantId(options.tenantId);
  const repo = migrationsRepo(cp);
  const existing = await repo.getTenant(options.tenantId);
  if (existing !== null) return existing;
  const locations = tenantLocations(cp.store.home, options);
  if (options.blobStoreUrl === undefined)
    mkdirSync(join(cp.store.home, 'tenants', options.tenantId, 'documents'), {
      recursive: true,
      mode: 0o700,
    });
  // Opening the target creates the SQLite file or the PostgreSQL schema.
  const target = await openTarget(locations.databaseUrl);
  await target.close();
  const at = nowIso(cp);
  await repo.insertTenant({
    id: options.tenantId,
    state: 'provisioned',
    database_url: locations.databaseUrl,
    blob_store_url: locations.blobStoreUrl,
    user_registry_url: locations.userRegistryUrl,
    created_at: at,
    updated_at: at,
  });
  const tenant = await repo.getTenant(options.tenantId);
  if (tenant === null)
    throw new FerryError('FERRY_INTERNAL', `tenant ${options.tenantId} vanished after insert`);
  return tenant;
}

export async function getTenant(cp: ControlPlane, tenantId: string): Promise<TenantRecord> {
  const tenant = await migrationsRepo(cp).getTenant(tenantId);
  if (tenant === null)
    throw new FerryError('FERRY_INVALID_ARGUMENT', `there is no tenant "${tenantId}" in this store`);
  return tenant;
}

/** Applies `event` through tenant-state.ts and stores the result (compare-and-set). */
export async function changeTenantState(
  repo: MigrationRepository,
  tenant: Pick<TenantRecord, 'id' | 'state'>,
  event: TenantEvent,
  at: string,
): Promise<TenantState> {
  const to = transitionTenant(tenant.id, tenant.state, event);
  if (to === tenant.state) return to;
  if (!(await repo.setTenantState(tenant.id, tenant.state, to, at))) {
    const now = await repo.getTenant(tenant.id);
    throw new FerryError(
      'FERRY_ILLEGAL_TRANSITION',
      `tenant ${tenant.id} changed to ${now?.state ?? 'gone'} while ${event} was applied; retry the action`,
      { details: { tenantId: tenant.id, event } },
    );
  }
  return to;
}

/** What may be shown of a tenant: URLs without passwords. */
export function tenantView(tenant: TenantRecord): TenantRecord {
  return {
    ...tenant,
    databaseUrl: redactUrl(tenant.databaseUrl),
    blobStoreUrl: redactUrl(tenant.blobStoreUrl),
    userRegistryUrl: redactUrl(tenant.userRegistryUrl),
  };
}

/** Drops every table of the tenant database and deletes every document; returns what was removed. */
export async function wipeTenantData(tenant: TenantRecord): Promise<{ tables: number; documents: number }> {
  const target = await openTarget(tenant.databaseUrl);
  let tables: number;
  try {
    const names = (await target.listTables()).map((t) => t.name);
    await target.dropTables(names);
    tables = names.length;
  } finally {
    await target.close();
  }
  const blobs = openBlobStore(tenant.blobStoreUrl);
  let documents = 0;
  try {
    const keys: string[] = [];
    for await (const item of listAll(blobs, '')) keys.push(item.key);
    for (const key of keys) {
      await blobs.delete(key);
      documents++;
    }
  } finally {
    await blobs.close();
  }
  return { tables, documents };
}
