// The control plane's tables for migrations, tenants, plans, signatures, checklists, credentials
// and schedules, as Kysely sees them. Timestamps are ISO-8601 UTC text; booleans are not used
// (states are text) so the same schema works on SQLite and PostgreSQL.

export interface TenantsTable {
  id: string;
  /** tenant-state.ts: provisioned · offline-maintenance · in-migration · running · archived */
  state: string;
  /** Connection URL of the tenant database (may hold a password: never print it unredacted). */
  database_url: string;
  /** Where the tenant's documents live, e.g. `file:/home/…/documents` or `s3://bucket/prefix`. */
  blob_store_url: string;
  /** Where the tenant's user registry lives. */
  user_registry_url: string;
  created_at: string;
  updated_at: string;
}

export interface MigrationsTable {
  id: string;
  installation_path: string;
  profile_id: string;
  tenant_id: string;
  /** migration-phase.ts */
  phase: string;
  paused_from: string | null;
  license_company_name: string | null;
  license_serial_number: string | null;
  license_recorded_at: string | null;
  /** The run that holds the migration (one at a time), or null. */
  active_run_id: string | null;
  final_completed_at: string | null;
  /** JSON array of company ids a run takes, or null for every company. */
  selected_companies_json: string | null;
  created_at: string;
  updated_at: string;
}

export interface PlanActivitiesTable {
  migration_id: string;
  position: number;
  activity: string;
  owner: string;
  estimate_minutes: number;
  /** YYYY-MM-DD */
  deadline: string;
}

export interface SignaturesTable {
  migration_id: string;
  /** `plan` or `approval` */
  document: string;
  /** `vendor` or `customer` */
  party: string;
  name: string;
  signed_at: string;
}

export interface ChecklistItemsTable {
  migration_id: string;
  id: string;
  position: number;
  title: string;
  /** `vendor`, `customer` or null (custom items). */
  owner: string | null;
  /** `profile` or `custom` */
  origin: string;
  /** `open`, `passed` or `failed` */
  status: string;
  decided_by: string | null;
  decided_at: string | null;
}

export interface OperatorTokensTable {
  id: string;
  name: string;
  /** sha256 of the token, hex. The token itself is never stored. */
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface RuntimeKeysTable {
  migration_id: string;
  /** sha256 of the key, hex. The key itself is never stored. */
  key_hash: string;
  /** The key's last four characters, to tell keys apart. */
  key_hint: string;
  created_at: string;
}

export interface SchedulesTable {
  migration_id: string;
  cron: string;
  /** IANA time zone the cron expression is read in. */
  time_zone: string;
  next_run_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ControlPlaneTables {
  tenants: TenantsTable;
  migrations: MigrationsTable;
  plan_activities: PlanActivitiesTable;
  signatures: SignaturesTable;
  checklist_items: ChecklistItemsTable;
  operator_tokens: OperatorTokensTable;
  runtime_keys: RuntimeKeysTable;
  schedules: SchedulesTable;
}
