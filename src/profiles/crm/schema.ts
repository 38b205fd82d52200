// The reference CRM's tables, described once in a small dialect-neutral vocabulary. The per-dialect
// DDL (ddl-sqlite.ts, ddl-mysql.ts, ddl-postgres.ts) maps these column types to native types.
//
// Every table has a primary key except `audit_log`. `role_permissions` is a permission table that a
// migration does not carry. `company_extensions` is the companion (extension) table of `companies`:
// one row per company, keyed by the company's id, which the application expects to exist (the
// generator plants companies without one; `ferry repair-companions` inserts them in the tenant).
// Column names `order` and `Display Name` exercise identifier quoting.

export type CrmColumnType =
  | { kind: 'bigint' }
  | { kind: 'int' }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'float' }
  | { kind: 'double' }
  | { kind: 'boolean' }
  | { kind: 'date' }
  /** DATETIME(3): wall-clock time with milliseconds, no time zone. */
  | { kind: 'datetime' }
  /** TIMESTAMP: an instant, written in UTC. */
  | { kind: 'timestamp' }
  | { kind: 'varchar'; length: number }
  | { kind: 'char'; length: number }
  | { kind: 'text' }
  | { kind: 'json' }
  | { kind: 'blob' }
  | { kind: 'enum'; values: readonly string[] };

export interface CrmColumn {
  name: string;
  type: CrmColumnType;
  nullable: boolean;
}

export interface CrmIndex {
  name: string;
  columns: string[];
}

export interface CrmTable {
  name: string;
  columns: CrmColumn[];
  /** Empty for the one table without a primary key (`audit_log`). */
  primaryKey: string[];
  indexes: CrmIndex[];
}

export type CrmSize = 'small' | 'medium' | 'large';
export const crmSizes: readonly CrmSize[] = ['small', 'medium', 'large'];

const bigint = { kind: 'bigint' } as const;
const int = { kind: 'int' } as const;
const amount = { kind: 'decimal', precision: 18, scale: 4 } as const;
const bool = { kind: 'boolean' } as const;
const date = { kind: 'date' } as const;
const datetime = { kind: 'datetime' } as const;
const timestamp = { kind: 'timestamp' } as const;
const text = { kind: 'text' } as const;
const json = { kind: 'json' } as const;
const varchar = (length: number) => ({ kind: 'varchar', length }) as const;

const col = (name: string, type: CrmColumnType, nullable = false): CrmColumn => ({ name, type, nullable });

export const companyStatuses = ['prospect', 'customer', 'partner', 'inactive'] as const;
export const userPlans = ['standard', 'sales', 'service', 'marketing'] as const;
export const appointmentStatuses = ['planned', 'done', 'cancelled'] as const;

export const crmTables: readonly CrmTable[] = [
  {
    name: 'user_groups',
    columns: [col('id', bigint), col('name', varchar(100)), col('description', varchar(400), true)],
    primaryKey: ['id'],
    indexes: [],
  },
  {
    name: 'companies',
    columns: [
      col('id', bigint),
      col('name', varchar(200)),
      col('Display Name', varchar(200), true),
      col('city', varchar(100), true),
      col('country', varchar(2), true),
      col('status', { kind: 'enum', values: companyStatuses }),
      col('revenue', amount, true),
      col('employees', int, true),
      col('rating', { kind: 'float' }, true),
      col('founded_on', date, true),
      col('external_ref', bigint, true),
      col('settings', json, true),
      col('created_at', timestamp),
    ],
    primaryKey: ['id'],
    indexes: [{ name: 'companies_name', columns: ['name'] }],
  },
  {
    name: 'company_extensions',
    columns: [
      col('company_id', bigint),
      col('segment', varchar(40)),
      col('newsletter', bool),
      col('account_manager_id', bigint, true),
      col('notes', varchar(400), true),
    ],
    primaryKey: ['company_id'],
    indexes: [],
  },
  {
    name: 'persons',
    columns: [
      col('id', bigint),
      col('company_id', bigint, true),
      col('first_name', varchar(100)),
      col('last_name', varchar(100)),
      col('email', varchar(200), true),
      col('phone', varchar(40), true),
      col('birth_date', date, true),
      col('score', { kind: 'double' }, true),
      col('is_active', bool),
      col('updated_at', datetime),
    ],
    primaryKey: ['id'],
    indexes: [{ name: 'persons_company', columns: ['company_id'] }],
  },
  {
    name: 'users',
    columns: [
      col('id', bigint),
      col('person_id', bigint, true),
      col('login', varchar(100)),
      col('full_name', varchar(200)),
      col('group_id', bigint, true),
      col('position', varchar(100), true),
      col('plan', { kind: 'enum', values: userPlans }, true),
      col('is_administrator', bool),
      col('on_travel', bool),
      col('created_at', timestamp),
    ],
    primaryKey: ['id'],
    indexes: [],
  },
  {
    name: 'user_emails',
    columns: [
      col('id', bigint),
      col('user_id', bigint),
      col('email', varchar(200)),
      col('is_primary', bool),
      col('order', int),
    ],
    primaryKey: ['id'],
    indexes: [{ name: 'user_emails_user', columns: ['user_id'] }],
  },
  {
    name: 'satellites',
    columns: [
      col('id', bigint),
      col('name', varchar(100)),
      col('is_active', bool),
      col('last_sync', datetime, true),
    ],
    primaryKey: ['id'],
    indexes: [],
  },
  {
    name: 'user_preferences',
    columns: [
      col('id', bigint),
      col('user_id', bigint),
      col('section', varchar(100)),
      col('pref_key', varchar(100)),
      col('pref_value', varchar(1000), true),
    ],
    primaryKey: ['id'],
    indexes: [{ name: 'user_preferences_user', columns: ['user_id'] }],
  },
  {
    name: 'appointments',
    columns: [
      col('id', bigint),
      col('person_id', bigint, true),
      col('company_id', bigint, true),
      col('user_id', bigint),
      col('title', varchar(200)),
      col('description', text, true),
      col('location', varchar(200), true),
      col('starts_at', datetime),
      col('ends_at', datetime, true),
      col('amount', amount, true),
      col('status', { kind: 'enum', values: appointmentStatuses }),
      col('is_private', bool),
    ],
    primaryKey: ['id'],
    indexes: [{ name: 'appointments_person', columns: ['person_id'] }],
  },
  {
    name: 'documents',
    columns: [
      col('id', bigint),
      col('company_id', bigint, true),
      col('title', varchar(200)),
      col('file_path', varchar(500)),
      col('size_bytes', bigint),
      col('sha256', { kind: 'char', length: 64 }),
      col('mime_type', varchar(100)),
      col('created_at', timestamp),
    ],
    primaryKey: ['id'],
    indexes: [{ name: 'documents_company', columns: ['company_id'] }],
  },
  {
    name: 'document_contents',
    columns: [
      col('id', bigint),
      col('document_id', bigint),
      col('content_type', varchar(100)),
      col('content', { kind: 'blob' }, true),
    ],
    primaryKey: ['id'],
    indexes: [],
  },
  {
    name: 'scheduled_tasks',
    columns: [
      col('id', bigint),
      col('name', varchar(200)),
      col('cron', varchar(100)),
      col('enabled', bool),
      col('last_run_at', timestamp, true),
      col('settings', json, true),
    ],
    primaryKey: ['id'],
    indexes: [],
  },
  {
    name: 'app_authorizations',
    columns: [
      col('id', bigint),
      col('app_name', varchar(200)),
      col('client_id', varchar(100)),
      col('scopes', varchar(500), true),
      col('granted_by_user_id', bigint, true),
      col('granted_at', timestamp),
    ],
    primaryKey: ['id'],
    indexes: [],
  },
  {
    name: 'system_users',
    columns: [
      col('id', bigint),
      col('name', varchar(100)),
      col('kind', varchar(40)),
      col('is_enabled', bool),
    ],
    primaryKey: ['id'],
    indexes: [],
  },
  {
    name: 'role_permissions',
    columns: [
      col('id', bigint),
      col('role_name', varchar(100)),
      col('permission', varchar(100)),
      col('allowed', bool),
    ],
    primaryKey: ['id'],
    indexes: [],
  },
  {
    name: 'license',
    columns: [
      col('id', bigint),
      col('company_name', varchar(200)),
      col('serial_number', varchar(40)),
      col('seats', int),
      col('expires_on', date, true),
    ],
    primaryKey: ['id'],
    indexes: [],
  },
  {
    name: 'app_version',
    columns: [col('id', bigint), col('version', varchar(20)), col('installed_at', datetime)],
    primaryKey: ['id'],
    indexes: [],
  },
  {
    name: 'audit_log',
    columns: [
      col('occurred_at', datetime),
      col('user_id', bigint, true),
      col('action', varchar(40)),
      col('detail', varchar(1000), true),
    ],
    primaryKey: [],
    indexes: [],
  },
];

export const crmTableNames: readonly string[] = crmTables.map((t) => t.name);

/** Rows per table for each size. small ≈ 5,000 rows, medium ≈ 300,000, large ≈ 3,000,000. */
export const crmRowCounts: Record<CrmSize, Record<string, number>> = {
  small: {
    user_groups: 6,
    companies: 200,
    company_extensions: 0, // derived from companies, see rowCount
    persons: 1000,
    users: 50,
    user_emails: 0, // derived from users, see userEmailCount
    satellites: 5,
    user_preferences: 300,
    appointments: 2500,
    documents: 400,
    document_contents: 60,
    scheduled_tasks: 20,
    app_authorizations: 5,
    system_users: 5,
    role_permissions: 100,
    license: 1,
    app_version: 1,
    audit_log: 200,
  },
  medium: {
    user_groups: 12,
    companies: 15_000,
    company_extensions: 0, // derived from companies, see rowCount
    persons: 80_000,
    users: 400,
    user_emails: 0,
    satellites: 10,
    user_preferences: 4_000,
    appointments: 150_000,
    documents: 10_000,
    document_contents: 6_000,
    scheduled_tasks: 200,
    app_authorizations: 20,
    system_users: 5,
    role_permissions: 1_000,
    license: 1,
    app_version: 1,
    audit_log: 30_000,
  },
  large: {
    user_groups: 30,
    companies: 200_000,
    company_extensions: 0, // derived from companies, see rowCount
    persons: 1_000_000,
    users: 2_000,
    user_emails: 0,
    satellites: 20,
    user_preferences: 20_000,
    appointments: 1_100_000,
    documents: 60_000,
    document_contents: 60_000,
    scheduled_tasks: 1_000,
    app_authorizations: 50,
    system_users: 5,
    role_permissions: 5_000,
    license: 1,
    app_version: 1,
    audit_log: 600_000,
  },
};

export function crmTable(name: string): CrmTable {
  const table = crmTables.find((t) => t.name === name);
  if (table === undefined) throw new Error(`no CRM table ${name}`);
  return table;
}

/** One dialect's DDL for the CRM tables (ddl-sqlite.ts, ddl-mysql.ts, ddl-postgres.ts). */
export interface CrmDdl {
  quote(identifier: string): string;
  /** CREATE TABLE, with the primary key when the dialect loads faster that way. */
  createTable(table: CrmTable): string;
  /** Statements to run after the table's rows are loaded (late primary key, indexes). */
  afterLoad(table: CrmTable): string[];
  dropTable(table: CrmTable): string;
}
