// Route schemas are written once in zod and turned into JSON Schema, which Fastify validates
// requests against and @fastify/swagger publishes as the OpenAPI document.

import { z } from 'zod';

export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

export const errorBody = z.object({
  code: z.string().describe('stable error code, see docs/errors.md'),
  message: z.string().describe('what happened'),
  hint: z.string().nullable().describe('what to do about it'),
  details: z.record(z.string(), z.unknown()).describe('structured facts: table, column, SQLSTATE…'),
});

export const errorResponses = {
  400: jsonSchema(errorBody),
  401: jsonSchema(errorBody),
  404: jsonSchema(errorBody),
  409: jsonSchema(errorBody),
};
