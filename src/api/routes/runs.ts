// /api/v1/runs: start, inspect, follow (Server-Sent Events), pause, resume and cancel runs; their
// table results and throughput samples (for drill-down and charts).

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FerryError } from '../../domain/errors.ts';
import type { RunStore } from '../../engine/run-store.ts';
import { defaultRunOptions } from '../../services/copy-runs.ts';
import type { RunEventBus } from '../../services/run-events.ts';
import { followRunInStore } from '../../services/store-run-events.ts';
import type { RunLauncher } from '../../services/run-launcher.ts';
import { runKinds } from '../../domain/migration-rules.ts';
import type { ControlPlane } from '../../services/control-plane.ts';
import { listThroughput, requestCancel, requestPause } from '../../services/run-control.ts';
import { tableStatuses } from '../../domain/table-result.ts';
import { errorResponses, jsonSchema } from '../schema.ts';

const runParams = z.object({ runId: z.string().min(1).describe('run id, e.g. run-1a2b3c4d5e') });

const startRunBody = z.object({
  from: z.string().min(1).describe('source database URL (mysql://, postgres://, sqlite:)'),
  to: z.string().min(1).describe('target URL: postgres://…?schema=tenant or sqlite:file'),
  tables: z.array(z.string()).optional().describe('only these tables'),
  exclude: z.array(z.string()).optional().describe('leave these tables out'),
  parallel: z
    .number()
    .int()
    .min(1)
    .max(64)
    .optional()
    .describe(`chunks copied at once (default ${defaultRunOptions.parallel})`),
  chunkRows: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(`rows per chunk (default ${defaultRunOptions.chunkRows})`),
  replace: z.boolean().optional().describe('drop target tables the copy would create'),
});

const runSummary = z.object({
  id: z.string(),
  kind: z.string(),
  status: z.string(),
  step: z.string(),
  source: z.string().describe('source URL without its password'),
  target: z.string().describe('target URL without its password'),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  active: z.boolean().describe('running in this server right now'),
});

export interface RunRoutesDeps {
  store: RunStore;
  launcher: RunLauncher;
  bus: RunEventBus;
  controlPlane: ControlPlane;
}

const migrationRunBody = z.object({
  kind: z.enum(runKinds).optional().describe('omit to let Ferry choose (the answer says which and why)'),
});

export function registerRunRoutes(app: FastifyInstance, deps: RunRoutesDeps): void {
  const { store, launcher, bus } = deps;
  const summary = async (id: string) => {
    const run = await store.getRun(id);
    if (run === null) throw new FerryError('FERRY_RUN_NOT_FOUND', `there is no run ${id}`);
    return {
      id: run.id,
      kind: run.kind,
      status: run.status,
      step: run.step,
      source: run.sourceLocation,
      target: run.targetLocation,
      createdAt: run.createdAt,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      error: run.error,
      active: launcher.isActive(run.id),
    };
  };

  app.get(
    '/api/v1/runs',
    {
      schema: {
        tags: ['runs'],
        summary: 'List recent runs',
        querystring: jsonSchema(z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) })),
        response: { 200: jsonSchema(z.array(runSummary)) },
      },
    },
    async (request) => {
      const { limit } = request.query as { limit: number };
      return Promise.all((await store.listRuns(limit)).map((r) => summary(r.id)));
    },
  );

  app.post(
    '/api/v1/runs',
    {
      schema: {
        tags: ['runs'],
        summary: 'Start a copy run (answers once the run exists; the copy goes on in the background)',
        description:
          'Send an `Idempotency-Key` header to make retries safe: the same key always answers with the same run.',
        body: jsonSchema(startRunBody),
        response: {
          202: jsonSchema(z.object({ runId: z.string(), created: z.boolean() })),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const body = request.body as z.infer<typeof startRunBody>;
      const key = request.headers['idempotency-key'];
      const result = await launcher.start({
        from: body.from,
        to: body.to,
        options: {
          ...defaultRunOptions,
          parallel: body.parallel ?? defaultRunOptions.parallel,
          chunkRows: body.chunkRows ?? defaultRunOptions.chunkRows,
          replace: body.replace ?? false,
          ...(body.tables === undefined ? {} : { tables: body.tables }),
          ...(body.exclude === undefined ? {} : { exclude: body.exclude }),
        },
        ...(typeof key === 'string' && key.length > 0 ? { idempotencyKey: key } : {}),
      });
      return reply.status(202).send(result);
    },
  );

  app.post(
    '/api/v1/migrations/:migrationId/runs',
    {
      schema: {
        tags: ['runs'],
        summary:
          'Run the migration now (answers once the run exists; follow it at /api/v1/runs/{runId}/events)',
        description:
          'Refused with 409 when the phase does not allow the kind, another run is active, a blocking check ' +
          'fails, users are not ready, or the license changed. Send an `Idempotency-Key` header to make retries safe.',
        params: jsonSchema(z.object({ migrationId: z.string().min(1) })),
        body: jsonSchema(migrationRunBody),
        response: {
          202: jsonSchema(
            z.object({
              runId: z.string(),
              created: z.boolean(),
              kind: z.enum(runKinds).optional(),
              reason: z.string().optional().describe('why Ferry chose this kind'),
              alternatives: z
                .array(z.object({ kind: z.enum(runKinds), reason: z.string() }))
                .optional()
                .describe('the other kinds that fit now (the recovery modes), each with what it would do'),
            }),
          ),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { migrationId } = request.params as { migrationId: string };
      const body = (request.body ?? {}) as z.infer<typeof migrationRunBody>;
      const key = request.headers['idempotency-key'];
      const result = await launcher.startForMigration(deps.controlPlane, {
        migrationId,
        ...(body.kind === undefined ? {} : { kind: body.kind }),
        ...(typeof key === 'string' && key.length > 0 ? { idempotencyKey: key } : {}),
      });
      return reply.status(202).send(result);
    },
  );

  app.get(
    '/api/v1/runs/:runId',
    {
      schema: {
        tags: ['runs'],
        summary: 'A run with its table results (drill-down)',
        params: jsonSchema(runParams),
        response: { 404: errorResponses[404] },
      },
    },
    async (request) => {
      const { runId } = request.params as z.infer<typeof runParams>;
      const chunks = await store.listChunks(runId);
      return {
        ...(await summary(runId)),
        tables: await store.listTableResults(runId),
        chunks: { total: chunks.length, verified: chunks.filter((c) => c.status === 'verified').length },
      };
    },
  );

  app.post(
    '/api/v1/runs/:runId/pause',
    {
      schema: {
        tags: ['runs'],
        summary: 'Pause a running run at the next chunk boundary (wherever it executes)',
        description:
          'Answers at once; the process executing the run (this server, another one, a worker) stops taking ' +
          'chunks, lets the chunks in flight finish and checkpoint, and sets the run `paused`. A paused run keeps ' +
          'its migration (no other run starts) until it is resumed (`POST …/resume`) or cancelled. 409 unless `running`.',
        params: jsonSchema(runParams),
        response: {
          202: jsonSchema(z.object({ runId: z.string(), requested: z.literal('pause') })),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { runId } = request.params as z.infer<typeof runParams>;
      await requestPause(deps.controlPlane.store, runId);
      return reply.status(202).send({ runId, requested: 'pause' as const });
    },
  );

  app.get(
    '/api/v1/runs/:runId/tables',
    {
      schema: {
        tags: ['runs'],
        summary: "A run's table results (drill-down), optionally only those with one status",
        params: jsonSchema(runParams),
        querystring: jsonSchema(
          z.object({ status: z.enum(tableStatuses).optional().describe('only tables with this status') }),
        ),
        response: { 404: errorResponses[404] },
      },
    },
    async (request) => {
      const { runId } = request.params as z.infer<typeof runParams>;
      const { status } = request.query as { status?: string };
      await summary(runId);
      const tables = await store.listTableResults(runId);
      return status === undefined ? tables : tables.filter((t) => t.status === status);
    },
  );

  app.get(
    '/api/v1/runs/:runId/throughput',
    {
      schema: {
        tags: ['runs'],
        summary: "A run's throughput samples over time (every ~2 s while it copies), for charts",
        description:
          'Each sample: cumulative rows and bytes done, and rows/s and bytes/s over the interval since the previous one.',
        params: jsonSchema(runParams),
        response: {
          200: jsonSchema(
            z.object({
              runId: z.string(),
              samples: z.array(
                z.object({
                  seq: z.number(),
                  at: z.string(),
                  rowsDone: z.number(),
                  bytesDone: z.number(),
                  rowsPerSecond: z.number(),
                  bytesPerSecond: z.number(),
                }),
              ),
            }),
          ),
          404: errorResponses[404],
        },
      },
    },
    async (request) => {
      const { runId } = request.params as z.infer<typeof runParams>;
      await summary(runId);
      return { runId, samples: await listThroughput(deps.controlPlane.store, runId) };
    },
  );

  app.post(
    '/api/v1/runs/:runId/resume',
    {
      schema: {
        tags: ['runs'],
        summary:
          'Resume a run (paused, cancelled, failed or abandoned by a killed process) from its last checkpoint',
        params: jsonSchema(runParams),
        response: { 202: jsonSchema(z.object({ runId: z.string() })), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { runId } = request.params as z.infer<typeof runParams>;
      await launcher.resume(runId);
      return reply.status(202).send({ runId });
    },
  );

  app.post(
    '/api/v1/runs/:runId/cancel',
    {
      schema: {
        tags: ['runs'],
        summary:
          'Cancel a run: a paused one at once, a running one at its next chunk boundary (wherever it executes)',
        description:
          '`outcome` is `cancelled` when the run was paused (its migration is released now), or `cancel-requested` ' +
          'when the process executing it stops it at the next chunk boundary. A cancelled run stays resumable.',
        params: jsonSchema(runParams),
        response: {
          202: jsonSchema(
            z.object({ runId: z.string(), outcome: z.enum(['cancelled', 'cancel-requested']) }),
          ),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { runId } = request.params as z.infer<typeof runParams>;
      await summary(runId);
      // Executing here: stop it directly; anywhere else (or paused): through the store.
      if (launcher.cancel(runId)) return reply.status(202).send({ runId, outcome: 'cancel-requested' });
      return reply.status(202).send(await requestCancel(deps.controlPlane, runId));
    },
  );

  app.get(
    '/api/v1/runs/:runId/events',
    {
      schema: {
        tags: ['runs'],
        summary: 'Live progress as Server-Sent Events (recent events first, then new ones)',
        description: eventsDescription,
        params: jsonSchema(runParams),
      },
    },
    async (request, reply) => {
      const { runId } = request.params as z.infer<typeof runParams>;
      await summary(runId);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      const send = (event: { type: string; at: string }) =>
        res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15000);
      // Executing in this process (or finished here lately): the engine's own events.
      if (launcher.isActive(runId) || bus.has(runId)) {
        const unsubscribe = bus.subscribe(runId, (event) => {
          send(event);
          if (event.type === 'run-finished') res.end();
        });
        res.on('close', () => {
          clearInterval(heartbeat);
          unsubscribe();
        });
        return;
      }
      // Anywhere else (a worker, another server, a CLI): what the store records, about every second.
      const following = new AbortController();
      res.on('close', () => {
        clearInterval(heartbeat);
        following.abort();
      });
      void followRunInStore(store, runId, {
        signal: following.signal,
        onEvent: (event) => send({ ...event, at: new Date().toISOString() }),
      }).then(() => {
        if (!following.signal.aborted) res.end();
      });
    },
  );
}

const eventsDescription = [
  'Each event is `event: TYPE` and `data: JSON` (the JSON has `type`, `runId` and `at`); a `: keep-alive` comment',
  'comes every 15 s. The stream ends after `run-finished`.',
  '',
  "**A run executing in this server** streams the engine's events: `run-started` (`resumed`, `source`, `target`,",
  '`tables[]` with `name`, `estimatedRows`, `estimatedBytes`, `doneRows`, `doneBytes`), `step` (`step`, `detail?`),',
  '`progress` (`table`, `rows`, `bytes`: increments), `chunk-copied` (`table`, `chunk`, `rows`, `bytes`,',
  '`durationMs`), `table-copied` (`table`, `chunks`), `chunk-verified` (`table`, `chunk`, `ok`), `table-failed`',
  '(`table`, `code`, `message`) and `run-finished` (`status`, `tables[]` table results, `durationMs`). Events of',
  'the last 5 minutes after it finished are replayed to a late subscriber.',
  '',
  '**A run executing anywhere else** (a `ferry worker` with the PostgreSQL store, another server, a CLI) is',
  'followed through the store, polled about every second; progress moves at chunk boundaries:',
  '`run-started` first (the shape above, plus `status`, `step` and `via: "store"`), `step` when the step changes,',
  '`progress` (per table, the rows and bytes of the chunks checkpointed since), `table-copied` once per table,',
  '`table-finished` once per table result (`table`, `status`, `rowsRead`, `rowsWritten`, `rowsSkipped`, `bytes`,',
  '`durationMs`, `messages`), `snapshot` whenever something changed (`status`, `step`, `executor`: the worker',
  'holding the run, `rowsDone`, `bytesDone`, `chunks: { total, done, verified }`, `tables: { total, copied }`),',
  'and `run-finished` (`status`, `tables[]`, `durationMs`, `error`) once the run is succeeded,',
  'succeeded-with-warnings, failed, cancelled or paused and no process holds it.',
].join('\n');
