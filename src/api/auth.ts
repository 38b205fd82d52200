// Every endpoint but the OpenAPI document and the explorer needs `Authorization: Bearer <token>`.
// Tokens are checked through a narrow port; the store keeps only their hashes.

import type { FastifyInstance } from 'fastify';
import { errorCatalogue } from '../domain/errors.ts';

export interface OperatorTokenVerifier {
  /** The token's owner, or null when the token is unknown or revoked. */
  verify(token: string): Promise<{ id: string; name: string } | null>;
}

const publicPrefixes = ['/api/v1/openapi.json', '/api/v1/docs'];

export function installBearerAuth(app: FastifyInstance, tokens: OperatorTokenVerifier): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (publicPrefixes.some((p) => path === p || path.startsWith(`${p}/`))) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const who = match?.[1] === undefined ? null : await tokens.verify(match[1]);
    if (who === null) {
      return reply.status(401).send({
        code: 'FERRY_UNAUTHORIZED',
        message:
          match === null
            ? 'no bearer token in the Authorization header'
            : 'the bearer token is unknown or revoked',
        hint: errorCatalogue.FERRY_UNAUTHORIZED.hint,
        details: {},
      });
    }
  });
}
