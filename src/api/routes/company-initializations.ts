// /api/v1/migrations/:migrationId/companies/initializations: start the initialization of one,
// several or every selected company in the tenant (one job per company through the job queue) and
// see each company's job. A company being initialized cannot be initialized again nor join or
// leave the selection (409 FERRY_COMPANY_BUSY).

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { companyInitializationStatuses } from '../../domain/company-initialization.ts';
import type { JobQueue } from '../../queue/job-queue.ts';
import {
  listCompanyInitializations,
  startCompanyInitializations,
} from '../../services/company-initialization.ts';
import { errorResponses, jsonSchema } from '../schema.ts';
import type { ControlPlaneRoutesDeps } from './migrations.ts';
import { migrationParams, type MigrationParams } from './migration-schemas.ts';

export interface CompanyInitializationRoutesDeps extends ControlPlaneRoutesDeps {
  /** Where the jobs go: the server's in-process queue, or pg-boss for `ferry worker` processes. */
  jobs: JobQueue;
}

const initialization = z.object({
  companyId: z.string(),
  companyName: z.string(),
  status: z.enum(companyInitializationStatuses),
  queuedAt: z.string().describe('ISO-8601 UTC'),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  summary: z.string().nullable().describe("what the profile's initialization did, once succeeded"),
  error: z.object({ code: z.string(), message: z.string() }).nullable().describe('why it failed'),
  worker: z.string().nullable().describe('the worker executing it, while running'),
});

const initializations = z.object({
  migrationId: z.string(),
  companies: z.array(initialization),
});

const startBody = z.object({
  companyIds: z
    .array(z.string().min(1))
    .min(1)
    .nullable()
    .optional()
    .describe(
      'the companies to initialize (each a selected company); null or absent: every selected company',
    ),
});

export function registerCompanyInitializationRoutes(
  app: FastifyInstance,
  deps: CompanyInitializationRoutesDeps,
): void {
  const cp = deps.controlPlane;
  const params = jsonSchema(migrationParams);

  app.post(
    '/api/v1/migrations/:migrationId/companies/initializations',
    {
      schema: {
        tags: ['companies'],
        summary:
          'Initialize companies in the tenant: one job per company (answers 202 with the queued jobs; 409 while one of them is being initialized)',
        params,
        body: jsonSchema(startBody),
        response: { 202: jsonSchema(initializations), ...errorResponses },
      },
      // The body is optional: a POST without one initializes every selected company.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const { companyIds } = request.body as z.infer<typeof startBody>;
      const started = await startCompanyInitializations(
        cp,
        (request.params as MigrationParams).migrationId,
        companyIds ?? null,
        deps.jobs,
      );
      return reply.status(202).send(started);
    },
  );

  app.get(
    '/api/v1/migrations/:migrationId/companies/initializations',
    {
      schema: {
        tags: ['companies'],
        summary: "Each company's last initialization job: status, times, summary or error",
        params,
        response: { 200: jsonSchema(initializations), ...errorResponses },
      },
    },
    async (request) => listCompanyInitializations(cp, (request.params as MigrationParams).migrationId),
  );
}
