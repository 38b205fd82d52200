// /api/v1/tokens: operator tokens for the API and the remote CLI. A token is in the answer that
// creates it and nowhere else; the store keeps its sha256. A revoked token is refused at once.

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createOperatorToken, listOperatorTokens, revokeOperatorToken } from '../../services/tokens.ts';
import { errorResponses, jsonSchema } from '../schema.ts';
import type { ControlPlaneRoutesDeps } from './migrations.ts';

const tokenParams = z.object({ tokenId: z.string().min(1).describe('token id, e.g. tok_1a2b3c4d') });

const createBody = z.object({ name: z.string().min(1).describe('who or what uses the token') });

const tokenRecord = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

const createdToken = tokenRecord.extend({
  token: z.string().describe('the bearer token: shown in this answer only, store it now'),
});

export function registerTokenRoutes(app: FastifyInstance, deps: ControlPlaneRoutesDeps): void {
  const cp = deps.controlPlane;

  app.post(
    '/api/v1/tokens',
    {
      schema: {
        tags: ['operator tokens'],
        summary: 'Create an operator token (the token is shown once, in this answer)',
        body: jsonSchema(createBody),
        response: { 201: jsonSchema(createdToken), 400: errorResponses[400], 401: errorResponses[401] },
      },
    },
    async (request, reply) => {
      const { name } = request.body as z.infer<typeof createBody>;
      const { token, record } = await createOperatorToken(cp, name);
      return reply.status(201).send({ ...record, token });
    },
  );

  app.get(
    '/api/v1/tokens',
    {
      schema: {
        tags: ['operator tokens'],
        summary: 'List operator tokens (never the tokens themselves)',
        response: { 200: jsonSchema(z.array(tokenRecord)), 401: errorResponses[401] },
      },
    },
    async () => listOperatorTokens(cp),
  );

  app.delete(
    '/api/v1/tokens/:tokenId',
    {
      schema: {
        tags: ['operator tokens'],
        summary: 'Revoke an operator token (refused from this moment on)',
        params: jsonSchema(tokenParams),
        response: { 204: jsonSchema(z.null()), 401: errorResponses[401], 404: errorResponses[404] },
      },
    },
    async (request, reply) => {
      await revokeOperatorToken(cp, (request.params as z.infer<typeof tokenParams>).tokenId);
      return reply.status(204).send();
    },
  );
}
