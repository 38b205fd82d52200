// /api/v1/migrations/:migrationId/table-mappings: how the source's tables land in the tenant
// (renames, excluded columns and tables, columns moved into tables of their own), see
// docs/table-mappings.md. PUT validates against the installation's source schema.

import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';
import { parseTableMappings, tableMappingsSchema } from '../../domain/table-mappings.ts';
import { clearTableMappings, getTableMappings, setTableMappings } from '../../services/table-mappings.ts';
import { errorResponses, jsonSchema } from '../schema.ts';
import type { ControlPlaneRoutesDeps } from './migrations.ts';
import { migrationParams, type MigrationParams } from './migration-schemas.ts';

const mappedTarget = z.object({
  table: z.string().describe('target table name'),
  sourceTable: z.string().describe('the source table its rows are read from'),
  kind: z
    .enum(['table', 'moved-columns'])
    .describe('`table`: the source table itself (maybe renamed); `moved-columns`: columns split off it'),
  columns: z.array(z.string()).describe('columns carried, the same names on both sides'),
});

const resolvedTable = z.object({
  sourceTable: z.string(),
  excluded: z.boolean().describe('the table is not migrated'),
  excludedColumns: z.array(z.string()),
  targets: z.array(mappedTarget).describe('the tables the source table becomes'),
});

export const tableMappingsView = z.object({
  migrationId: z.string(),
  mappings: tableMappingsSchema.nullable().describe('null: every table is carried as it is'),
  updatedAt: z.string().nullable().describe('ISO-8601 UTC of the last change'),
  summary: z.array(z.string()).describe('the mappings in words, source → target'),
  tables: z
    .array(resolvedTable)
    .describe('every source table the mappings change, resolved against the source'),
});

/**
 * Fastify's default validator silently drops unknown fields; mappings are validated with their zod
 * schema instead, so a misspelt field is refused with FERRY_TABLE_MAPPING_INVALID naming it.
 */
const zodBodyValidator: FastifySchemaCompiler<unknown> = ({ httpPart }) => {
  if (httpPart !== 'body') return (data: unknown) => ({ value: data });
  return (data: unknown) => {
    try {
      return { value: parseTableMappings(data) };
    } catch (error) {
      return { error: error as Error };
    }
  };
};

export function registerTableMappingRoutes(app: FastifyInstance, deps: ControlPlaneRoutesDeps): void {
  const cp = deps.controlPlane;
  const params = jsonSchema(migrationParams);
  const tags = ['table mappings'];

  app.get(
    '/api/v1/migrations/:migrationId/table-mappings',
    {
      schema: {
        tags,
        summary: 'The table mappings, resolved against the source: each changed table and what it becomes',
        params,
        response: { 200: jsonSchema(tableMappingsView), ...errorResponses },
      },
    },
    async (request) => getTableMappings(cp, (request.params as MigrationParams).migrationId),
  );

  app.put(
    '/api/v1/migrations/:migrationId/table-mappings',
    {
      schema: {
        tags,
        summary:
          'Replace the table mappings (validated against the source; refused after go-live or during a run)',
        description:
          'Body: `{ version: 1, excludeTables: [...], tables: { <source table>: { rename, excludeColumns, ' +
          'moveColumns: [{ into, columns }] } } }`. The next run plans with them; an incremental run after ' +
          'a change is refused until a full reload applied them.',
        params,
        body: jsonSchema(tableMappingsSchema),
        response: { 200: jsonSchema(tableMappingsView), ...errorResponses },
      },
      validatorCompiler: zodBodyValidator,
    },
    async (request) => setTableMappings(cp, (request.params as MigrationParams).migrationId, request.body),
  );

  app.delete(
    '/api/v1/migrations/:migrationId/table-mappings',
    {
      schema: {
        tags,
        summary: 'Remove the table mappings: the next run carries every table as it is',
        params,
        response: {
          200: jsonSchema(z.object({ removed: z.boolean().describe('false when there were none') })),
          ...errorResponses,
        },
      },
    },
    async (request) => ({
      removed: await clearTableMappings(cp, (request.params as MigrationParams).migrationId),
    }),
  );
}
