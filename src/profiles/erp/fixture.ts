// A tiny ERP installation for tests: shared tables and per-company tables named `<Company>$<Table>`
// in a SQLite file (default), a MariaDB/MySQL database or a PostgreSQL schema (`db`), a server
// config and installation.yaml. With `problems` (default true) it plants one problem per ERP
// check, counted in the summary: an old version, a company whose name holds a `"` (so every
// identifier must be quoted), licensed users without a valid email and customer names with
// control characters.

import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Installation } from '../../domain/installation.ts';
import { writeInstallation } from '../../services/installation-file.ts';
import { type FixtureColumn, type FixtureValue, openFixtureDatabase } from './fixture-database.ts';

export interface ErpFixtureOptions {
  /** Folder to create the installation in (created when missing). */
  dir: string;
  /** Plant the problems the ERP checks find. Default true. */
  problems?: boolean;
  /** Database URL (`mysql://…/db`, `postgres://…/db?schema=erp`, an empty database). Default `sqlite:DIR/erp.db`. */
  db?: string;
}

export interface ErpFixture {
  installationFile: string;
  installation: Installation;
  /** Company name → its tables, as created. */
  companies: Record<string, string[]>;
  sharedTables: string[];
  /** Check id → the count that check must report. */
  expected: Record<string, number>;
}

const key = (name: string): FixtureColumn => ({ name, type: 'key', primaryKey: true });
const intKey = (name: string): FixtureColumn => ({ name, type: 'integer', primaryKey: true });
const col = (name: string, type: FixtureColumn['type'], notNull = false): FixtureColumn => ({
  name,
  type,
  notNull,
});

const sharedTableColumns: Record<string, FixtureColumn[]> = {
  $ndo$dbproperty: [intKey('id'), col('applicationversion', 'text', true)],
  Company: [key('Name'), col('Display Name', 'text')],
  User: [
    key('User Security ID'),
    col('User Name', 'text', true),
    col('Full Name', 'text'),
    col('Contact Email', 'text'),
    col('License Type', 'text'),
    col('State', 'integer', true),
    col('Is Super', 'boolean', true),
  ],
  'License Information': [intKey('Line No_'), col('Licensed To', 'text'), col('Serial No_', 'text')],
  'Access Control': [
    intKey('id'),
    col('User Security ID', 'text'),
    col('Role ID', 'text'),
    col('Company Name', 'text'),
  ],
};

const companyTableColumns: Record<string, FixtureColumn[]> = {
  Customer: [key('No_'), col('Name', 'text', true), col('City', 'text'), col('Balance (LCY)', 'decimal')],
  Vendor: [key('No_'), col('Name', 'text', true), col('Country', 'text')],
  'G_L Entry': [
    intKey('Entry No_'),
    col('G_L Account No_', 'text'),
    col('Amount', 'decimal'),
    col('Posting Date', 'date'),
  ],
  'Change Log Entry': [
    intKey('Entry No_'),
    col('Table No_', 'integer'),
    col('Old Value', 'text'),
    col('New Value', 'text'),
  ],
};

export async function createErpFixture(options: ErpFixtureOptions): Promise<ErpFixture> {
  const problems = options.problems !== false;
  const dir = resolve(options.dir);
  await mkdir(dir, { recursive: true });
  const database = options.db ?? `sqlite:${join(dir, 'erp.db')}`;
  const companies = ['CRONUS', 'Fabrikam', ...(problems ? ['Contoso "Test"'] : [])];
  const out: Record<string, string[]> = {};
  const db = await openFixtureDatabase(database);
  try {
    for (const [name, columns] of Object.entries(sharedTableColumns)) await db.createTable(name, columns);
    await db.insert('$ndo$dbproperty', [[1, problems ? '13.0.1' : '21.4.0']]);
    await db.insert('License Information', [[1, 'CRONUS Holding', 'BC-4471-0992']]);
    const users: [string, string, string | null, string | null, number, boolean][] = [
      ['ADMIN', 'Annie Admin', 'annie@cronus.example', 'Full User', 0, true],
      ['SALES', 'Sam Sales', 'sam@cronus.example', 'Full User', 0, false],
      ['TEAM', 'Tess Team', 'tess@cronus.example', 'Team Member', 0, false],
      ['OLD', 'Olaf Old', null, 'Full User', 1, false], // disabled: no plan, no email needed
      ['NOLICENSE', 'Nora None', null, null, 0, false],
      ['NOMAIL', 'Ned NoMail', problems ? null : 'ned@cronus.example', 'Full User', 0, false],
      ['BADMAIL', 'Bea BadMail', problems ? 'bea at cronus' : 'bea@cronus.example', 'Team Member', 0, false],
    ];
    await db.insert(
      'User',
      users.map(([id, name, email, license, state, isSuper], i) => [
        `{${String(i + 1).padStart(8, '0')}-${id}}`,
        id,
        name,
        email,
        license,
        state,
        isSuper,
      ]),
    );
    const access: FixtureValue[][] = [];
    const companyRows: FixtureValue[][] = [];
    for (const company of companies) {
      companyRows.push([company, `${company} Ltd.`]);
      for (const [name, columns] of Object.entries(companyTableColumns))
        await db.createTable(`${company}$${name}`, columns);
      out[company] = Object.keys(companyTableColumns).map((t) => `${company}$${t}`);
      const customers: FixtureValue[][] = [];
      for (let i = 1; i <= 25; i++) {
        const invalid = problems && company === 'CRONUS' && (i === 3 || i === 17);
        customers.push([
          `C${String(i).padStart(5, '0')}`,
          invalid ? `Kunde\u0001 ${i}` : `Customer ${i}`,
          'Oslo',
          `${i * 100}.50`,
        ]);
      }
      await db.insert(`${company}$Customer`, customers);
      const vendors: FixtureValue[][] = [];
      for (let i = 1; i <= 10; i++) vendors.push([`V${String(i).padStart(5, '0')}`, `Vendor ${i}`, 'NO']);
      await db.insert(`${company}$Vendor`, vendors);
      const entries: FixtureValue[][] = [];
      for (let i = 1; i <= 200; i++)
        entries.push([i, String(1000 + (i % 40)), `${(i * 7) % 1000}.25`, '2024-01-15']);
      await db.insert(`${company}$G_L Entry`, entries);
      const log: FixtureValue[][] = [];
      for (let i = 1; i <= 30; i++) log.push([i, 18, `old ${i}`, `new ${i}`]);
      await db.insert(`${company}$Change Log Entry`, log);
      for (const role of ['SUPER', 'D365 BASIC'])
        access.push([access.length + 1, '{00000001-ADMIN}', role, company]);
    }
    await db.insert('Company', companyRows);
    await db.insert('Access Control', access);
    await db.analyze([...Object.keys(sharedTableColumns), ...Object.values(out).flat()]);
  } finally {
    await db.close();
  }
  const serviceConfig = join(dir, 'server', 'erp-server.ini');
  await mkdir(join(dir, 'server'), { recursive: true });
  await writeFile(serviceConfig, '[Server]\nInstance = ERP\nFrozen = false\nLoginMode = normal\n', 'utf8');
  await mkdir(join(dir, 'archive'), { recursive: true });
  const installation: Installation = {
    name: 'erp-fixture',
    profile: 'erp',
    database,
    archive: join(dir, 'archive'),
    serviceConfig,
  };
  const installationFile = join(dir, 'installation.yaml');
  await writeInstallation(installationFile, installation);
  return {
    installationFile,
    installation,
    companies: out,
    sharedTables: ['$ndo$dbproperty', 'Company', 'User', 'License Information'],
    expected: {
      'erp.version': problems ? 1 : 0,
      'erp.company-names': problems ? 1 : 0,
      'erp.licensed-users-valid-email': problems ? 2 : 0,
      'erp.invalid-characters': problems ? 2 : 0,
      'erp.excluded-tables': 1 + companies.length,
    },
  };
}
