// Every error leaves the API as `{ code, message, hint, details }` with the catalogue's HTTP
// status; request validation failures become FERRY_INVALID_ARGUMENT (400) naming the field.

import type { FastifyError, FastifyInstance } from 'fastify';
import { redactUrl } from '../connectors/connection-url.ts';
import { errorCatalogue, isFerryError } from '../domain/errors.ts';

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (isFerryError(error)) {
      return reply.status(error.status).send({
        code: error.code,
        message: redactUrl(error.message),
        hint: error.hint,
        details: error.details,
      });
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation !== undefined) {
      return reply.status(400).send({
        code: 'FERRY_INVALID_ARGUMENT',
        message: `invalid request: ${fastifyError.message}`,
        hint: 'See the OpenAPI document at /api/v1/openapi.json for the expected fields.',
        details: { validation: fastifyError.validation },
      });
    }
    if (fastifyError.statusCode !== undefined && fastifyError.statusCode < 500) {
      return reply.status(fastifyError.statusCode).send({
        code: 'FERRY_INVALID_ARGUMENT',
        message: redactUrl(fastifyError.message),
        hint: errorCatalogue.FERRY_INVALID_ARGUMENT.hint,
        details: {},
      });
    }
    request.log.error({ err: error }, 'internal error');
    return reply.status(500).send({
      code: 'FERRY_INTERNAL',
      message: 'internal error',
      hint: errorCatalogue.FERRY_INTERNAL.hint,
      details: {},
    });
  });
}
