// Migrations from set-up to approval: create (with its tenant), the plan and its signatures, the
// parallel-phase checklist and the approval. Every rule is decided in domain/migration-rules.ts and
// domain/migration-phase.ts; this file loads the facts, asks the rules, and stores the outcome.
// Lifecycle actions (go-live, abandon, pause, reset) are in migration-lifecycle.ts.

import { resolve } from 'node:path';
import { FerryError } from '../domain/errors.ts';
import { describePhase, transitionPhase } from '../domain/migration-phase.ts';
import {
  approvalComplete,
  assertCanRecordChecklistResult,
  assertCanSignApproval,
  assertCanSignPlan,
  assertChecklistEditable,
  assertPlanEditable,
  missingParties,
  type ActiveRun,
  type MigrationFacts,
  type Party,
  type Signature,
} from '../domain/migration-rules.ts';
import type {
  ChecklistItem,
  MigrationRecord,
  MigrationRepository,
  PlanActivity,
  TenantRecord,
} from '../store/migration-repository.ts';
import type { RuntimeKeyRecord } from '../store/credential-repository.ts';
import type { ScheduleRecord } from '../store/schedule-repository.ts';
import { readInstallation } from './installation-file.ts';
import {
  type ControlPlane,
  credentialsRepo,
  migrationsRepo,
  nowIso,
  schedulesRepo,
} from './control-plane.ts';
import { provisionTenant, tenantView } from './tenants.ts';
import { shortId } from './secrets.ts';

export interface CreateMigrationInput {
  /** Path of the installation's `installation.yaml`. */
  installationPath: string;
  profileId: string;
  tenantId: string;
  /** PostgreSQL database for the tenant (schema `tenant_<id>`); default a SQLite file in the home. */
  tenantDatabaseUrl?: string;
  /** Document store for the tenant (file:… or s3://…); default a folder in the home. */
  tenantBlobStoreUrl?: string;
}

export interface MigrationView {
  migration: MigrationRecord;
  /** What the phase means. */
  phaseMeaning: string;
  tenant: TenantRecord;
  plan: {
    activities: PlanActivity[];
    totalEstimateMinutes: number;
    signatures: Signature[];
    missing: Party[];
  };
  approval: { signatures: Signature[]; missing: Party[] };
  checklist: ChecklistItem[];
  activeRun: ActiveRun | null;
  schedule: ScheduleRecord | null;
  runtimeKey: RuntimeKeyRecord | null;
}

// ---- loading -----------------------------------------------------------------------------------

export async function getMigration(cp: ControlPlane, id: string): Promise<MigrationRecord> {
  const migration = await migrationsRepo(cp).getMigration(id);
  if (migration === null)
    throw new FerryError('FERRY_MIGRATION_NOT_FOUND', `there is no migration "${id}" in this store`, {
      details: { migrationId: id },
    });
  return migration;
}

/** What the rules need, loaded in one place. */
export async function loadFacts(repo: MigrationRepository, m: MigrationRecord): Promise<MigrationFacts> {
  const [activities, planSignatures, approvalSignatures, checklist] = await Promise.all([
    repo.listActivities(m.id),
    repo.listSignatures(m.id, 'plan'),
    repo.listSignatures(m.id, 'approval'),
    repo.listChecklist(m.id),
  ]);
  return {
    id: m.id,
    phase: m.phase,
    pausedFrom: m.pausedFrom,
    planActivityCount: activities.length,
    planSignatures,
    approvalSignatures,
    checklist,
    finalCompletedAt: m.finalCompletedAt,
    license: m.license,
  };
}

export function concurrentChange(id: string, action: string): FerryError {
  return new FerryError(
    'FERRY_ILLEGAL_TRANSITION',
    `migration ${id} was changed by someone else while ${action} was applied; look at it again and retry`,
    { details: { migrationId: id, action } },
  );
}

// ---- create, show, list ------------------------------------------------------------------------

export async function createMigration(cp: ControlPlane, input: CreateMigrationInput): Promise<MigrationView> {
  const installationPath = resolve(input.installationPath);
  const installation = await readInstallation(installationPath);
  if (installation.profile !== input.profileId)
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `the installation at ${installationPath} uses profile "${installation.profile}", not "${input.profileId}"`,
    );
  const profile = await cp.profiles(input.profileId);
  const repo = migrationsRepo(cp);
  const earlier = await repo.getTenant(input.tenantId);
  if (earlier?.state === 'archived')
    throw new FerryError(
      'FERRY_TENANT_IN_USE',
      `tenant ${input.tenantId} is archived (its migration was abandoned) and is never used again`,
    );
  const busy = (await repo.migrationsOfTenant(input.tenantId)).find((m) => m.phase !== 'abandoned');
  if (busy !== undefined)
    throw new FerryError(
      'FERRY_TENANT_IN_USE',
      `tenant ${input.tenantId} already belongs to migration ${busy.id} (${busy.phase})`,
      { details: { tenantId: input.tenantId, migrationId: busy.id } },
    );
  const tenant = await provisionTenant(cp, {
    tenantId: input.tenantId,
    ...(input.tenantDatabaseUrl === undefined ? {} : { databaseUrl: input.tenantDatabaseUrl }),
    ...(input.tenantBlobStoreUrl === undefined ? {} : { blobStoreUrl: input.tenantBlobStoreUrl }),
  });
  const id = shortId('m-');
  const at = nowIso(cp);
  await repo.insertMigration({
    id,
    installation_path: installationPath,
    profile_id: profile.id,
    tenant_id: tenant.id,
    phase: 'planning',
    paused_from: null,
    license_company_name: null,
    license_serial_number: null,
    license_recorded_at: null,
    active_run_id: null,
    final_completed_at: null,
    selected_companies_json: null,
    created_at: at,
    updated_at: at,
  });
  await repo.addChecklistItems(
    id,
    profile.checklist.map((t) => ({ id: t.id, title: t.title, owner: t.owner, origin: 'profile' as const })),
  );
  return showMigration(cp, id);
}

export async function showMigration(cp: ControlPlane, id: string): Promise<MigrationView> {
  const repo = migrationsRepo(cp);
  const migration = await getMigration(cp, id);
  const [facts, activities, tenant, activeRun, schedule, runtimeKey] = await Promise.all([
    loadFacts(repo, migration),
    repo.listActivities(id),
    repo.getTenant(migration.tenantId),
    repo.activeRun(migration),
    schedulesRepo(cp).get(id),
    credentialsRepo(cp).getRuntimeKey(id),
  ]);
  if (tenant === null)
    throw new FerryError('FERRY_INTERNAL', `migration ${id} has no tenant ${migration.tenantId}`);
  return {
    migration,
    phaseMeaning: describePhase(migration.phase),
    tenant: tenantView(tenant),
    plan: {
      activities,
      totalEstimateMinutes: activities.reduce((sum, a) => sum + a.estimateMinutes, 0),
      signatures: [...facts.planSignatures],
      missing: missingParties(facts.planSignatures),
    },
    approval: {
      signatures: [...facts.approvalSignatures],
      missing: missingParties(facts.approvalSignatures),
    },
    checklist: await repo.listChecklist(id),
    activeRun,
    schedule,
    runtimeKey,
  };
}

export async function listMigrations(cp: ControlPlane): Promise<MigrationRecord[]> {
  return migrationsRepo(cp).listMigrations();
}

// ---- plan --------------------------------------------------------------------------------------

/** `4h`, `30m`, `2d` (8-hour days), `1h30m` → minutes. */
export function parseEstimate(text: string): number {
  const match = /^(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m(?:in)?)?$/i.exec(text.trim());
  const minutes =
    match === null ? 0 : Number(match[1] ?? 0) * 8 * 60 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
  if (minutes <= 0)
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `estimate "${text}" is not valid: use hours and minutes like 4h, 90m, 1h30m or 2d (8-hour days)`,
    );
  return minutes;
}

export function formatEstimate(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h === 0 ? `${m}m` : m === 0 ? `${h}h` : `${h}h${m}m`;
}

export function parseDeadline(text: string): string {
  const ok = /^\d{4}-\d{2}-\d{2}$/.test(text) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);
  if (!ok)
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `deadline "${text}" is not a date: use YYYY-MM-DD, e.g. 2027-01-31`,
    );
  return text;
}

export interface PlanActivityInput {
  activity: string;
  owner: string;
  /** e.g. `4h` */
  estimate: string;
  /** YYYY-MM-DD */
  deadline: string;
}

/**
 * Adds activities to the plan (or replaces it). The plan changes only in planning; a change
 * clears the plan's signatures, which must then be given again.
 */
export async function setPlan(
  cp: ControlPlane,
  id: string,
  input: PlanActivityInput[],
  options: { replace?: boolean } = {},
): Promise<{ activities: PlanActivity[]; signaturesCleared: number }> {
  const repo = migrationsRepo(cp);
  const migration = await getMigration(cp, id);
  const facts = await loadFacts(repo, migration);
  assertPlanEditable(facts);
  const activities = input.map((a) => {
    if (a.activity.trim() === '' || a.owner.trim() === '')
      throw new FerryError('FERRY_INVALID_ARGUMENT', 'every activity needs a description and an owner');
    return {
      activity: a.activity.trim(),
      owner: a.owner.trim(),
      estimateMinutes: parseEstimate(a.estimate),
      deadline: parseDeadline(a.deadline),
    };
  });
  await repo.writeActivities(id, activities, options.replace ?? false);
  return { activities: await repo.listActivities(id), signaturesCleared: facts.planSignatures.length };
}

function assertName(name: string, what: string): string {
  const trimmed = name.trim();
  if (trimmed === '')
    throw new FerryError('FERRY_INVALID_ARGUMENT', `${what} needs the name of the person signing`);
  return trimmed;
}

export async function signPlan(
  cp: ControlPlane,
  id: string,
  party: Party,
  name: string,
): Promise<{ signature: Signature; missing: Party[] }> {
  const repo = migrationsRepo(cp);
  const facts = await loadFacts(repo, await getMigration(cp, id));
  assertCanSignPlan(facts, party);
  const signature: Signature = { party, name: assertName(name, 'signing the plan'), signedAt: nowIso(cp) };
  if (!(await repo.addSignature(id, 'plan', signature))) throw concurrentChange(id, 'signing the plan');
  return { signature, missing: missingParties(await repo.listSignatures(id, 'plan')) };
}

// ---- checklist and approval --------------------------------------------------------------------

export async function addChecklistItem(cp: ControlPlane, id: string, title: string): Promise<ChecklistItem> {
  const repo = migrationsRepo(cp);
  assertChecklistEditable(await loadFacts(repo, await getMigration(cp, id)));
  if (title.trim() === '') throw new FerryError('FERRY_INVALID_ARGUMENT', 'a checklist item needs a title');
  const [item] = await repo.addChecklistItems(id, [{ title: title.trim(), owner: null, origin: 'custom' }]);
  if (item === undefined) throw new FerryError('FERRY_INTERNAL', 'checklist item was not added');
  return item;
}

export async function listChecklist(cp: ControlPlane, id: string): Promise<ChecklistItem[]> {
  await getMigration(cp, id);
  return migrationsRepo(cp).listChecklist(id);
}

/**
 * Passes or fails a checklist item, recording who and when. Any approval signature given so far
 * is cleared: the parties approved a checklist that has since changed.
 */
export async function recordChecklistResult(
  cp: ControlPlane,
  id: string,
  itemId: string,
  result: 'passed' | 'failed',
  by: string,
): Promise<{ item: ChecklistItem; approvalSignaturesCleared: number }> {
  const repo = migrationsRepo(cp);
  const facts = await loadFacts(repo, await getMigration(cp, id));
  assertCanRecordChecklistResult(facts);
  const who = assertName(by, `marking ${itemId} ${result}`);
  if (!(await repo.setChecklistStatus(id, itemId, result, who, nowIso(cp))))
    throw new FerryError(
      'FERRY_CHECKLIST_ITEM_NOT_FOUND',
      `migration ${id} has no checklist item "${itemId}"`,
      {
        details: { migrationId: id, itemId },
      },
    );
  const cleared = await repo.clearSignatures(id, 'approval');
  const item = (await repo.listChecklist(id)).find((i) => i.id === itemId);
  if (item === undefined) throw new FerryError('FERRY_INTERNAL', `checklist item ${itemId} vanished`);
  return { item, approvalSignaturesCleared: cleared };
}

/**
 * Signs the approval for one party. Needs the parallel phase and every checklist item passed; the
 * second party's signature moves the migration to `approved`.
 */
export async function approve(
  cp: ControlPlane,
  id: string,
  party: Party,
  name: string,
): Promise<{ signature: Signature; missing: Party[]; migration: MigrationRecord }> {
  const repo = migrationsRepo(cp);
  const migration = await getMigration(cp, id);
  const facts = await loadFacts(repo, migration);
  assertCanSignApproval(facts, party);
  const signature: Signature = { party, name: assertName(name, 'approving'), signedAt: nowIso(cp) };
  if (!(await repo.addSignature(id, 'approval', signature))) throw concurrentChange(id, 'approving');
  const signatures = await repo.listSignatures(id, 'approval');
  if (approvalComplete(signatures)) {
    const next = transitionPhase(facts, 'approve');
    const ok = await repo.updateMigration(
      id,
      { phase: migration.phase },
      { phase: next.phase, paused_from: null },
      signature.signedAt,
    );
    if (!ok) throw concurrentChange(id, 'approving');
  }
  return { signature, missing: missingParties(signatures), migration: await getMigration(cp, id) };
}
