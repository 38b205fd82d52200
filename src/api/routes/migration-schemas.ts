// The shapes the migration routes answer with, written once in zod: the OpenAPI document and the
// response serialisation both come from them (a field not declared here never leaves the server).

import { z } from 'zod';
import { migrationPhases } from '../../domain/migration-phase.ts';
import { parties } from '../../domain/migration-rules.ts';
import { tenantStates } from '../../domain/tenant-state.ts';

export const migrationParams = z.object({
  migrationId: z.string().min(1).describe('migration id, e.g. m-1a2b3c4d'),
});
export type MigrationParams = z.infer<typeof migrationParams>;

export const partySchema = z.enum(parties).describe('who signs: the vendor or the customer');

export const signatureBody = z.object({
  party: partySchema,
  name: z.string().min(1).describe('the name of the person signing'),
});

export const signature = z.object({
  party: partySchema,
  name: z.string(),
  signedAt: z.string().describe('ISO-8601 UTC'),
});

export const migrationRecord = z.object({
  id: z.string(),
  installationPath: z.string().describe("absolute path of the installation's installation.yaml"),
  profileId: z.string(),
  tenantId: z.string(),
  phase: z.enum(migrationPhases),
  pausedFrom: z.string().nullable().describe('while paused: the phase `resume` returns to'),
  license: z
    .object({ companyName: z.string(), serialNumber: z.string(), recordedAt: z.string() })
    .nullable()
    .describe('the license the session is bound to, recorded at the first run'),
  activeRunId: z.string().nullable(),
  finalCompletedAt: z.string().nullable().describe('when a final run succeeded'),
  selectedCompanies: z.array(z.string()).nullable().describe('company ids a run takes; null: all'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const tenantRecord = z.object({
  id: z.string(),
  state: z.enum(tenantStates),
  databaseUrl: z.string().describe('without its password'),
  blobStoreUrl: z.string().describe('without its password'),
  userRegistryUrl: z.string().describe('without its password'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const planActivity = z.object({
  activity: z.string(),
  owner: z.string(),
  estimateMinutes: z.number().int(),
  deadline: z.string().describe('YYYY-MM-DD'),
});

export const checklistItem = z.object({
  id: z.string(),
  title: z.string(),
  owner: partySchema.nullable(),
  origin: z.enum(['profile', 'custom']),
  status: z.enum(['open', 'passed', 'failed']),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
});

export const scheduleRecord = z.object({
  migrationId: z.string(),
  cron: z.string(),
  timeZone: z.string(),
  nextRunAt: z.string().nullable().describe('ISO-8601 UTC; null when the expression has no future run'),
  createdAt: z.string(),
  updatedAt: z.string(),
  lastRunAt: z.string().nullable().describe('due time of the last occurrence a scheduler claimed'),
  lastRunId: z.string().nullable().describe('the run it started; null when it was skipped'),
  lastOutcome: z.string().nullable().describe('`started`, or why the occurrence was skipped'),
});

export const activeRun = z.object({ id: z.string(), kind: z.string(), status: z.string() });

export const planView = z.object({
  activities: z.array(planActivity),
  totalEstimateMinutes: z.number().int(),
  signatures: z.array(signature),
  missing: z.array(partySchema).describe('parties that have not signed yet'),
  tableMappings: z
    .object({ updatedAt: z.string(), summary: z.array(z.string()).describe('source → target, in words') })
    .nullable()
    .optional()
    .describe('the table mappings runs plan with (GET …/table-mappings has them in full); null: none'),
});

/** A migration with everything the management page shows about it. */
export const migrationView = z.object({
  migration: migrationRecord,
  phaseMeaning: z.string().describe('what the phase means'),
  tenant: tenantRecord,
  plan: planView,
  approval: z.object({ signatures: z.array(signature), missing: z.array(partySchema) }),
  checklist: z.array(checklistItem),
  activeRun: activeRun.nullable().describe('the run holding the migration, if one has not ended'),
  schedule: scheduleRecord.nullable().describe('the run schedule with its next run time'),
  runtimeKey: z
    .object({ migrationId: z.string(), hint: z.string(), createdAt: z.string() })
    .nullable()
    .describe("the runtime key's last four characters and age (never the key)"),
});
