// /api/v1/migrations/:migrationId/{companies,schedule,runtime-key,update-check,agent/heartbeat}:
// what a run takes, when runs happen, the on-premises agent's secret, whether a worker is up to
// date, and the agent reporting in with that secret.

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { chooseCompanies, listCompanies } from '../../services/companies.ts';
import { getRuntimeKey, resetRuntimeKey, type RuntimeKeyResult } from '../../services/runtime-keys.ts';
import { clearSchedule, getSchedule, setSchedule } from '../../services/schedules.ts';
import { checkFleetForUpdate } from '../../services/process-heartbeats.ts';
import { getMigration } from '../../services/migrations.ts';
import { ProcessHeartbeatRepository } from '../../store/process-heartbeat-repository.ts';
import { errorResponses, jsonSchema } from '../schema.ts';
import type { ControlPlaneRoutesDeps } from './migrations.ts';
import { migrationParams, scheduleRecord, type MigrationParams } from './migration-schemas.ts';

const company = z.object({
  id: z.string(),
  name: z.string(),
  tables: z.array(z.string()),
  estimatedRows: z.number().describe("the company's tables' rows (catalog statistics)"),
  estimatedBytes: z.number().describe("the company's tables' size in bytes (catalog statistics)"),
  selected: z.boolean().describe('whether the next run takes it'),
});

const selectionBody = z.object({
  companyIds: z
    .array(z.string().min(1))
    .nullable()
    .describe('the companies a run takes; null selects every company'),
});

const selection = z.object({
  selectedCompanies: z.array(z.string()).nullable().describe('null: every company'),
});

const scheduleBody = z.object({
  cron: z.string().min(1).describe('five-field cron expression, e.g. "0 2 * * *" for 02:00 every day'),
  timeZone: z.string().min(1).optional().describe('IANA time zone the expression is read in (default UTC)'),
});

const scheduleAnswer = z.object({
  schedule: scheduleRecord.nullable().describe('null when the migration has no schedule'),
});

const runtimeKey = z.object({
  migrationId: z.string(),
  key: z
    .string()
    .nullable()
    .describe('the key itself, only in the answer that created it (shown once); null afterwards'),
  hint: z.string().describe("the key's last four characters"),
  createdAt: z.string(),
});

const updateQuery = z.object({
  workerVersion: z
    .string()
    .regex(/^v?\d+\.\d+\.\d+/)
    .describe("the worker's (or agent's) version, MAJOR.MINOR.PATCH"),
});

const updateCheck = z.object({
  workerVersion: z.string(),
  controlPlaneVersion: z.string(),
  updateAvailable: z.boolean().describe('the worker is older than the control plane'),
  message: z.string(),
  workers: z
    .array(
      z.object({
        id: z.string(),
        version: z.string(),
        updateAvailable: z.boolean(),
        lastSeenAt: z.string().describe('its last heartbeat (every 10 s while it runs)'),
      }),
    )
    .describe('the `ferry worker` processes seen in the last minute, each checked the same way'),
});

const heartbeatBody = z.object({
  agentId: z.string().min(1).max(200).describe("the agent's name, unique per machine (e.g. its host name)"),
  version: z
    .string()
    .regex(/^v?\d+\.\d+\.\d+/)
    .describe("the agent's Ferry version, MAJOR.MINOR.PATCH"),
});

function keyAnswer(result: RuntimeKeyResult): z.infer<typeof runtimeKey> {
  return { ...result.record, key: result.key };
}

export function registerMigrationSettingsRoutes(app: FastifyInstance, deps: ControlPlaneRoutesDeps): void {
  const cp = deps.controlPlane;
  const params = jsonSchema(migrationParams);

  app.get(
    '/api/v1/migrations/:migrationId/companies',
    {
      schema: {
        tags: ['companies'],
        summary: "The installation's companies, each with its estimated size and whether it is selected",
        params,
        response: { 200: jsonSchema(z.array(company)), ...errorResponses },
      },
    },
    async (request) => listCompanies(cp, (request.params as MigrationParams).migrationId),
  );

  app.put(
    '/api/v1/migrations/:migrationId/companies/selection',
    {
      schema: {
        tags: ['companies'],
        summary: 'Choose the companies a run takes (every id must be one the profile lists)',
        params,
        body: jsonSchema(selectionBody),
        response: { 200: jsonSchema(selection), ...errorResponses },
      },
    },
    async (request) => {
      const { migrationId } = request.params as MigrationParams;
      const { companyIds } = request.body as z.infer<typeof selectionBody>;
      const migration = await chooseCompanies(cp, migrationId, companyIds);
      return { selectedCompanies: migration.selectedCompanies };
    },
  );

  app.get(
    '/api/v1/migrations/:migrationId/schedule',
    {
      schema: {
        tags: ['schedule'],
        summary: 'The run schedule and its next run time',
        params,
        response: { 200: jsonSchema(scheduleAnswer), 401: errorResponses[401], 404: errorResponses[404] },
      },
    },
    async (request) => ({ schedule: await getSchedule(cp, (request.params as MigrationParams).migrationId) }),
  );

  app.put(
    '/api/v1/migrations/:migrationId/schedule',
    {
      schema: {
        tags: ['schedule'],
        summary: 'Schedule incremental runs with a cron expression (answers with the next run time)',
        params,
        body: jsonSchema(scheduleBody),
        response: { 200: jsonSchema(scheduleAnswer), ...errorResponses },
      },
    },
    async (request) => {
      const { migrationId } = request.params as MigrationParams;
      const body = request.body as z.infer<typeof scheduleBody>;
      const schedule = await setSchedule(
        cp,
        migrationId,
        body.cron,
        body.timeZone === undefined ? {} : { timeZone: body.timeZone },
      );
      return { schedule };
    },
  );

  app.delete(
    '/api/v1/migrations/:migrationId/schedule',
    {
      schema: {
        tags: ['schedule'],
        summary: 'Remove the schedule (no error when there is none)',
        params,
        response: { 204: jsonSchema(z.null()), 401: errorResponses[401], 404: errorResponses[404] },
      },
    },
    async (request, reply) => {
      await clearSchedule(cp, (request.params as MigrationParams).migrationId);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/migrations/:migrationId/runtime-key',
    {
      schema: {
        tags: ['runtime key'],
        summary: 'The runtime key: created and shown once when there is none, else its last four characters',
        params,
        response: { 200: jsonSchema(runtimeKey), ...errorResponses },
      },
    },
    async (request) => keyAnswer(await getRuntimeKey(cp, (request.params as MigrationParams).migrationId)),
  );

  app.post(
    '/api/v1/migrations/:migrationId/runtime-key/reset',
    {
      schema: {
        tags: ['runtime key'],
        summary: 'Replace the runtime key (the new key is shown once; the old one is refused at once)',
        params,
        response: { 200: jsonSchema(runtimeKey), ...errorResponses },
      },
    },
    async (request) => keyAnswer(await resetRuntimeKey(cp, (request.params as MigrationParams).migrationId)),
  );

  app.get(
    '/api/v1/migrations/:migrationId/update-check',
    {
      schema: {
        tags: ['runtime key'],
        summary: "Check for update: a worker's version against the control plane's",
        params,
        querystring: jsonSchema(updateQuery),
        response: { 200: jsonSchema(updateCheck), ...errorResponses },
      },
    },
    async (request) => {
      await getMigration(cp, (request.params as MigrationParams).migrationId);
      return checkFleetForUpdate(cp.store, (request.query as z.infer<typeof updateQuery>).workerVersion);
    },
  );

  app.post(
    '/api/v1/migrations/:migrationId/agent/heartbeat',
    {
      schema: {
        tags: ['runtime key'],
        summary: "An on-premises agent reports in (with the migration's runtime key or an operator token)",
        description:
          "Records the agent as live for this migration (role `agent`; seen by check for update) and answers the update check for the agent's version. The runtime key authenticates only this migration's agent endpoints; a key replaced by `runtime-key/reset` is refused with 401 at once.",
        params,
        body: jsonSchema(heartbeatBody),
        response: { 200: jsonSchema(updateCheck), ...errorResponses },
      },
    },
    async (request) => {
      const { migrationId } = request.params as MigrationParams;
      const body = request.body as z.infer<typeof heartbeatBody>;
      await getMigration(cp, migrationId);
      await new ProcessHeartbeatRepository(cp.store.kysely).beat(
        { id: `agent-${migrationId}-${body.agentId}`, role: 'agent', version: body.version, migrationId },
        new Date().toISOString(),
      );
      return checkFleetForUpdate(cp.store, body.version);
    },
  );
}
