// /api/v1/migrations/:migrationId/users and …/user-mappings: the users checklist of a migration
// (seed 000) — every user with every field and a free-text filter, plans, usernames and their
// duplicates, reloading from the source, welcome emails and the user summary — and the one-to-one
// mappings to cloud identities (seeds 002/003). The same services as `ferry users …`.

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listUserMappings, mapUser, unmapUser } from '../../services/user-mappings.ts';
import { assignPlan } from '../../services/user-plans.ts';
import { listDuplicateUsernames, setUsername } from '../../services/usernames.ts';
import { listUsers, refreshUsers } from '../../services/users.ts';
import {
  getUserEmailOptions,
  sendUserEmails,
  setUserEmailOptions,
  type UserEmailOptionsPatch,
} from '../../services/welcome-emails.ts';
import { errorResponses, jsonSchema } from '../schema.ts';
import type { ControlPlaneRoutesDeps } from './migrations.ts';
import { migrationParams, type MigrationParams } from './migration-schemas.ts';

const userParams = migrationParams.extend({
  userId: z.string().min(1).describe("the user's id in the source (see GET …/users)"),
});
type UserParams = z.infer<typeof userParams>;

const userRef = z.object({ id: z.string(), name: z.string() });

const readiness = z.object({
  ready: z.boolean().describe('a run may start as far as the users are concerned'),
  usersWithPlan: z.number().int(),
  administrators: z.number().int(),
  administratorsWithPlan: z.number().int(),
  withoutValidUsername: z.array(userRef).describe('users with a plan whose username is missing or invalid'),
  duplicates: z
    .array(z.object({ username: z.string(), users: z.array(userRef) }))
    .describe('usernames shared by more than one user with a plan'),
  problems: z.array(z.string()).describe('one sentence per problem; empty when ready'),
});

const user = z.object({
  id: z.string(),
  name: z.string(),
  group: z.string().nullable(),
  position: z.string().nullable(),
  emails: z.array(z.string()).describe("every address the source holds, in the source's order"),
  isAdministrator: z.boolean(),
  sourcePlan: z.string().nullable().describe('the plan the source gives the user; null: none'),
  plan: z.string().nullable().describe('the plan the user gets in the tenant; null: none (cannot log in)'),
  username: z.string().nullable().describe('the email address the user logs in with'),
  identity: z.string().nullable().describe('the cloud identity the user is mapped to'),
  problems: z.array(z.string()).describe('what keeps this user from being ready'),
});

const usersList = z.object({
  migrationId: z.string(),
  plans: z.array(z.string()).describe("the profile's plans, in order (none is always possible too)"),
  users: z.array(user).describe("users matching the filter, in the source's order"),
  total: z.number().int().describe('users of the migration, whatever the filter'),
  readiness,
});

const usersQuery = z.object({
  filter: z
    .string()
    .optional()
    .describe('only users with every word of the text in a shown field (case-insensitive)'),
});

const planValue = z.string().min(1).describe("one of the profile's plans, or none (the user cannot log in)");

const planResult = z.object({
  plan: z.string().nullable().describe('the plan given; null: none'),
  matched: z.number().int().describe('users the request selected'),
  changed: z.number().int().describe('users whose plan changed'),
  users: z.array(user),
  readiness,
});

const usernameBody = z.union([
  z.object({ email: z.string().min(1).describe('a valid email address no other user with a plan has') }),
  z.object({
    pick: z.number().int().min(1).describe("the user's Nth email address, in the source's order (1 = first)"),
  }),
]);

const duplicatesReport = z.object({
  migrationId: z.string(),
  duplicates: z.array(
    z.object({
      username: z.string(),
      users: z.array(z.object({ id: z.string(), name: z.string(), emails: z.array(z.string()) })),
    }),
  ),
});

const refreshResult = z.object({
  added: z.array(z.string()).describe('ids of users new in the source'),
  removed: z.array(z.string()).describe('ids of users gone from the source (their mappings too)'),
  total: z.number().int(),
  readiness,
});

const emailOptions = z.object({
  sendWelcomeEmails: z.boolean(),
  sendUserSummary: z.boolean(),
  migratorEmail: z.string().nullable().describe('gets the user summary and the replies to welcome emails'),
  transport: z.enum(['smtp', 'outbox']),
  destination: z.string().describe('smtp://host:port (never the credentials) or the outbox folder'),
});

const emailOptionsBody = z.object({
  sendWelcomeEmails: z.boolean().optional().describe('a welcome email to each user with a plan'),
  sendUserSummary: z.boolean().optional().describe('a summary of the users and their plans to the migrator'),
  migratorEmail: z.string().nullable().optional().describe("the migrator's address; null clears it"),
  smtpUrl: z
    .string()
    .nullable()
    .optional()
    .describe('smtp://host:port or smtps://user:password@host:465 (stored, never shown); null: the outbox'),
});

const emailsResult = z.object({
  transport: z.enum(['smtp', 'outbox']),
  destination: z.string().nullable().describe('null when nothing was to be sent'),
  welcome: z
    .object({
      sent: z.number().int(),
      alreadySent: z.number().int().describe('welcomed at the same username by an earlier call'),
      skipped: z.number().int().describe('no unique valid username'),
      failed: z.number().int(),
    })
    .nullable()
    .describe('null when welcome emails are off'),
  summarySent: z.boolean(),
  failures: z.array(z.object({ to: z.string(), message: z.string() })),
});

const mapping = z.object({
  userId: z.string(),
  userName: z.string(),
  identity: z.string(),
  mappedAt: z.string().describe('ISO-8601 UTC'),
});

const mappingBody = z.object({
  identity: z.string().min(1).describe('the cloud identity: its email address or id'),
});

export function registerUserRoutes(app: FastifyInstance, deps: ControlPlaneRoutesDeps): void {
  const cp = deps.controlPlane;
  const params = jsonSchema(migrationParams);
  const oneUser = jsonSchema(userParams);
  const tags = ['users'];

  app.get(
    '/api/v1/migrations/:migrationId/users',
    {
      schema: {
        tags,
        summary:
          'Every user with every field and what is wrong, and whether the migration is ready (loads the users from the source the first time)',
        params,
        querystring: jsonSchema(usersQuery),
        response: { 200: jsonSchema(usersList), ...errorResponses },
      },
    },
    async (request) => {
      const { filter } = request.query as z.infer<typeof usersQuery>;
      return listUsers(
        cp,
        (request.params as MigrationParams).migrationId,
        filter === undefined ? {} : { filter },
      );
    },
  );

  app.put(
    '/api/v1/migrations/:migrationId/users/:userId/plan',
    {
      schema: {
        tags,
        summary: 'Give one user a plan, or none (refused when it would leave no administrator with a plan)',
        params: oneUser,
        body: jsonSchema(z.object({ plan: planValue })),
        response: { 200: jsonSchema(planResult), ...errorResponses },
      },
    },
    async (request) => {
      const { migrationId, userId } = request.params as UserParams;
      return assignPlan(cp, migrationId, { userId }, (request.body as { plan: string }).plan);
    },
  );

  app.put(
    '/api/v1/migrations/:migrationId/users/plan',
    {
      schema: {
        tags,
        summary: 'Give every user matching the free-text filter a plan, or none',
        params,
        body: jsonSchema(
          z.object({
            filter: z.string().min(1).describe('as GET …/users?filter= shows them'),
            plan: planValue,
          }),
        ),
        response: { 200: jsonSchema(planResult), ...errorResponses },
      },
    },
    async (request) => {
      const { filter, plan } = request.body as { filter: string; plan: string };
      return assignPlan(cp, (request.params as MigrationParams).migrationId, { filter }, plan);
    },
  );

  app.put(
    '/api/v1/migrations/:migrationId/users/:userId/username',
    {
      schema: {
        tags,
        summary:
          "Choose the email a user logs in with: one of the user's own (pick) or a new one (email); 409 when another user with a plan has it",
        params: oneUser,
        body: jsonSchema(usernameBody),
        response: {
          200: jsonSchema(z.object({ user, readiness })),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { migrationId, userId } = request.params as UserParams;
      return setUsername(cp, migrationId, userId, request.body as z.infer<typeof usernameBody>);
    },
  );

  app.get(
    '/api/v1/migrations/:migrationId/users/duplicates',
    {
      schema: {
        tags,
        summary:
          "Usernames used by more than one user with a plan, with each user's addresses to choose from",
        params,
        response: { 200: jsonSchema(duplicatesReport), ...errorResponses },
      },
    },
    async (request) => listDuplicateUsernames(cp, (request.params as MigrationParams).migrationId),
  );

  app.post(
    '/api/v1/migrations/:migrationId/users/refresh',
    {
      schema: {
        tags,
        summary: 'Reload the users from the source, keeping the plans and usernames chosen here',
        params,
        response: { 200: jsonSchema(refreshResult), ...errorResponses },
      },
    },
    async (request) => refreshUsers(cp, (request.params as MigrationParams).migrationId),
  );

  app.get(
    '/api/v1/migrations/:migrationId/users/email-options',
    {
      schema: {
        tags,
        summary: 'Welcome emails and the user summary: the settings (the SMTP URL is never shown)',
        params,
        response: { 200: jsonSchema(emailOptions), ...errorResponses },
      },
    },
    async (request) => getUserEmailOptions(cp, (request.params as MigrationParams).migrationId),
  );

  app.put(
    '/api/v1/migrations/:migrationId/users/email-options',
    {
      schema: {
        tags,
        summary: 'Change the welcome-email and user-summary settings (fields left out stay as they are)',
        params,
        body: jsonSchema(emailOptionsBody),
        response: { 200: jsonSchema(emailOptions), ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body as z.infer<typeof emailOptionsBody>;
      const patch: UserEmailOptionsPatch = {
        ...(body.sendWelcomeEmails === undefined ? {} : { sendWelcomeEmails: body.sendWelcomeEmails }),
        ...(body.sendUserSummary === undefined ? {} : { sendUserSummary: body.sendUserSummary }),
        ...(body.migratorEmail === undefined ? {} : { migratorEmail: body.migratorEmail }),
        ...(body.smtpUrl === undefined ? {} : { smtpUrl: body.smtpUrl }),
      };
      return setUserEmailOptions(cp, (request.params as MigrationParams).migrationId, patch);
    },
  );

  app.post(
    '/api/v1/migrations/:migrationId/users/emails',
    {
      schema: {
        tags,
        summary:
          'Send the welcome emails and the user summary now, as the settings say (users already welcomed at the same username are skipped)',
        params,
        response: { 200: jsonSchema(emailsResult), ...errorResponses },
      },
    },
    async (request) => sendUserEmails(cp, (request.params as MigrationParams).migrationId),
  );

  app.get(
    '/api/v1/migrations/:migrationId/user-mappings',
    {
      schema: {
        tags,
        summary: 'The mappings of on-premises users to cloud identities',
        params,
        response: { 200: jsonSchema(z.array(mapping)), ...errorResponses },
      },
    },
    async (request) => listUserMappings(cp, (request.params as MigrationParams).migrationId),
  );

  app.put(
    '/api/v1/migrations/:migrationId/user-mappings/:userId',
    {
      schema: {
        tags,
        summary:
          'Map a user to a cloud identity, one to one: the same pair again changes nothing (changed: false); another identity for the user, or the identity of another user, is 409',
        params: oneUser,
        body: jsonSchema(mappingBody),
        response: {
          200: jsonSchema(
            z.object({ mapping, changed: z.boolean().describe('false: it was mapped so already') }),
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { migrationId, userId } = request.params as UserParams;
      return mapUser(cp, migrationId, userId, (request.body as z.infer<typeof mappingBody>).identity);
    },
  );

  app.delete(
    '/api/v1/migrations/:migrationId/user-mappings/:userId',
    {
      schema: {
        tags,
        summary: "Remove a user's mapping (removed: false when there was none)",
        params: oneUser,
        response: { 200: jsonSchema(z.object({ removed: z.boolean() })), ...errorResponses },
      },
    },
    async (request) => {
      const { migrationId, userId } = request.params as UserParams;
      return unmapUser(cp, migrationId, userId);
    },
  );
}
