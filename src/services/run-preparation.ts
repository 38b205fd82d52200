// What a run of a migration needs before it may start: its migration, profile, installation and
// tenant, the license the session is bound to, and which tables it takes (companies, exclusions,
// table mappings) — read when the run is created and again whenever it executes (a worker, a
// resume), so a changed license is found at every start. Also where a diagnostic run writes (a
// scratch copy next to the tenant, dropped afterwards) and which documents a kind uploads.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseConnectionUrl } from '../connectors/connection-url.ts';
import { openSource, openTarget } from '../connectors/registry.ts';
import { FerryError } from '../domain/errors.ts';
import type { Installation } from '../domain/installation.ts';
import type { RunKind } from '../domain/migration-rules.ts';
import type { TableMappings } from '../domain/table-mappings.ts';
import type { ApplicationProfile, License } from '../profiles/profile.ts';
import type { UploadMode } from '../storage/document-outcomes.ts';
import type { UploadReport } from '../storage/upload-documents.ts';
import type { MigrationRecord, TenantRecord } from '../store/migration-repository.ts';
import type { ControlPlane } from './control-plane.ts';
import { uploadMigrationDocuments } from './document-uploads.ts';
import { readInstallation } from './installation-file.ts';
import { getMigration } from './migrations.ts';
import { successfulLoads } from './run-kind-choice.ts';
import { tableMappingsForRun } from './table-mappings.ts';
import { getTenant } from './tenants.ts';

export interface PreparedRun {
  migration: MigrationRecord;
  profile: ApplicationProfile;
  installation: Installation;
  tenant: TenantRecord;
  license: License;
  /** Which tables, and the migration's table mappings (renames, splits, exclusions). */
  tableOptions: { tables?: string[]; exclude?: string[]; mappings?: TableMappings };
}

export async function prepareMigrationRun(cp: ControlPlane, migrationId: string): Promise<PreparedRun> {
  const migration = await getMigration(cp, migrationId);
  const profile = await cp.profiles(migration.profileId);
  const installation = await readInstallation(migration.installationPath);
  const tenant = await getTenant(cp, migration.tenantId);
  const mappings = await tableMappingsForRun(cp, migration.id);
  const source = await openSource(installation.database);
  try {
    const tables = await source.listTables();
    const ctx = { installation, source, tables };
    const license = await profile.license.read(ctx);
    // Tables the application never migrates (e.g. permissions) stay out; the setup checklist lists them.
    const excluded = tables
      .map((t) => t.name)
      .filter((name) =>
        profile.excludedTables.some((e) =>
          typeof e.table === 'string' ? e.table === name : e.table.test(name),
        ),
      );
    let selected: string[] | undefined;
    if (migration.selectedCompanies !== null) {
      const companies = await profile.companies.list(ctx);
      const chosen = companies.filter((c) => migration.selectedCompanies!.includes(c.id));
      selected = [
        ...new Set([...profile.companies.sharedTables(tables), ...chosen.flatMap((c) => c.tables)]),
      ].filter((name) => !excluded.includes(name));
    }
    return {
      migration,
      profile,
      installation,
      tenant,
      license,
      tableOptions: {
        ...(selected === undefined ? { exclude: excluded } : { tables: selected }),
        ...(mappings === undefined ? {} : { mappings }),
      },
    };
  } finally {
    await source.close();
  }
}

/** Uploads the migration's documents for `runId` (its upload session) in `mode`. */
export function uploadPreparedDocuments(
  cp: ControlPlane,
  prepared: PreparedRun,
  runId: string,
  mode: UploadMode,
  signal: AbortSignal,
): Promise<UploadReport | null> {
  return uploadMigrationDocuments({
    cp,
    migrationId: prepared.migration.id,
    runId,
    installation: prepared.installation,
    profile: prepared.profile,
    tenant: prepared.tenant,
    mode,
    signal,
  });
}

export function uploadModeFor(kind: RunKind): UploadMode {
  if (kind === 'recovery-overwrite-test') return 'overwrite-test';
  if (kind === 'recovery-missing-files') return 'missing-files';
  // Incremental and final runs follow earlier uploads: blobs already there with the same
  // checksum are skipped ('unchanged') in every mode.
  return 'initial';
}

/** The last run that loaded the tenant (what an incremental run brings up to date). */
export async function lastLoad(cp: ControlPlane, migrationId: string): Promise<string> {
  const last = (await successfulLoads(cp, migrationId))[0];
  if (last === undefined) {
    throw new FerryError(
      'FERRY_ILLEGAL_TRANSITION',
      `migration ${migrationId} has no completed load yet: an incremental run needs one`,
      { hint: 'Run a test or full run first: `ferry run MIGRATION --kind test`.' },
    );
  }
  return last.id;
}

/** Where a diagnostic run writes: a scratch database of the tenant's kind, next to it (emptied first). */
export function diagnosticTarget(tenant: TenantRecord, home: string): string {
  const parsed = parseConnectionUrl(tenant.databaseUrl);
  if (parsed.dialect === 'sqlite') {
    const path = join(home, 'tenants', tenant.id, 'diagnostic.db');
    removeSqliteFile(path);
    return `sqlite:${path}`;
  }
  const url = new URL(tenant.databaseUrl);
  url.searchParams.set('schema', `${parsed.schema ?? 'public'}_diagnostic`);
  return url.toString();
}

function removeSqliteFile(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}

/** Drops a diagnostic run's scratch copy (its target), wherever the run executed. */
export async function dropDiagnosticScratch(scratchUrl: string): Promise<void> {
  const parsed = parseConnectionUrl(scratchUrl);
  if (parsed.dialect === 'sqlite') {
    removeSqliteFile(scratchUrl.replace(/^sqlite:/, ''));
    return;
  }
  const target = await openTarget(scratchUrl);
  try {
    await target.dropTables((await target.listTables()).map((t) => t.name));
  } finally {
    await target.close();
  }
}
