// Every endpoint but the OpenAPI document and the explorer needs `Authorization: Bearer <secret>`.
// Two kinds of secret are accepted, both checked through narrow ports (the store keeps only their
// hashes):
//
//   operator token (`ferry token create`)   every endpoint
//   runtime key of migration M (`ferry_rk_…`) the agent endpoints of M only: GET /migrations/M,
//                                            GET /migrations/M/update-check, POST
//                                            /migrations/M/agent/heartbeat; anything else is 403.
//                                            A reset key is refused (401) from the moment of reset.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorCatalogue } from '../domain/errors.ts';

export interface OperatorTokenVerifier {
  /** The token's owner, or null when the token is unknown or revoked. */
  verify(token: string): Promise<{ id: string; name: string } | null>;
}

export interface RuntimeKeyVerifier {
  /** The migration the key belongs to, or null when it is unknown or was replaced. */
  verify(key: string): Promise<string | null>;
}

const publicPrefixes = ['/api/v1/openapi.json', '/api/v1/docs'];

/** What an agent holding migration M's runtime key may call. */
const agentRoutes: { method: string; pattern: RegExp }[] = [
  { method: 'GET', pattern: /^\/api\/v1\/migrations\/([^/]+)$/u },
  { method: 'GET', pattern: /^\/api\/v1\/migrations\/([^/]+)\/update-check$/u },
  { method: 'POST', pattern: /^\/api\/v1\/migrations\/([^/]+)\/agent\/heartbeat$/u },
];

/** The migration an agent endpoint is about, or null when `request` is not an agent endpoint. */
function agentMigration(request: FastifyRequest, path: string): string | null {
  for (const route of agentRoutes) {
    if (route.method !== request.method) continue;
    const match = route.pattern.exec(path);
    if (match !== null) return decodeURIComponent(match[1]!);
  }
  return null;
}

export function installBearerAuth(
  app: FastifyInstance,
  tokens: OperatorTokenVerifier,
  runtimeKeys: RuntimeKeyVerifier | null = null,
): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (publicPrefixes.some((p) => path === p || path.startsWith(`${p}/`))) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const secret = match?.[1];
    if (secret !== undefined && (await tokens.verify(secret)) !== null) return;
    const keyOf = secret === undefined || runtimeKeys === null ? null : await runtimeKeys.verify(secret);
    if (keyOf !== null) {
      if (agentMigration(request, path) === keyOf) return;
      return reply.status(403).send({
        code: 'FERRY_FORBIDDEN',
        message: `this runtime key belongs to migration ${keyOf}: it may call only that migration's agent endpoints, not ${request.method} ${path}`,
        hint: errorCatalogue.FERRY_FORBIDDEN.hint,
        details: { migrationId: keyOf },
      });
    }
    return reply.status(401).send({
      code: 'FERRY_UNAUTHORIZED',
      message:
        match === null
          ? 'no bearer token in the Authorization header'
          : 'the bearer token is unknown, revoked or replaced',
      hint: errorCatalogue.FERRY_UNAUTHORIZED.hint,
      details: {},
    });
  });
}
