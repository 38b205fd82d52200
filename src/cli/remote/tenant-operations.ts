// What `ferry tenants …` does, locally (the store) or through a Ferry server (/api/v1/tenants):
// the tenants with their state, locations (without passwords) and the migrations into each, and a
// tenant's user registry.

import { FerryError } from '../../domain/errors.ts';
import { migrationsRepo, type ControlPlane } from '../../services/control-plane.ts';
import { readTenantUserRegistry, type TenantUserRegistry } from '../../services/tenant-user-registry.ts';
import { tenantView } from '../../services/tenants.ts';
import type { TenantRecord } from '../../store/migration-repository.ts';
import type { ApiClient } from './api-client.ts';
import type { OperationsFactory } from './operations.ts';

export interface TenantWithMigrations extends TenantRecord {
  /** Oldest first; at most one is not abandoned. */
  migrations: { id: string; phase: string }[];
}

export interface TenantOperations {
  list(): Promise<TenantWithMigrations[]>;
  show(tenantId: string): Promise<TenantWithMigrations>;
  /** The tenant's user registry as the last run wrote it. */
  users(tenantId: string): Promise<TenantUserRegistry>;
}

function local(cp: ControlPlane): TenantOperations {
  const repo = migrationsRepo(cp);
  const describe = async (tenant: TenantRecord): Promise<TenantWithMigrations> => ({
    ...tenantView(tenant),
    migrations: (await repo.migrationsOfTenant(tenant.id)).map((m) => ({ id: m.id, phase: m.phase })),
  });
  return {
    async list() {
      const ids = [...new Set((await repo.listMigrations()).map((m) => m.tenantId))].sort();
      const tenants = await Promise.all(ids.map((id) => repo.getTenant(id)));
      return Promise.all(tenants.filter((t): t is TenantRecord => t !== null).map(describe));
    },
    async show(tenantId) {
      const tenant = await repo.getTenant(tenantId);
      if (tenant === null)
        throw new FerryError('FERRY_TENANT_NOT_FOUND', `there is no tenant "${tenantId}" in this store`, {
          details: { tenantId },
        });
      return describe(tenant);
    },
    users: (tenantId) => readTenantUserRegistry(cp, tenantId),
  };
}

function remote(api: ApiClient): TenantOperations {
  return {
    list: () => api.get<TenantWithMigrations[]>('/tenants'),
    show: (tenantId) => api.get<TenantWithMigrations>(`/tenants/${encodeURIComponent(tenantId)}`),
    users: (tenantId) => api.get<TenantUserRegistry>(`/tenants/${encodeURIComponent(tenantId)}/users`),
  };
}

export const tenantOperations: OperationsFactory<TenantOperations> = { local, remote };
