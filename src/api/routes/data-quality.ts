// Data quality of a migration's tenant: sanitize (find invalid characters in the source, fix them
// in the tenant copy), companion repair (insert the extension rows the profile expects), and the
// setup checklist of a run (tables not migrated and what to set up instead).
//
//   POST /api/v1/migrations/:migrationId/sanitize           { mode: 'find' | 'fix' }
//   GET  /api/v1/migrations/:migrationId/sanitize-on-load
//   PUT  /api/v1/migrations/:migrationId/sanitize-on-load   { enabled }
//   POST /api/v1/migrations/:migrationId/repair-companions
//   GET  /api/v1/runs/:runId/setup-checklist

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { repairCompanions } from '../../services/companion-repair.ts';
import { getSanitizeOnLoad, sanitize, setSanitizeOnLoad } from '../../services/sanitize.ts';
import { buildSetupChecklist, setupItemCategories } from '../../services/setup-checklist.ts';
import { errorResponses, jsonSchema } from '../schema.ts';
import type { ControlPlaneRoutesDeps } from './migrations.ts';
import { migrationParams, type MigrationParams } from './migration-schemas.ts';

const runParams = z.object({ runId: z.string().min(1).describe('run id, e.g. run-1a2b3c4d5e') });

const sanitizeBody = z.object({
  mode: z
    .enum(['find', 'fix'])
    .describe(
      'find: count invalid characters in the source (reads only); fix: rewrite them in the loaded tenant',
    ),
});

const sanitizeAnswer = z.object({
  migrationId: z.string(),
  mode: z.enum(['find', 'fix']),
  where: z.enum(['source', 'tenant']).describe('find reads the source, fix changes the tenant copy only'),
  database: z.string().describe('without its password'),
  columns: z.array(
    z.object({
      table: z.string(),
      column: z.string(),
      found: z.number().int().describe('values with invalid characters'),
      fixed: z.number().int().nullable().describe('values rewritten (null for find)'),
      notFixed: z.string().nullable().describe('why some values were left (no primary key, key column)'),
    }),
  ),
  found: z.number().int(),
  fixed: z.number().int().nullable(),
});

const onLoad = z.object({
  migrationId: z.string(),
  sanitizeOnLoad: z.boolean().describe('fix the tenant copy after every test, full and final run'),
});

const repairAnswer = z.object({
  migrationId: z.string(),
  database: z.string().describe('the tenant database, without its password'),
  companions: z.array(
    z.object({
      base: z.string(),
      companion: z.string(),
      inserted: z.number().int().describe('companion rows inserted by this repair (0 when none was missing)'),
      skipped: z.string().optional().describe('why the pair was not repaired'),
    }),
  ),
  inserted: z.number().int(),
});

const checklistAnswer = z.object({
  runId: z.string(),
  migrationId: z.string().nullable(),
  items: z.array(
    z.object({
      table: z.string(),
      category: z
        .enum(setupItemCategories)
        .describe(
          "excluded by the profile, excluded by the migration's table mappings, not carried by the plan, or failed in the run",
        ),
      reason: z.string(),
      setup: z.string().describe('what to set up in the tenant instead'),
    }),
  ),
});

export function registerDataQualityRoutes(app: FastifyInstance, deps: ControlPlaneRoutesDeps): void {
  const cp = deps.controlPlane;
  const params = jsonSchema(migrationParams);

  app.post(
    '/api/v1/migrations/:migrationId/sanitize',
    {
      schema: {
        tags: ['data quality'],
        summary:
          'Find invalid characters in the source (per table and column) or fix them in the loaded tenant copy',
        params,
        body: jsonSchema(sanitizeBody),
        response: { 200: jsonSchema(sanitizeAnswer), ...errorResponses },
      },
    },
    async (request) => {
      const { migrationId } = request.params as MigrationParams;
      const { mode } = request.body as z.infer<typeof sanitizeBody>;
      return sanitize(cp, migrationId, mode);
    },
  );

  app.get(
    '/api/v1/migrations/:migrationId/sanitize-on-load',
    {
      schema: {
        tags: ['data quality'],
        summary: 'Whether sanitize fixes the tenant copy after every test, full and final run',
        params,
        response: { 200: jsonSchema(onLoad), ...errorResponses },
      },
    },
    async (request) => {
      const { migrationId } = request.params as MigrationParams;
      return { migrationId, sanitizeOnLoad: await getSanitizeOnLoad(cp, migrationId) };
    },
  );

  app.put(
    '/api/v1/migrations/:migrationId/sanitize-on-load',
    {
      schema: {
        tags: ['data quality'],
        summary: 'Turn the automatic sanitize after test, full and final runs on or off',
        params,
        body: jsonSchema(z.object({ enabled: z.boolean() })),
        response: { 200: jsonSchema(onLoad), ...errorResponses },
      },
    },
    async (request) => {
      const { migrationId } = request.params as MigrationParams;
      const { enabled } = request.body as { enabled: boolean };
      return { migrationId, sanitizeOnLoad: await setSanitizeOnLoad(cp, migrationId, enabled) };
    },
  );

  app.post(
    '/api/v1/migrations/:migrationId/repair-companions',
    {
      schema: {
        tags: ['data quality'],
        summary: 'Insert the companion (extension) rows the profile expects and the loaded tenant lacks',
        params,
        response: { 200: jsonSchema(repairAnswer), ...errorResponses },
      },
      // No body needed.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => repairCompanions(cp, (request.params as MigrationParams).migrationId),
  );

  app.get(
    '/api/v1/runs/:runId/setup-checklist',
    {
      schema: {
        tags: ['data quality'],
        summary: 'Tables the run did not bring to the tenant, and what to set up there instead',
        params: jsonSchema(runParams),
        response: { 200: jsonSchema(checklistAnswer), ...errorResponses },
      },
    },
    async (request) => buildSetupChecklist(cp, (request.params as z.infer<typeof runParams>).runId),
  );
}
