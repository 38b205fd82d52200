// The application profile: everything Ferry knows about one application, so the engine, services
// and API stay generic. A vendor writes one module implementing this for their application
// (docs/profiles.md). Profiles read the source only through the connector contracts
// (`SourceConnection.read`, `listTables`), never with dialect-specific SQL, so one profile works
// on every source database.

import type { SourceConnection, TableSchema, TargetConnection, TargetDialect } from '../connectors/types.ts';
import type { Installation } from '../domain/installation.ts';
import type { ReferencedDocument } from '../storage/manifest.ts';

/** What a profile hook gets: the installation (files) and an open session on its database. */
export interface ProfileContext {
  installation: Installation;
  source: SourceConnection;
  /** Source tables, introspected once per operation. */
  tables: TableSchema[];
  signal?: AbortSignal;
}

// ---- Checks ------------------------------------------------------------------------------------

export type CheckSeverity = 'blocking' | 'warning';
export type CheckOutcome = 'pass' | 'warning' | 'blocking';

export interface CheckFinding {
  /** How many offending objects were found (0 = pass). */
  count: number;
  /** What `count` counts ('users', 'rows', 'tables'…); shown next to it. Optional. */
  unit?: string;
  /** Up to 20 examples, each a short human-readable description of one offending object. */
  examples: string[];
  /** Extra detail for this run (overrides the definition's guidance when set). */
  guidance?: string;
  /** Counts per place (e.g. per `table.column`), when the count is spread over several. Optional. */
  breakdown?: { label: string; count: number }[];
}

export interface CheckDefinition {
  /** Stable id, e.g. `crm.duplicate-user-emails`. */
  id: string;
  title: string;
  severity: CheckSeverity;
  /** What to do when the check finds something. */
  guidance: string;
  run(ctx: ProfileContext): Promise<CheckFinding>;
  /**
   * An offered fix, applied only on an operator's explicit request (`ferry check --fix ID`), never
   * during a run. It may change the source only through `edits`, which the checks service opens
   * for that one request. Absent when the check offers none.
   */
  fix?: {
    description: string;
    apply(ctx: ProfileContext, edits: SourceEdits): Promise<{ changed: number }>;
  };
}

/**
 * The only writes a profile may make to the source database, dialect-neutral, and only from a
 * check's fix on request. Keys are canonical text of the table's single-column key.
 */
export interface SourceEdits {
  /** Delete the rows of `table` whose `keyColumn` is one of `keys`, atomically; returns rows deleted. */
  deleteRows(table: string, keyColumn: string, keys: string[]): Promise<number>;
}

// ---- Users and plans -----------------------------------------------------------------------------

export interface SourceUser {
  /** The user's key in the source, as canonical text. */
  id: string;
  name: string;
  group: string | null;
  position: string | null;
  /** Every email address the source holds for the user (may be empty). */
  emails: string[];
  isAdministrator: boolean;
  /** The plan (license) the source says the user has, or null for none. */
  plan: string | null;
}

export interface UsersHook {
  /** Plans a user can be given, in display order (the profile's license types). */
  plans: string[];
  list(ctx: ProfileContext): Promise<SourceUser[]>;
}

// ---- License, version, freeze --------------------------------------------------------------------

export interface License {
  companyName: string;
  serialNumber: string;
}

export interface LicenseHook {
  read(ctx: ProfileContext): Promise<License>;
}

export interface VersionHook {
  /** The lowest source version that can be migrated, e.g. '7.1'. */
  minimum: string;
  read(ctx: ProfileContext): Promise<string>;
}

export interface FreezeHook {
  /** Stop users logging in to the source (live and final runs). Idempotent. */
  freeze(installation: Installation): Promise<void>;
  /** Undo `freeze` (on abandon). Idempotent. */
  unfreeze(installation: Installation): Promise<void>;
  isFrozen(installation: Installation): Promise<boolean>;
  /** Keep the source as a read-only archive after go-live. Idempotent. */
  archive(installation: Installation): Promise<void>;
}

// ---- Companies, tables, checklists -----------------------------------------------------------

export interface Company {
  id: string;
  name: string;
  /** Tables that hold this company's data. */
  tables: string[];
  /** Sum of the tables' `estimatedRows` / `estimatedBytes` (catalog statistics, approximate). */
  estimatedRows: number;
  estimatedBytes: number;
}

export interface CompaniesHook {
  /** How the source splits into companies (one company when the application has none). */
  list(ctx: ProfileContext): Promise<Company[]>;
  /** Tables shared by every company (always migrated). */
  sharedTables(tables: TableSchema[]): string[];
  /**
   * Sets one company up in the tenant (what the cloud application needs before the company can be
   * used: setup records, number series…), on an operator's request, one job per company
   * (services/company-initialization.ts). Must be idempotent: it may run again after a failure.
   * `summary` says what was done, in words. Absent when the application needs no initialization.
   */
  initialize?(ctx: CompanyInitContext, company: Company): Promise<{ summary: string }>;
}

/** A table a profile sets up in the tenant: text or integer columns, a single-column key. */
export interface TenantSetupTable {
  name: string;
  columns: { name: string; type: 'text' | 'integer'; nullable?: boolean }[];
  /** The primary key column (one of `columns`). */
  key: string;
}

/**
 * The only writes a profile makes to the tenant during a company initialization, dialect-neutral
 * (services/tenant-setup.ts renders them for the tenant's database). Values are canonical text.
 */
export interface TenantSetup {
  /** Creates the table with its primary key unless the tenant has it already. */
  ensureTable(table: TenantSetupTable): Promise<{ created: boolean }>;
  /** Inserts the rows whose key the table does not hold yet (existing rows are left alone). */
  insertMissing(table: TenantSetupTable, rows: Record<string, string | null>[]): Promise<number>;
  /** Every row of the table, keyed by its key column (empty when the table does not exist). */
  readAll(table: TenantSetupTable): Promise<Map<string, Record<string, string | null>>>;
}

/** What `initialize` gets: the installation and its source (as in every hook) and the tenant. */
export interface CompanyInitContext extends ProfileContext {
  tenantId: string;
  /** An open session on the tenant's database (SQLite file or PostgreSQL schema). */
  tenant: TargetConnection;
  setup: TenantSetup;
}

export interface ExcludedTable {
  /** Exact table name, or a pattern matched against table names. */
  table: string | RegExp;
  /** Why it is not migrated (shown in checks and the setup checklist). */
  reason: string;
  /** What must be set up in the tenant instead. */
  setup: string;
}

export interface CompanionTable {
  /** The base table and its extension table, joined by the base's primary key. */
  base: string;
  companion: string;
  /** Values for the companion's non-key columns when a record is missing (canonical text). */
  defaults: Record<string, string | null>;
}

export interface ChecklistItemTemplate {
  id: string;
  title: string;
  /** Who tests it in the parallel phase: the vendor's team or the customer's. */
  owner: 'vendor' | 'customer';
}

export interface DocumentsHook {
  /** The documents the database references (path relative to the installation's archive root). */
  referenced(ctx: ProfileContext): Promise<ReferencedDocument[]>;
}

// ---- Data upgrade --------------------------------------------------------------------------------

/**
 * What a data upgrade step gets: an open session on the TENANT database (never the source), the
 * tenant dialect's pure DDL knowledge (quoting, type mapping) and the tenant's tables as they are.
 */
export interface DataUpgradeContext {
  target: TargetConnection;
  dialect: TargetDialect;
  tables: TableSchema[];
  signal?: AbortSignal;
}

export interface DataUpgradeStepResult {
  /** The table the step changed (shown as the step's table result). */
  table: string;
  /** Rows the step filled or changed (0 when it found nothing left to do). */
  rowsChanged: number;
  /** What the step did, in one sentence. */
  message: string;
}

export interface DataUpgradeStep {
  /** The data version this step brings the tenant to, e.g. '11.0'. Steps apply in version order. */
  version: string;
  /** Stable id, e.g. `crm.persons-full-name`. */
  id: string;
  title: string;
  /** Apply the step. Must be idempotent: applying it twice leaves the tenant as applying it once. */
  apply(ctx: DataUpgradeContext): Promise<DataUpgradeStepResult>;
}

/**
 * After the cloud application's version changes, the data migrated from an older on-premises
 * version must be brought to the shape the cloud version expects (a `data-upgrade` run). Runs
 * against the tenant only.
 */
export interface DataUpgradeHook {
  steps: DataUpgradeStep[];
  /** The tenant's data version now (what its data was loaded or last upgraded at); null: unknown. */
  readVersion(ctx: DataUpgradeContext): Promise<string | null>;
  /** Record that the tenant's data is now at `version`. Idempotent. */
  recordVersion(ctx: DataUpgradeContext, version: string): Promise<void>;
}

export interface ApplicationProfile {
  id: string;
  title: string;
  version: VersionHook;
  license: LicenseHook;
  checks: CheckDefinition[];
  users: UsersHook;
  freeze: FreezeHook;
  companies: CompaniesHook;
  /** Tables that are never migrated (e.g. permissions), with the reason and what to set up. */
  excludedTables: ExcludedTable[];
  companionTables: CompanionTable[];
  /** The parallel-phase checklist this application starts with. */
  checklist: ChecklistItemTemplate[];
  /** The document archive, when the application has one. */
  documents?: DocumentsHook;
  /** Upgrade steps for tenant data migrated from an older version (`data-upgrade` runs). */
  dataUpgrade?: DataUpgradeHook;
}
