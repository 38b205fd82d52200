// /api/v1/migrations/:migrationId/documents/manifest and /api/v1/runs/:runId/documents: the
// document archive set against the documents the database references, and what a run's upload
// did with each document (missing ones listed, failed ones with their error). The same services as
// `ferry documents`.

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  defaultDocumentLimit,
  documentManifest,
  maxDocumentLimit,
  runDocuments,
} from '../../services/document-reports.ts';
import { documentOutcomes } from '../../storage/document-outcomes.ts';
import { errorResponses, jsonSchema } from '../schema.ts';
import type { ControlPlaneRoutesDeps } from './migrations.ts';
import { migrationParams, type MigrationParams } from './migration-schemas.ts';

const runParams = z.object({ runId: z.string().min(1).describe('run id, e.g. run-1a2b3c4d5e') });

const limit = z.coerce
  .number()
  .int()
  .min(1)
  .max(maxDocumentLimit)
  .default(defaultDocumentLimit)
  .describe('documents per list; the totals always count every document');

const manifestQuery = z.object({
  hash: z
    .boolean()
    .default(false)
    .describe('compute each file’s sha256 (reads every file); default: path, size and mtime only'),
  limit,
});

const outcome = z.enum(documentOutcomes);

const runDocumentsQuery = z.object({
  outcome: z
    .array(outcome)
    .optional()
    .describe('only documents with this outcome; repeat for several (default: every outcome)'),
  limit,
});

const manifest = z.object({
  migrationId: z.string(),
  archiveRoot: z.string().describe("the installation's archive root, as the server reads it"),
  hashed: z.boolean().describe('whether sha256 was computed (only then are sha256 differences found)'),
  limit: z.number().int(),
  totals: z.object({
    referenced: z.number().int().describe('documents the database references'),
    present: z.number().int().describe('referenced and in the archive'),
    missing: z.number().int().describe('referenced but not in the archive'),
    unreferenced: z.number().int().describe('files of the archive no row references'),
    differing: z
      .number()
      .int()
      .describe('present, but size (or sha256, with hash) differs from what the database records'),
    presentBytes: z.number().int(),
    unreferencedBytes: z.number().int(),
    archiveBytes: z.number().int().describe('bytes of every file of the archive'),
  }),
  missing: z
    .array(z.object({ id: z.string().describe("the document's id in the database"), path: z.string() }))
    .describe("referenced but missing, in the database's order (first `limit`)"),
  unreferenced: z
    .array(z.object({ path: z.string(), size: z.number().int() }))
    .describe('files no row references, by path (first `limit`)'),
  differing: z
    .array(
      z.object({
        id: z.string(),
        path: z.string(),
        differs: z.enum(['size', 'sha256']),
        size: z.number().int().describe("the file's size in the archive"),
      }),
    )
    .describe('present documents that differ from what the database records (first `limit`)'),
});

const outcomeCount = z.object({ files: z.number().int(), bytes: z.number().int() });

const runDocumentsReport = z.object({
  runId: z.string(),
  migrationId: z.string().nullable(),
  kind: z.string(),
  status: z.string().describe("the run's status"),
  session: z.object({
    id: z.string().describe("the upload session's id (the run's id)"),
    mode: z.string().describe('initial, missing-files or overwrite-test'),
    status: z.string().describe('running, finished, failed or cancelled'),
    archiveRoot: z.string(),
    storeLocation: z.string().describe("the tenant's blob store (without credentials)"),
    previousSessionId: z.string().nullable().describe('the session a recovery followed'),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
  }),
  outcomes: z
    .object(Object.fromEntries(documentOutcomes.map((o) => [o, outcomeCount])))
    .describe('files and bytes per outcome over the whole session (missing: the size the database records)'),
  total: outcomeCount,
  filter: z.array(outcome).nullable().describe('the outcomes asked for; null: every outcome'),
  matching: z.number().int().describe('documents with the outcomes asked for, whatever the limit'),
  limit: z.number().int(),
  documents: z
    .array(
      z.object({
        id: z.string(),
        path: z.string(),
        outcome,
        size: z.number().int().nullable(),
        sha256: z.string().nullable(),
        attempts: z.number().int(),
        error: z.string().nullable().describe('for failed: what went wrong'),
      }),
    )
    .describe('the documents with the outcomes asked for, by path (first `limit`)'),
});

export function registerDocumentRoutes(app: FastifyInstance, deps: ControlPlaneRoutesDeps): void {
  const cp = deps.controlPlane;
  const tags = ['documents'];

  app.get(
    '/api/v1/migrations/:migrationId/documents/manifest',
    {
      schema: {
        tags,
        summary:
          'The document archive set against the documents the database references: present, missing, unreferenced',
        params: jsonSchema(migrationParams),
        querystring: jsonSchema(manifestQuery),
        response: { 200: jsonSchema(manifest), ...errorResponses },
      },
    },
    async (request) => {
      const query = request.query as z.infer<typeof manifestQuery>;
      return documentManifest(cp, (request.params as MigrationParams).migrationId, query);
    },
  );

  app.get(
    '/api/v1/runs/:runId/documents',
    {
      schema: {
        tags,
        summary: "A run's document upload: files and bytes per outcome, and the documents by outcome",
        params: jsonSchema(runParams),
        querystring: jsonSchema(runDocumentsQuery),
        response: { 200: jsonSchema(runDocumentsReport), ...errorResponses },
      },
    },
    async (request) => {
      const query = request.query as z.infer<typeof runDocumentsQuery>;
      return runDocuments(cp, (request.params as z.infer<typeof runParams>).runId, {
        limit: query.limit,
        ...(query.outcome === undefined ? {} : { outcomes: query.outcome }),
      });
    },
  );
}
