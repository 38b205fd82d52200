// What `ferry migration …` does, locally (the services) or through a Ferry server (the HTTP API
// under /api/v1/migrations, src/api/routes/migrations.ts, migration-plan.ts, migration-settings.ts).
// Both answer the same shapes, so the command prints the same text and --json either way.

import { FerryError } from '../../domain/errors.ts';
import type { Party, Signature } from '../../domain/migration-rules.ts';
import { chooseCompanies, listCompanies, type CompanyEstimate } from '../../services/companies.ts';
import type { ControlPlane } from '../../services/control-plane.ts';
import {
  abandon,
  goLive,
  pausePhase,
  resetCloudData,
  resumePhase,
} from '../../services/migration-lifecycle.ts';
import {
  addChecklistItem,
  approve,
  createMigration,
  formatEstimate,
  getMigration,
  listChecklist,
  listMigrations,
  recordChecklistResult,
  setPlan,
  showMigration,
  signPlan,
  type CreateMigrationInput,
  type MigrationView,
  type PlanActivityInput,
} from '../../services/migrations.ts';
import { getRuntimeKey, resetRuntimeKey } from '../../services/runtime-keys.ts';
import { clearSchedule, getSchedule, setSchedule } from '../../services/schedules.ts';
import { checkFleetForUpdate, type FleetUpdateCheck } from '../../services/process-heartbeats.ts';
import type { ChecklistItem, MigrationRecord } from '../../store/migration-repository.ts';
import type { ScheduleRecord } from '../../store/schedule-repository.ts';
import type { ApiClient } from './api-client.ts';
import type { OperationsFactory } from './operations.ts';

/** The phase actions, by their CLI names. */
export type PhaseAction = 'go-live' | 'abandon' | 'pause' | 'resume-phase' | 'reset-cloud-data';

export interface RuntimeKeyAnswer {
  /** Present only in the answer that created the key (shown once). */
  key: string | null;
  hint: string;
  createdAt: string;
}

export interface MigrationOperations {
  create(input: CreateMigrationInput): Promise<MigrationView>;
  show(id: string): Promise<MigrationView>;
  list(): Promise<MigrationRecord[]>;
  /** Adds activities to the plan, or replaces it; answers how many plan signatures that cleared. */
  changePlan(
    id: string,
    activities: PlanActivityInput[],
    options: { replace: boolean },
  ): Promise<{ signaturesCleared: number }>;
  signPlan(id: string, party: Party, name: string): Promise<{ signature: Signature; missing: Party[] }>;
  addChecklistItem(id: string, title: string): Promise<ChecklistItem>;
  recordChecklistResult(
    id: string,
    itemId: string,
    result: 'passed' | 'failed',
    by: string,
  ): Promise<{ approvalSignaturesCleared: number }>;
  checklist(id: string): Promise<ChecklistItem[]>;
  approve(id: string, party: Party, name: string): Promise<{ signature: Signature; missing: Party[] }>;
  /** The action's own result (the migration record; for a reset also what it removed) and the view after it. */
  phaseAction(action: PhaseAction, id: string): Promise<{ result: unknown; view: MigrationView }>;
  schedule(id: string): Promise<ScheduleRecord | null>;
  setSchedule(id: string, cron: string, timeZone: string): Promise<ScheduleRecord | null>;
  /** Answers whether there was a schedule to remove. */
  clearSchedule(id: string): Promise<boolean>;
  runtimeKey(id: string, options: { reset: boolean }): Promise<RuntimeKeyAnswer>;
  companies(id: string): Promise<CompanyEstimate[]>;
  chooseCompanies(id: string, companyIds: string[] | null): Promise<void>;
  /** Against the local Ferry version, or the server's (which checks the migration exists). */
  checkForUpdate(workerVersion: string, migrationId: string | undefined): Promise<FleetUpdateCheck>;
}

const localPhaseActions: Record<PhaseAction, (cp: ControlPlane, id: string) => Promise<unknown>> = {
  'go-live': goLive,
  abandon,
  pause: pausePhase,
  'resume-phase': resumePhase,
  'reset-cloud-data': resetCloudData,
};

function local(cp: ControlPlane): MigrationOperations {
  return {
    create: (input) => createMigration(cp, input),
    show: (id) => showMigration(cp, id),
    list: () => listMigrations(cp),
    changePlan: (id, activities, options) => setPlan(cp, id, activities, options),
    signPlan: (id, party, name) => signPlan(cp, id, party, name),
    addChecklistItem: (id, title) => addChecklistItem(cp, id, title),
    recordChecklistResult: (id, itemId, result, by) => recordChecklistResult(cp, id, itemId, result, by),
    checklist: (id) => listChecklist(cp, id),
    approve: (id, party, name) => approve(cp, id, party, name),
    async phaseAction(action, id) {
      const result = await localPhaseActions[action](cp, id);
      return { result, view: await showMigration(cp, id) };
    },
    schedule: (id) => getSchedule(cp, id),
    setSchedule: (id, cron, timeZone) => setSchedule(cp, id, cron, { timeZone }),
    clearSchedule: (id) => clearSchedule(cp, id),
    async runtimeKey(id, options) {
      const r = options.reset ? await resetRuntimeKey(cp, id) : await getRuntimeKey(cp, id);
      return { key: r.key, hint: r.record.hint, createdAt: r.record.createdAt };
    },
    companies: (id) => listCompanies(cp, id),
    async chooseCompanies(id, companyIds) {
      await chooseCompanies(cp, id, companyIds);
    },
    async checkForUpdate(workerVersion, migrationId) {
      if (migrationId !== undefined) await getMigration(cp, migrationId);
      return checkFleetForUpdate(cp.store, workerVersion);
    },
  };
}

const remotePhasePaths: Record<PhaseAction, string> = {
  'go-live': 'go-live',
  abandon: 'abandon',
  pause: 'pause',
  'resume-phase': 'resume',
  'reset-cloud-data': 'reset-cloud-data',
};

function remote(api: ApiClient): MigrationOperations {
  const m = (id: string) => `/migrations/${encodeURIComponent(id)}`;
  return {
    create: (input) => api.post<MigrationView>('/migrations', input),
    show: (id) => api.get<MigrationView>(m(id)),
    list: () => api.get<MigrationRecord[]>('/migrations'),
    async changePlan(id, activities, options) {
      // The API replaces the whole plan; adding to it sends the current activities first.
      const current = options.replace
        ? []
        : (await api.get<MigrationView['plan']>(`${m(id)}/plan`)).activities.map((a) => ({
            activity: a.activity,
            owner: a.owner,
            estimate: formatEstimate(a.estimateMinutes),
            deadline: a.deadline,
          }));
      return api.put<{ signaturesCleared: number }>(`${m(id)}/plan/activities`, {
        activities: [...current, ...activities],
      });
    },
    signPlan: (id, party, name) => api.post(`${m(id)}/plan/signatures`, { party, name }),
    addChecklistItem: (id, title) => api.post<ChecklistItem>(`${m(id)}/checklist/items`, { title }),
    recordChecklistResult: (id, itemId, result, by) =>
      api.post(`${m(id)}/checklist/items/${encodeURIComponent(itemId)}/result`, { result, by }),
    checklist: (id) => api.get<ChecklistItem[]>(`${m(id)}/checklist/items`),
    approve: (id, party, name) => api.post(`${m(id)}/approval/signatures`, { party, name }),
    async phaseAction(action, id) {
      const answer = await api.post<MigrationView & { removed?: { tables: number; documents: number } }>(
        `${m(id)}/${remotePhasePaths[action]}`,
      );
      const { removed, ...view } = answer;
      // The same `result` the local service answers: the migration record, plus what a reset removed.
      const result = removed === undefined ? view.migration : { migration: view.migration, ...removed };
      return { result, view };
    },
    async schedule(id) {
      return (await api.get<{ schedule: ScheduleRecord | null }>(`${m(id)}/schedule`)).schedule;
    },
    async setSchedule(id, cron, timeZone) {
      return (await api.put<{ schedule: ScheduleRecord | null }>(`${m(id)}/schedule`, { cron, timeZone }))
        .schedule;
    },
    async clearSchedule(id) {
      const had = (await api.get<{ schedule: ScheduleRecord | null }>(`${m(id)}/schedule`)).schedule;
      await api.delete(`${m(id)}/schedule`);
      return had !== null;
    },
    async runtimeKey(id, options) {
      const r = options.reset
        ? await api.post<RuntimeKeyAnswer>(`${m(id)}/runtime-key/reset`)
        : await api.get<RuntimeKeyAnswer>(`${m(id)}/runtime-key`);
      return { key: r.key, hint: r.hint, createdAt: r.createdAt };
    },
    companies: (id) => api.get<CompanyEstimate[]>(`${m(id)}/companies`),
    async chooseCompanies(id, companyIds) {
      await api.put(`${m(id)}/companies/selection`, { companyIds });
    },
    async checkForUpdate(workerVersion, migrationId) {
      if (migrationId === undefined)
        throw new FerryError(
          'FERRY_INVALID_ARGUMENT',
          'with --server, name the migration: `ferry migration check-update MIGRATION --worker-version V` (the server checks per migration)',
        );
      return api.get<FleetUpdateCheck>(`${m(migrationId)}/update-check`, { query: { workerVersion } });
    },
  };
}

export const migrationOperations: OperationsFactory<MigrationOperations> = { local, remote };
