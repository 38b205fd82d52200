// /api/v1/migrations/:migrationId/{plan,checklist,approval}: the signed plan before the first run,
// the parallel phase's checklist, and the approval both parties sign before the final run.

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  addChecklistItem,
  approve,
  listChecklist,
  recordChecklistResult,
  setPlan,
  showMigration,
  signPlan,
} from '../../services/migrations.ts';
import { storedTableMappings } from '../../services/table-mappings.ts';
import { errorResponses, jsonSchema } from '../schema.ts';
import type { ControlPlaneRoutesDeps } from './migrations.ts';
import {
  checklistItem,
  migrationParams,
  migrationRecord,
  partySchema,
  planActivity,
  planView,
  signature,
  signatureBody,
  type MigrationParams,
} from './migration-schemas.ts';

const planBody = z.object({
  activities: z
    .array(
      z.object({
        activity: z.string().min(1).describe('what is done'),
        owner: z.string().min(1).describe('who is responsible'),
        estimate: z.string().min(1).describe('effort: 4h, 90m, 1h30m, 2d (8-hour days)'),
        deadline: z.string().min(1).describe('YYYY-MM-DD'),
      }),
    )
    .describe('the whole plan, in order'),
});

const itemParams = migrationParams.extend({
  itemId: z.string().min(1).describe('checklist item id, e.g. users-log-in or custom-1'),
});

const addItemBody = z.object({ title: z.string().min(1).describe('what is checked') });

const resultBody = z.object({
  result: z.enum(['passed', 'failed']),
  by: z.string().min(1).describe('who decided'),
});

const signed = z.object({
  signature,
  missing: z.array(partySchema).describe('parties that have not signed yet'),
});

export function registerMigrationPlanRoutes(app: FastifyInstance, deps: ControlPlaneRoutesDeps): void {
  const cp = deps.controlPlane;
  const tags = ['plan, checklist and approval'];

  app.get(
    '/api/v1/migrations/:migrationId/plan',
    {
      schema: {
        tags,
        summary:
          'The plan: activities with owner, estimate and deadline, its signatures, and a summary of the table mappings',
        params: jsonSchema(migrationParams),
        response: { 200: jsonSchema(planView), 401: errorResponses[401], 404: errorResponses[404] },
      },
    },
    async (request) => {
      const { migrationId } = request.params as MigrationParams;
      const mappings = await storedTableMappings(cp, migrationId);
      return {
        ...(await showMigration(cp, migrationId)).plan,
        tableMappings:
          mappings === null ? null : { updatedAt: mappings.updatedAt, summary: mappings.summary },
      };
    },
  );

  app.put(
    '/api/v1/migrations/:migrationId/plan/activities',
    {
      schema: {
        tags,
        summary: "Replace the plan's activities (only in planning; clears the plan's signatures)",
        params: jsonSchema(migrationParams),
        body: jsonSchema(planBody),
        response: {
          200: jsonSchema(
            z.object({
              activities: z.array(planActivity),
              totalEstimateMinutes: z.number().int(),
              signaturesCleared: z.number().int().describe('plan signatures the change cleared'),
            }),
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { migrationId } = request.params as MigrationParams;
      const { activities } = request.body as z.infer<typeof planBody>;
      const result = await setPlan(cp, migrationId, activities, { replace: true });
      return {
        activities: result.activities,
        totalEstimateMinutes: result.activities.reduce((sum, a) => sum + a.estimateMinutes, 0),
        signaturesCleared: result.signaturesCleared,
      };
    },
  );

  app.post(
    '/api/v1/migrations/:migrationId/plan/signatures',
    {
      schema: {
        tags,
        summary: 'Sign the plan for one party (both must sign before the first run)',
        params: jsonSchema(migrationParams),
        body: jsonSchema(signatureBody),
        response: { 201: jsonSchema(signed), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { migrationId } = request.params as MigrationParams;
      const body = request.body as z.infer<typeof signatureBody>;
      return reply.status(201).send(await signPlan(cp, migrationId, body.party, body.name));
    },
  );

  app.get(
    '/api/v1/migrations/:migrationId/checklist/items',
    {
      schema: {
        tags,
        summary: 'The checklist: profile items and custom ones, each open, passed or failed (by whom, when)',
        params: jsonSchema(migrationParams),
        response: {
          200: jsonSchema(z.array(checklistItem)),
          401: errorResponses[401],
          404: errorResponses[404],
        },
      },
    },
    async (request) => listChecklist(cp, (request.params as MigrationParams).migrationId),
  );

  app.post(
    '/api/v1/migrations/:migrationId/checklist/items',
    {
      schema: {
        tags,
        summary: 'Add a custom checklist item (until the migration is approved)',
        params: jsonSchema(migrationParams),
        body: jsonSchema(addItemBody),
        response: { 201: jsonSchema(checklistItem), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { migrationId } = request.params as MigrationParams;
      const { title } = request.body as z.infer<typeof addItemBody>;
      return reply.status(201).send(await addChecklistItem(cp, migrationId, title));
    },
  );

  app.post(
    '/api/v1/migrations/:migrationId/checklist/items/:itemId/result',
    {
      schema: {
        tags,
        summary: 'Pass or fail a checklist item (parallel phase; clears approval signatures given so far)',
        params: jsonSchema(itemParams),
        body: jsonSchema(resultBody),
        response: {
          200: jsonSchema(
            z.object({
              item: checklistItem,
              approvalSignaturesCleared: z.number().int().describe('approval signatures the change cleared'),
            }),
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { migrationId, itemId } = request.params as z.infer<typeof itemParams>;
      const body = request.body as z.infer<typeof resultBody>;
      return recordChecklistResult(cp, migrationId, itemId, body.result, body.by);
    },
  );

  app.post(
    '/api/v1/migrations/:migrationId/approval/signatures',
    {
      schema: {
        tags,
        summary: 'Sign the approval for one party (parallel phase, every checklist item passed)',
        description: "The second party's signature moves the migration to `approved`.",
        params: jsonSchema(migrationParams),
        body: jsonSchema(signatureBody),
        response: { 201: jsonSchema(signed.extend({ migration: migrationRecord })), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { migrationId } = request.params as MigrationParams;
      const body = request.body as z.infer<typeof signatureBody>;
      return reply.status(201).send(await approve(cp, migrationId, body.party, body.name));
    },
  );
}
