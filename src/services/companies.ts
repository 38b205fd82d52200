// Select companies: how the installation's source splits into companies (the profile says), each
// with its estimated size, and which of them a run takes.

import { openSource } from '../connectors/registry.ts';
import { FerryError } from '../domain/errors.ts';
import type { MigrationRecord } from '../store/migration-repository.ts';
import { assertSelectionChangeAllowed } from './company-busy.ts';
import { type ControlPlane } from './control-plane.ts';
import { readInstallation } from './installation-file.ts';
import { selectCompanies } from './migration-lifecycle.ts';
import { getMigration } from './migrations.ts';

export interface CompanyEstimate {
  id: string;
  name: string;
  tables: string[];
  /** The profile's estimate: the company's tables' rows and bytes (catalog statistics). */
  estimatedRows: number;
  estimatedBytes: number;
  /** Whether the next run takes it. */
  selected: boolean;
}

export async function listCompanies(cp: ControlPlane, migrationId: string): Promise<CompanyEstimate[]> {
  const migration = await getMigration(cp, migrationId);
  const profile = await cp.profiles(migration.profileId);
  const installation = await readInstallation(migration.installationPath);
  const source = await openSource(installation.database);
  try {
    const tables = await source.listTables();
    const companies = await profile.companies.list({ installation, source, tables });
    return companies.map((c) => ({
      id: c.id,
      name: c.name,
      tables: c.tables,
      estimatedRows: c.estimatedRows,
      estimatedBytes: c.estimatedBytes,
      selected: migration.selectedCompanies === null || migration.selectedCompanies.includes(c.id),
    }));
  } finally {
    await source.close();
  }
}

/** Sets the companies a run takes; every id must be one the profile lists. Null selects all. */
export async function chooseCompanies(
  cp: ControlPlane,
  migrationId: string,
  companyIds: string[] | null,
): Promise<MigrationRecord> {
  if (companyIds !== null) {
    const known = new Set((await listCompanies(cp, migrationId)).map((c) => c.id));
    const unknown = companyIds.filter((id) => !known.has(id));
    if (unknown.length > 0 || companyIds.length === 0)
      throw new FerryError(
        'FERRY_INVALID_ARGUMENT',
        companyIds.length === 0
          ? 'select at least one company'
          : `unknown company id(s): ${unknown.join(', ')}; \`ferry migration companies ${migrationId}\` lists them`,
      );
  }
  // A company being initialized cannot join or leave the selection until its job has ended.
  await assertSelectionChangeAllowed(cp, await getMigration(cp, migrationId), companyIds);
  return selectCompanies(cp, migrationId, companyIds);
}
