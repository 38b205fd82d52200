// /api/v1/migrations: set up a migration (with its tenant), list them, show one with everything the
// management page needs, and the phase actions: go-live, abandon, pause, resume, reset cloud data.
// The plan, checklist and approval are in migration-plan.ts; companies, schedule, runtime key and
// update check in migration-settings.ts. Every rule is the services'; a refusal is a 409 with the
// reason, an unknown id a 404.

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ControlPlane } from '../../services/control-plane.ts';
import {
  abandon,
  goLive,
  pausePhase,
  resetCloudData,
  resumePhase,
} from '../../services/migration-lifecycle.ts';
import { createMigration, listMigrations, showMigration } from '../../services/migrations.ts';
import { errorResponses, jsonSchema } from '../schema.ts';
import {
  migrationParams,
  migrationRecord,
  migrationView,
  type MigrationParams,
} from './migration-schemas.ts';

export interface ControlPlaneRoutesDeps {
  controlPlane: ControlPlane;
}

const createBody = z.object({
  installationPath: z
    .string()
    .min(1)
    .describe("path of the installation's installation.yaml, as the server sees it"),
  profileId: z.string().min(1).describe('application profile, e.g. crm'),
  tenantId: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,39}$/)
    .describe("tenant id: 1–40 lower-case letters, digits and '-', starting with a letter"),
  tenantDatabaseUrl: z
    .string()
    .min(1)
    .optional()
    .describe('PostgreSQL database for the tenant (schema tenant_<id>); default a SQLite file in the home'),
  tenantBlobStoreUrl: z
    .string()
    .min(1)
    .optional()
    .describe("the tenant's document store (file:… or s3://…); default a folder in the home"),
});

const resetResult = migrationView.extend({
  removed: z.object({
    tables: z.number().int().describe('tenant tables dropped'),
    documents: z.number().int().describe('tenant documents deleted'),
  }),
});

interface PhaseActionRoute {
  path: string;
  summary: string;
  description: string;
  apply: (cp: ControlPlane, id: string) => Promise<unknown>;
}

const phaseActionRoutes: PhaseActionRoute[] = [
  {
    path: 'go-live',
    summary: 'Go live: the tenant starts running, the source is kept as a read-only archive',
    description:
      'Needs a successful final run and no active run. Afterwards nothing of any kind may run or change.',
    apply: goLive,
  },
  {
    path: 'abandon',
    summary: 'Abandon the migration for good (unfreezes the source, archives the tenant)',
    description: 'Refused while a run is active or after go-live. A new migration may be set up afterwards.',
    apply: abandon,
  },
  {
    path: 'pause',
    summary: 'Put the migration on hold (runs are refused until it is resumed)',
    description: 'Refused while a run is active; `resume` returns to the phase it was paused from.',
    apply: pausePhase,
  },
  {
    path: 'resume',
    summary: 'Resume a paused migration in the phase it was paused from',
    description: 'Refused when the migration is not paused.',
    apply: resumePhase,
  },
];

export function registerMigrationRoutes(app: FastifyInstance, deps: ControlPlaneRoutesDeps): void {
  const cp = deps.controlPlane;

  app.post(
    '/api/v1/migrations',
    {
      schema: {
        tags: ['migrations'],
        summary: 'Set up a migration of an installation into a tenant (the tenant is provisioned)',
        description:
          "The migration starts in `planning` with the profile's checklist items. A tenant belongs to one " +
          'migration at a time (409 FERRY_TENANT_IN_USE otherwise).',
        body: jsonSchema(createBody),
        response: { 201: jsonSchema(migrationView), ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body as z.infer<typeof createBody>;
      const view = await createMigration(cp, {
        installationPath: body.installationPath,
        profileId: body.profileId,
        tenantId: body.tenantId,
        ...(body.tenantDatabaseUrl === undefined ? {} : { tenantDatabaseUrl: body.tenantDatabaseUrl }),
        ...(body.tenantBlobStoreUrl === undefined ? {} : { tenantBlobStoreUrl: body.tenantBlobStoreUrl }),
      });
      return reply.status(201).send(view);
    },
  );

  app.get(
    '/api/v1/migrations',
    {
      schema: {
        tags: ['migrations'],
        summary: 'List every migration in this store',
        response: { 200: jsonSchema(z.array(migrationRecord)), 401: errorResponses[401] },
      },
    },
    async () => listMigrations(cp),
  );

  app.get(
    '/api/v1/migrations/:migrationId',
    {
      schema: {
        tags: ['migrations'],
        summary: 'One migration: phase, tenant, plan, signatures, checklist, schedule, active run',
        params: jsonSchema(migrationParams),
        response: { 200: jsonSchema(migrationView), 401: errorResponses[401], 404: errorResponses[404] },
      },
    },
    async (request) => showMigration(cp, (request.params as MigrationParams).migrationId),
  );

  for (const action of phaseActionRoutes) {
    app.post(
      `/api/v1/migrations/:migrationId/${action.path}`,
      {
        schema: {
          tags: ['migrations'],
          summary: action.summary,
          description: `${action.description} Answers with the migration as it is afterwards.`,
          params: jsonSchema(migrationParams),
          response: { 200: jsonSchema(migrationView), ...errorResponses },
        },
      },
      async (request) => {
        const { migrationId } = request.params as MigrationParams;
        await action.apply(cp, migrationId);
        return showMigration(cp, migrationId);
      },
    );
  }

  app.post(
    '/api/v1/migrations/:migrationId/reset-cloud-data',
    {
      schema: {
        tags: ['migrations'],
        summary: "Reset cloud data: wipe the tenant's tables and documents, keep the migration",
        description:
          'The plan, signatures and license binding stay. In the parallel phase the migration returns to ' +
          'first-migration and its checklist results and approval signatures are cleared.',
        params: jsonSchema(migrationParams),
        response: { 200: jsonSchema(resetResult), ...errorResponses },
      },
    },
    async (request) => {
      const { migrationId } = request.params as MigrationParams;
      const { tables, documents } = await resetCloudData(cp, migrationId);
      return { ...(await showMigration(cp, migrationId)), removed: { tables, documents } };
    },
  );
}
