// /api/v1/migrations/:migrationId/checks: run the profile's pre-migration checks against the
// migration's installation (reading only) and answer with every result.

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FerryError } from '../../domain/errors.ts';
import { applyFix, runChecks } from '../../services/checks.ts';
import { getMigration } from '../../services/migrations.ts';
import { errorResponses, jsonSchema } from '../schema.ts';
import type { ControlPlaneRoutesDeps } from './migrations.ts';
import { migrationParams, type MigrationParams } from './migration-schemas.ts';

const checksBody = z.object({
  only: z.array(z.string().min(1)).min(1).optional().describe('only these check ids (default: every check)'),
});

const outcome = z.enum(['pass', 'warning', 'blocking']);

const checkResult = z.object({
  id: z.string(),
  title: z.string(),
  severity: z.enum(['warning', 'blocking']),
  outcome: outcome.describe('`pass` when nothing was found; otherwise the severity'),
  count: z.number().int(),
  unit: z.string().nullable().describe("what count counts ('users', 'rows'…)"),
  examples: z.array(z.string()).describe('up to 20 examples'),
  guidance: z.string().describe('what to do'),
  breakdown: z.array(z.object({ label: z.string(), count: z.number().int() })),
  fixAvailable: z.boolean().describe('the check offers a fix (`ferry check --fix ID`)'),
  error: z
    .object({ code: z.string(), message: z.string() })
    .nullable()
    .describe('set when the check could not run'),
  durationMs: z.number(),
});

const checksReport = z.object({
  installation: z.object({
    name: z.string(),
    profile: z.string(),
    database: z.string().describe('without its password'),
  }),
  profile: z.string(),
  results: z.array(checkResult),
  blocking: z.boolean().describe('a blocking check failed: runs other than diagnostic cannot start'),
});

const checkParams = migrationParams.extend({
  checkId: z.string().min(1).describe('a check id of the profile, e.g. crm.sentry-addon-preferences'),
});

const fixOutcome = z.object({
  checkId: z.string(),
  description: z.string().describe('what the fix did, in words'),
  changed: z.number().int().describe('rows (or other objects) the fix changed in the source'),
  after: checkResult.describe('the check run again after the fix'),
});

export function registerCheckRoutes(app: FastifyInstance, deps: ControlPlaneRoutesDeps): void {
  const cp = deps.controlPlane;

  app.post(
    '/api/v1/migrations/:migrationId/checks',
    {
      schema: {
        tags: ['checks'],
        summary: "Run the pre-migration checks on the migration's installation (reads the source only)",
        params: jsonSchema(migrationParams),
        body: jsonSchema(checksBody),
        response: { 200: jsonSchema(checksReport), ...errorResponses },
      },
      // The body is optional: a POST without one runs every check.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => {
      const migration = await getMigration(cp, (request.params as MigrationParams).migrationId);
      const { only } = request.body as z.infer<typeof checksBody>;
      return runChecks(migration.installationPath, {
        profile: await cp.profiles(migration.profileId),
        ...(only === undefined ? {} : { only }),
      });
    },
  );

  app.post(
    '/api/v1/migrations/:migrationId/checks/:checkId/fix',
    {
      schema: {
        tags: ['checks'],
        summary:
          "Apply the fix a check offers to the migration's SOURCE, then run the check again (404: no such check; 400: the check offers no fix)",
        params: jsonSchema(checkParams),
        response: { 200: jsonSchema(fixOutcome), ...errorResponses },
      },
    },
    async (request) => {
      const { migrationId, checkId } = request.params as z.infer<typeof checkParams>;
      const migration = await getMigration(cp, migrationId);
      const profile = await cp.profiles(migration.profileId);
      if (!profile.checks.some((c) => c.id === checkId))
        throw new FerryError(
          'FERRY_CHECK_NOT_FOUND',
          `the ${profile.id} profile has no check ${JSON.stringify(checkId)}`,
          {
            details: { checkId, profile: profile.id, checks: profile.checks.map((c) => c.id) },
          },
        );
      return applyFix(migration.installationPath, checkId, { profile });
    },
  );
}
