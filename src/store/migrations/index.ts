// Versioned schema migrations for the control plane's own tables, applied in key order. Add a new
// file and a line here; never edit a migration that has shipped.

import type { Migration, MigrationProvider } from 'kysely';
import { runsMigration } from './0001-runs.ts';
import { controlPlaneMigration } from './0002-control-plane.ts';
import { usersMigration } from './0003-users.ts';
import { documentsMigration } from './0004-documents.ts';
import { runRequestsMigration } from './0005-run-requests.ts';
import { incrementalMigration } from './0006-incremental.ts';
import { runLeasesMigration } from './0007-run-leases.ts';
import { tableMappingsMigration } from './0008-table-mappings.ts';
import { dataQualityMigration } from './0009-data-quality.ts';
import { runControlMigration } from './0011-run-control.ts';
import { companyInitializationsMigration } from './0010-company-initializations.ts';
import { smtpSecretMigration } from './0012-smtp-secret.ts';
import { scaleOutRunsMigration } from './0013-scale-out-runs.ts';

const migrations: Record<string, Migration> = {
  '0001_runs': runsMigration,
  '0002_control_plane': controlPlaneMigration,
  '0003_users': usersMigration,
  '0004_documents': documentsMigration,
  '0005_run_requests': runRequestsMigration,
  '0006_incremental': incrementalMigration,
  '0007_run_leases': runLeasesMigration,
  '0008_table_mappings': tableMappingsMigration,
  '0009_data_quality': dataQualityMigration,
  '0010_company_initializations': companyInitializationsMigration,
  '0011_run_control': runControlMigration,
  '0012_smtp_secret': smtpSecretMigration,
  '0013_scale_out_runs': scaleOutRunsMigration,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
