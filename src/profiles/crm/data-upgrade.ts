// The reference CRM's data upgrade: what the cloud CRM (version 11.0) expects of data migrated
// from an on-premises CRM 10.x, applied to the TENANT database by a `data-upgrade` run (the
// source is never touched).
//
//   11.0  crm.persons-full-name   persons get a `full_name` column (the cloud CRM's search and
//                                 lists use it), filled from first and last name
//
// The tenant's data version is its `app_version` table, as in the on-premises CRM: the highest
// version row. A load copies the source's row (e.g. 10.3); the upgrade adds a row for the version
// it reached. A later full reload replaces the table with the source's again, so the upgrade is
// due again, as it should be. Every statement is plain SQL both tenant dialects (PostgreSQL,
// SQLite) accept, with identifiers quoted by the tenant dialect and no values from the data.

import type { Cell, ReadWarnings, TableSchema, TargetTableDef } from '../../connectors/types.ts';
import { FerryError } from '../../domain/errors.ts';
import type { DataUpgradeContext, DataUpgradeHook, DataUpgradeStep } from '../profile.ts';
import { compareVersions } from '../source-rows.ts';

const VERSION_TABLE = 'app_version';

function requireTenantTable(ctx: DataUpgradeContext, name: string): TableSchema {
  const table = ctx.tables.find((t) => t.name === name);
  if (table === undefined)
    throw new FerryError(
      'FERRY_TABLE_NOT_FOUND',
      `the tenant has no table "${name}": the CRM data upgrade needs the migrated CRM tables`,
      { hint: 'Run a test or full run that loads the tenant first.', details: { table: name } },
    );
  return table;
}

async function* cells(
  ctx: DataUpgradeContext,
  table: TableSchema,
  columns: string[],
): AsyncGenerator<Cell[]> {
  const warnings: ReadWarnings = { invalidUtf8: 0, zeroDates: 0 };
  const range = { key: table.primaryKey ?? [], lower: null, upper: null };
  const options = {
    batchRows: 2_000,
    batchBytes: 4 * 1024 * 1024,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  };
  for await (const batch of ctx.target.read(table, columns, range, options, warnings)) yield* batch.rows;
}

/** The tenant's table as a write target (its columns as they are in the tenant). */
function asTargetTable(table: TableSchema): TargetTableDef {
  return {
    name: table.name,
    columns: table.columns.map((c) => ({
      name: c.name,
      nativeType: c.nativeType,
      type: c.type,
      nullable: c.nullable,
      defaultSql: null,
      generatedSql: null,
    })),
    primaryKey: table.primaryKey,
    uniqueConstraints: [],
    indexes: [],
    foreignKeys: [],
  };
}

const personsFullName: DataUpgradeStep = {
  version: '11.0',
  id: 'crm.persons-full-name',
  title: 'persons.full_name from first and last name',
  async apply(ctx) {
    const q = (name: string) => ctx.dialect.quoteIdentifier(name);
    let persons = requireTenantTable(ctx, 'persons');
    if (!persons.columns.some((c) => c.name === 'full_name')) {
      const mapped = ctx.dialect.mapColumn(
        {
          name: 'full_name',
          nativeType: 'varchar(201)',
          type: { kind: 'text', maxLength: 201, fixed: false },
          nullable: true,
          default: null,
          autoIncrement: false,
          generated: null,
        },
        ctx.dialect.dialect,
      );
      if (!mapped.ok)
        throw new FerryError('FERRY_INTERNAL', `cannot map persons.full_name: ${mapped.reason}`);
      await ctx.target.execute([
        `ALTER TABLE ${q('persons')} ADD COLUMN ${q('full_name')} ${mapped.column.nativeType}`,
      ]);
      persons = requireTenantTable({ ...ctx, tables: await ctx.target.listTables() }, 'persons');
    }
    let missing = 0;
    for await (const row of cells(ctx, persons, ['full_name'])) if (row[0] === null) missing++;
    if (missing > 0)
      await ctx.target.execute([
        `UPDATE ${q('persons')} SET ${q('full_name')} = ${q('first_name')} || ' ' || ${q('last_name')} ` +
          `WHERE ${q('full_name')} IS NULL`,
      ]);
    return {
      table: 'persons',
      rowsChanged: missing,
      message:
        missing > 0
          ? `full_name filled for ${missing} person(s) from first and last name`
          : 'every person already has a full_name',
    };
  },
};

export const crmDataUpgrade: DataUpgradeHook = {
  steps: [personsFullName],

  async readVersion(ctx) {
    const table = ctx.tables.find((t) => t.name === VERSION_TABLE);
    if (table === undefined) return null;
    let best: string | null = null;
    for await (const [version] of cells(ctx, table, ['version'])) {
      const text = typeof version === 'string' ? version.trim() : '';
      if (text !== '' && (best === null || compareVersions(text, best) > 0)) best = text;
    }
    return best;
  },

  async recordVersion(ctx, version) {
    const table = requireTenantTable(ctx, VERSION_TABLE);
    let maxId = 0n;
    for await (const [id, existing] of cells(ctx, table, ['id', 'version'])) {
      if (existing === version) return;
      if (typeof id === 'string' && BigInt(id) > maxId) maxId = BigInt(id);
    }
    const installedAt = new Date().toISOString().replace('T', ' ').slice(0, 19);
    const columns = ['id', 'version', 'installed_at'];
    const row: Cell[] = [(maxId + 1n).toString(), version, installedAt];
    await ctx.target.write(
      asTargetTable(table),
      columns,
      (async function* () {
        yield { rows: [row], bytes: 64 };
      })(),
    );
  },
};
