// /api/v1/tenants: the cloud targets, with their state and locations (URLs without passwords) and
// the migrations that used them, and each tenant's user registry as the last run wrote it. Tenants
// are provisioned by creating a migration.

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FerryError } from '../../domain/errors.ts';
import { migrationsRepo } from '../../services/control-plane.ts';
import { readTenantUserRegistry } from '../../services/tenant-user-registry.ts';
import { tenantView } from '../../services/tenants.ts';
import type { TenantRecord } from '../../store/migration-repository.ts';
import { errorResponses, jsonSchema } from '../schema.ts';
import type { ControlPlaneRoutesDeps } from './migrations.ts';
import { tenantRecord } from './migration-schemas.ts';

const tenantParams = z.object({ tenantId: z.string().min(1).describe('tenant id, e.g. acme') });

const tenantWithMigrations = tenantRecord.extend({
  migrations: z
    .array(z.object({ id: z.string(), phase: z.string() }))
    .describe('the migrations into this tenant, oldest first (at most one not abandoned)'),
});

const tenantUsers = z.object({
  tenantId: z.string(),
  table: z.string().describe("the registry's table in the tenant database (ferry_users)"),
  written: z.boolean().describe('false until a run has written the registry (users is then empty)'),
  users: z.array(
    z.object({
      id: z.string().describe("the user's id in the installation"),
      name: z.string(),
      username: z.string().nullable().describe('the email the user logs in with'),
      plan: z.string().nullable().describe('null: the user cannot log in'),
      isAdministrator: z.boolean(),
      identity: z.string().nullable().describe('the cloud identity the user is mapped to'),
    }),
  ),
});

export function registerTenantRoutes(app: FastifyInstance, deps: ControlPlaneRoutesDeps): void {
  const repo = migrationsRepo(deps.controlPlane);

  const describeTenant = async (tenant: TenantRecord) => ({
    ...tenantView(tenant),
    migrations: (await repo.migrationsOfTenant(tenant.id)).map((m) => ({ id: m.id, phase: m.phase })),
  });

  app.get(
    '/api/v1/tenants',
    {
      schema: {
        tags: ['tenants'],
        summary: 'List the tenants in this store with their state',
        response: { 200: jsonSchema(z.array(tenantWithMigrations)), 401: errorResponses[401] },
      },
    },
    async () => {
      const ids = [...new Set((await repo.listMigrations()).map((m) => m.tenantId))].sort();
      const tenants = await Promise.all(ids.map((id) => repo.getTenant(id)));
      return Promise.all(tenants.filter((t): t is TenantRecord => t !== null).map(describeTenant));
    },
  );

  app.get(
    '/api/v1/tenants/:tenantId',
    {
      schema: {
        tags: ['tenants'],
        summary: 'One tenant: state, database and document locations, and its migrations',
        params: jsonSchema(tenantParams),
        response: {
          200: jsonSchema(tenantWithMigrations),
          401: errorResponses[401],
          404: errorResponses[404],
        },
      },
    },
    async (request) => {
      const { tenantId } = request.params as z.infer<typeof tenantParams>;
      const tenant = await repo.getTenant(tenantId);
      if (tenant === null)
        throw new FerryError('FERRY_TENANT_NOT_FOUND', `there is no tenant "${tenantId}" in this store`, {
          details: { tenantId },
        });
      return describeTenant(tenant);
    },
  );

  app.get(
    '/api/v1/tenants/:tenantId/users',
    {
      schema: {
        tags: ['tenants'],
        summary:
          "The tenant's user registry: every user with the plan, username and identity the last run wrote",
        params: jsonSchema(tenantParams),
        response: {
          200: jsonSchema(tenantUsers),
          401: errorResponses[401],
          404: errorResponses[404],
        },
      },
    },
    async (request) =>
      readTenantUserRegistry(deps.controlPlane, (request.params as z.infer<typeof tenantParams>).tenantId),
  );
}
