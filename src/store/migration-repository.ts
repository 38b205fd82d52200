// Migrations, their tenants, plans, signatures and checklists over Kysely: the same code for the
// SQLite and the PostgreSQL control plane. State changes are compare-and-set on the phase (and the
// active run), so two processes acting on one migration cannot both win.

import type { Kysely } from 'kysely';
import type { ActivePhase, MigrationPhase } from '../domain/migration-phase.ts';
import type {
  ActiveRun,
  ChecklistStatus,
  LicenseBinding,
  Party,
  Signature,
} from '../domain/migration-rules.ts';
import type { TenantState } from '../domain/tenant-state.ts';
import type { ChecklistItemsTable, MigrationsTable, TenantsTable } from './control-plane-tables.ts';
import type { StoreDatabase } from './database.ts';

export interface TenantRecord {
  id: string;
  state: TenantState;
  /** May hold a password: redact before printing. */
  databaseUrl: string;
  blobStoreUrl: string;
  userRegistryUrl: string;
  createdAt: string;
  updatedAt: string;
}

export interface MigrationRecord {
  id: string;
  installationPath: string;
  profileId: string;
  tenantId: string;
  phase: MigrationPhase;
  pausedFrom: ActivePhase | null;
  license: (LicenseBinding & { recordedAt: string }) | null;
  activeRunId: string | null;
  finalCompletedAt: string | null;
  /** Company ids a run takes; null for every company. */
  selectedCompanies: string[] | null;
  createdAt: string;
  updatedAt: string;
}

export interface PlanActivity {
  activity: string;
  owner: string;
  /** Estimated effort in minutes. */
  estimateMinutes: number;
  /** YYYY-MM-DD */
  deadline: string;
}

export type SignedDocument = 'plan' | 'approval';

export interface ChecklistItem {
  id: string;
  title: string;
  owner: Party | null;
  origin: 'profile' | 'custom';
  status: ChecklistStatus;
  decidedBy: string | null;
  decidedAt: string | null;
}

/** Fields a phase change may set along with the phase. */
export type MigrationPatch = Partial<
  Pick<
    MigrationsTable,
    | 'phase'
    | 'paused_from'
    | 'license_company_name'
    | 'license_serial_number'
    | 'license_recorded_at'
    | 'active_run_id'
    | 'final_completed_at'
    | 'selected_companies_json'
  >
>;

const activeRunStatuses = ['queued', 'running', 'paused'];

export function tenantFromRow(row: TenantsTable): TenantRecord {
  return {
    id: row.id,
    state: row.state as TenantState,
    databaseUrl: row.database_url,
    blobStoreUrl: row.blob_store_url,
    userRegistryUrl: row.user_registry_url,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function migrationFromRow(row: MigrationsTable): MigrationRecord {
  return {
    id: row.id,
    installationPath: row.installation_path,
    profileId: row.profile_id,
    tenantId: row.tenant_id,
    phase: row.phase as MigrationPhase,
    pausedFrom: row.paused_from as ActivePhase | null,
    license:
      row.license_company_name === null ||
      row.license_serial_number === null ||
      row.license_recorded_at === null
        ? null
        : {
            companyName: row.license_company_name,
            serialNumber: row.license_serial_number,
            recordedAt: row.license_recorded_at,
          },
    activeRunId: row.active_run_id,
    finalCompletedAt: row.final_completed_at,
    selectedCompanies:
      row.selected_companies_json === null ? null : (JSON.parse(row.selected_companies_json) as string[]),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function checklistFromRow(row: ChecklistItemsTable): ChecklistItem {
  return {
    id: row.id,
    title: row.title,
    owner: row.owner as Party | null,
    origin: row.origin as ChecklistItem['origin'],
    status: row.status as ChecklistStatus,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
  };
}

export class MigrationRepository {
  constructor(private readonly db: Kysely<StoreDatabase>) {}

  // ---- tenants ---------------------------------------------------------------------------------

  async insertTenant(row: TenantsTable): Promise<void> {
    await this.db.insertInto('tenants').values(row).execute();
  }

  async getTenant(id: string): Promise<TenantRecord | null> {
    const row = await this.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : tenantFromRow(row);
  }

  /** Compare-and-set: false when the tenant was no longer in `from`. */
  async setTenantState(id: string, from: TenantState, to: TenantState, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('tenants')
      .set({ state: to, updated_at: at })
      .where('id', '=', id)
      .where('state', '=', from)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  // ---- migrations ------------------------------------------------------------------------------

  async insertMigration(row: MigrationsTable): Promise<void> {
    await this.db.insertInto('migrations').values(row).execute();
  }

  async getMigration(id: string): Promise<MigrationRecord | null> {
    const row = await this.db.selectFrom('migrations').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : migrationFromRow(row);
  }

  async listMigrations(): Promise<MigrationRecord[]> {
    const rows = await this.db
      .selectFrom('migrations')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(migrationFromRow);
  }

  async migrationsOfTenant(tenantId: string): Promise<MigrationRecord[]> {
    const rows = await this.db
      .selectFrom('migrations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .execute();
    return rows.map(migrationFromRow);
  }

  /**
   * Compare-and-set on the phase (and, when given, the active run): false when another process
   * changed the migration first.
   */
  async updateMigration(
    id: string,
    expected: { phase: MigrationPhase; activeRunId?: string | null },
    patch: MigrationPatch,
    at: string,
  ): Promise<boolean> {
    let query = this.db
      .updateTable('migrations')
      .set({ ...patch, updated_at: at })
      .where('id', '=', id)
      .where('phase', '=', expected.phase);
    if (expected.activeRunId !== undefined) {
      const runId = expected.activeRunId;
      query =
        runId === null ? query.where('active_run_id', 'is', null) : query.where('active_run_id', '=', runId);
    }
    const result = await query.executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** The run holding the migration, if it has not ended; a claim by an ended run is stale. */
  async activeRun(migration: MigrationRecord): Promise<ActiveRun | null> {
    if (migration.activeRunId === null) return null;
    const run = await this.db
      .selectFrom('runs')
      .select(['id', 'kind', 'status'])
      .where('id', '=', migration.activeRunId)
      .executeTakeFirst();
    if (run === undefined || !activeRunStatuses.includes(run.status)) return null;
    return run;
  }

  // ---- plan ------------------------------------------------------------------------------------

  async listActivities(migrationId: string): Promise<PlanActivity[]> {
    const rows = await this.db
      .selectFrom('plan_activities')
      .selectAll()
      .where('migration_id', '=', migrationId)
      .orderBy('position')
      .execute();
    return rows.map((r) => ({
      activity: r.activity,
      owner: r.owner,
      estimateMinutes: Number(r.estimate_minutes),
      deadline: r.deadline,
    }));
  }

  /** Adds (or with `replace`, replaces) activities and clears the plan's signatures, in one transaction. */
  async writeActivities(migrationId: string, activities: PlanActivity[], replace: boolean): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      if (replace) await tx.deleteFrom('plan_activities').where('migration_id', '=', migrationId).execute();
      const last = await tx
        .selectFrom('plan_activities')
        .select((eb) => eb.fn.max('position').as('max'))
        .where('migration_id', '=', migrationId)
        .executeTakeFirst();
      const start = last?.max === null || last?.max === undefined ? 0 : Number(last.max) + 1;
      if (activities.length > 0)
        await tx
          .insertInto('plan_activities')
          .values(
            activities.map((a, i) => ({
              migration_id: migrationId,
              position: start + i,
              activity: a.activity,
              owner: a.owner,
              estimate_minutes: a.estimateMinutes,
              deadline: a.deadline,
            })),
          )
          .execute();
      await tx
        .deleteFrom('signatures')
        .where('migration_id', '=', migrationId)
        .where('document', '=', 'plan')
        .execute();
    });
  }

  // ---- signatures ------------------------------------------------------------------------------

  async listSignatures(migrationId: string, document: SignedDocument): Promise<Signature[]> {
    const rows = await this.db
      .selectFrom('signatures')
      .selectAll()
      .where('migration_id', '=', migrationId)
      .where('document', '=', document)
      .orderBy('signed_at')
      .execute();
    return rows.map((r) => ({ party: r.party as Party, name: r.name, signedAt: r.signed_at }));
  }

  /** False when the party already signed (the first signature stands). */
  async addSignature(migrationId: string, document: SignedDocument, signature: Signature): Promise<boolean> {
    const result = await this.db
      .insertInto('signatures')
      .values({
        migration_id: migrationId,
        document,
        party: signature.party,
        name: signature.name,
        signed_at: signature.signedAt,
      })
      .onConflict((oc) => oc.columns(['migration_id', 'document', 'party']).doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  async clearSignatures(migrationId: string, document: SignedDocument): Promise<number> {
    const result = await this.db
      .deleteFrom('signatures')
      .where('migration_id', '=', migrationId)
      .where('document', '=', document)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  // ---- checklist -------------------------------------------------------------------------------

  async listChecklist(migrationId: string): Promise<ChecklistItem[]> {
    const rows = await this.db
      .selectFrom('checklist_items')
      .selectAll()
      .where('migration_id', '=', migrationId)
      .orderBy('position')
      .execute();
    return rows.map(checklistFromRow);
  }

  /** Appends items; custom items get the next free `custom-N` id. Returns the items added. */
  async addChecklistItems(
    migrationId: string,
    items: { id?: string; title: string; owner: Party | null; origin: ChecklistItem['origin'] }[],
  ): Promise<ChecklistItem[]> {
    return this.db.transaction().execute(async (tx) => {
      const existing = await tx
        .selectFrom('checklist_items')
        .select(['id', 'position'])
        .where('migration_id', '=', migrationId)
        .execute();
      let position = existing.reduce((max, r) => Math.max(max, Number(r.position)), -1) + 1;
      let custom = existing.reduce((max, r) => {
        const n = /^custom-(\d+)$/.exec(r.id)?.[1];
        return n === undefined ? max : Math.max(max, Number(n));
      }, 0);
      const added: ChecklistItemsTable[] = items.map((item) => ({
        migration_id: migrationId,
        id: item.id ?? `custom-${++custom}`,
        position: position++,
        title: item.title,
        owner: item.owner,
        origin: item.origin,
        status: 'open',
        decided_by: null,
        decided_at: null,
      }));
      if (added.length > 0) await tx.insertInto('checklist_items').values(added).execute();
      return added.map(checklistFromRow);
    });
  }

  /** False when there is no such item. */
  async setChecklistStatus(
    migrationId: string,
    itemId: string,
    status: ChecklistStatus,
    by: string | null,
    at: string | null,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('checklist_items')
      .set({ status, decided_by: by, decided_at: at })
      .where('migration_id', '=', migrationId)
      .where('id', '=', itemId)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
