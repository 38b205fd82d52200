// Companion repair (`ferry repair-companions MIGRATION`): the application expects a companion
// (extension) row for every row of some base tables (ApplicationProfile.companionTables); the
// pre-migration check `*.missing-companion-records` counts the ones the source lacks. This inserts
// them in the loaded tenant — never in the source — with the profile's default values, through one
// INSERT … SELECT … WHERE NOT EXISTS per companion table, so repeating it inserts nothing.

import { openTarget } from '../connectors/registry.ts';
import type { Cell } from '../connectors/types.ts';
import { rowKeyOf } from '../engine/sanitize-text.ts';
import { assertNoCompanyBusy } from './company-busy.ts';
import type { ControlPlane } from './control-plane.ts';
import { getMigration } from './migrations.ts';
import { assertTenantLoaded } from './sanitize.ts';
import { getTenant } from './tenants.ts';

export interface CompanionRepairResult {
  base: string;
  companion: string;
  /** Companion rows inserted by this repair. */
  inserted: number;
  /** Set when the pair was not repaired (a table is missing from the tenant, keys do not match). */
  skipped?: string;
}

export interface CompanionRepairReport {
  migrationId: string;
  /** The tenant database, without its password. */
  database: string;
  companions: CompanionRepairResult[];
  inserted: number;
}

export async function repairCompanions(
  cp: ControlPlane,
  migrationId: string,
): Promise<CompanionRepairReport> {
  const migration = await getMigration(cp, migrationId);
  const profile = await cp.profiles(migration.profileId);
  await assertTenantLoaded(cp, migration);
  await assertNoCompanyBusy(cp, migrationId, 'companion rows cannot be repaired in the tenant now');
  const tenant = await getTenant(cp, migration.tenantId);
  const target = await openTarget(tenant.databaseUrl);
  try {
    const tables = new Map((await target.listTables()).map((t) => [t.name, t]));
    const companions: CompanionRepairResult[] = [];
    for (const rule of profile.companionTables) {
      const pair = { base: rule.base, companion: rule.companion };
      const base = tables.get(rule.base);
      const companion = tables.get(rule.companion);
      const missing = [base === undefined ? rule.base : null, companion === undefined ? rule.companion : null]
        .filter((n) => n !== null)
        .join(' and ');
      if (base === undefined || companion === undefined) {
        companions.push({ ...pair, inserted: 0, skipped: `the tenant has no table ${missing}` });
        continue;
      }
      const baseKey = rowKeyOf(base);
      const companionKey = rowKeyOf(companion);
      if (baseKey.length === 0 || baseKey.length !== companionKey.length) {
        companions.push({
          ...pair,
          inserted: 0,
          skipped: `the primary keys of ${rule.base} (${baseKey.join(', ') || 'none'}) and ${rule.companion} (${companionKey.join(', ') || 'none'}) do not pair up`,
        });
        continue;
      }
      const values: Record<string, Cell> = {};
      for (const [column, value] of Object.entries(rule.defaults))
        if (!companionKey.includes(column)) values[column] = value;
      const inserted = await target.insertMissingRows(
        { table: base, key: baseKey },
        { table: companion, key: companionKey },
        values,
      );
      companions.push({ ...pair, inserted });
    }
    return {
      migrationId,
      database: target.location,
      companions,
      inserted: companions.reduce((n, c) => n + c.inserted, 0),
    };
  } finally {
    await target.close();
  }
}
