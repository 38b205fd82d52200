// A tiny ERP installation for tests: a SQLite database with shared tables and per-company tables
// named `<Company>$<Table>`, a server config and installation.yaml. With `problems` (default true)
// it plants one problem per ERP check, counted in the summary: an old version, a company whose name
// holds a `"` (so every identifier must be quoted), licensed users without a valid email and
// customer names with control characters.

import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Installation } from '../../domain/installation.ts';
import { writeInstallation } from '../../services/installation-file.ts';

export interface ErpFixtureOptions {
  /** Folder to create the installation in (created when missing). */
  dir: string;
  /** Plant the problems the ERP checks find. Default true. */
  problems?: boolean;
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

const q = (identifier: string): string => `"${identifier.replaceAll('"', '""')}"`;

const companyTables = {
  Customer: '"No_" TEXT PRIMARY KEY, "Name" TEXT NOT NULL, "City" TEXT, "Balance (LCY)" DECIMAL(38,20)',
  Vendor: '"No_" TEXT PRIMARY KEY, "Name" TEXT NOT NULL, "Country" TEXT',
  'G_L Entry':
    '"Entry No_" INTEGER PRIMARY KEY, "G_L Account No_" TEXT, "Amount" DECIMAL(38,20), "Posting Date" DATE',
  'Change Log Entry':
    '"Entry No_" INTEGER PRIMARY KEY, "Table No_" INTEGER, "Old Value" TEXT, "New Value" TEXT',
} as const;

export async function createErpFixture(options: ErpFixtureOptions): Promise<ErpFixture> {
  const problems = options.problems !== false;
  const dir = resolve(options.dir);
  await mkdir(dir, { recursive: true });
  const dbPath = join(dir, 'erp.db');
  const db = new Database(dbPath);
  const companies = ['CRONUS', 'Fabrikam', ...(problems ? ['Contoso "Test"'] : [])];
  const out: Record<string, string[]> = {};
  try {
    db.exec('BEGIN');
    db.exec(`
      CREATE TABLE "$ndo$dbproperty" ("id" INTEGER PRIMARY KEY, "applicationversion" TEXT NOT NULL);
      CREATE TABLE "Company" ("Name" TEXT PRIMARY KEY, "Display Name" TEXT);
      CREATE TABLE "User" ("User Security ID" TEXT PRIMARY KEY, "User Name" TEXT NOT NULL, "Full Name" TEXT,
        "Contact Email" TEXT, "License Type" TEXT, "State" INTEGER NOT NULL, "Is Super" BOOLEAN NOT NULL);
      CREATE TABLE "License Information" ("Line No_" INTEGER PRIMARY KEY, "Licensed To" TEXT, "Serial No_" TEXT);
      CREATE TABLE "Access Control" ("id" INTEGER PRIMARY KEY, "User Security ID" TEXT, "Role ID" TEXT, "Company Name" TEXT);
    `);
    db.prepare('INSERT INTO "$ndo$dbproperty" VALUES (1, ?)').run(problems ? '13.0.1' : '21.4.0');
    db.prepare('INSERT INTO "License Information" VALUES (1, ?, ?)').run('CRONUS Holding', 'BC-4471-0992');
    const user = db.prepare('INSERT INTO "User" VALUES (?, ?, ?, ?, ?, ?, ?)');
    const users: [string, string, string | null, string | null, number, number][] = [
      ['ADMIN', 'Annie Admin', 'annie@cronus.example', 'Full User', 0, 1],
      ['SALES', 'Sam Sales', 'sam@cronus.example', 'Full User', 0, 0],
      ['TEAM', 'Tess Team', 'tess@cronus.example', 'Team Member', 0, 0],
      ['OLD', 'Olaf Old', null, 'Full User', 1, 0], // disabled: no plan, no email needed
      ['NOLICENSE', 'Nora None', null, null, 0, 0],
      ['NOMAIL', 'Ned NoMail', problems ? null : 'ned@cronus.example', 'Full User', 0, 0],
      ['BADMAIL', 'Bea BadMail', problems ? 'bea at cronus' : 'bea@cronus.example', 'Team Member', 0, 0],
    ];
    users.forEach(([id, name, email, license, state, isSuper], i) =>
      user.run(`{${String(i + 1).padStart(8, '0')}-${id}}`, id, name, email, license, state, isSuper),
    );
    const access = db.prepare('INSERT INTO "Access Control" VALUES (?, ?, ?, ?)');
    let accessId = 0;
    for (const company of companies) {
      db.prepare('INSERT INTO "Company" VALUES (?, ?)').run(company, `${company} Ltd.`);
      for (const [name, columns] of Object.entries(companyTables)) {
        db.exec(`CREATE TABLE ${q(`${company}$${name}`)} (${columns})`);
      }
      out[company] = Object.keys(companyTables).map((t) => `${company}$${t}`);
      const customer = db.prepare(`INSERT INTO ${q(`${company}$Customer`)} VALUES (?, ?, ?, ?)`);
      for (let i = 1; i <= 25; i++) {
        const invalid = problems && company === 'CRONUS' && (i === 3 || i === 17);
        customer.run(
          `C${String(i).padStart(5, '0')}`,
          invalid ? `Kunde\u0001 ${i}` : `Customer ${i}`,
          'Oslo',
          `${i * 100}.50`,
        );
      }
      const vendor = db.prepare(`INSERT INTO ${q(`${company}$Vendor`)} VALUES (?, ?, ?)`);
      for (let i = 1; i <= 10; i++) vendor.run(`V${String(i).padStart(5, '0')}`, `Vendor ${i}`, 'NO');
      const entry = db.prepare(`INSERT INTO ${q(`${company}$G_L Entry`)} VALUES (?, ?, ?, ?)`);
      for (let i = 1; i <= 200; i++)
        entry.run(i, String(1000 + (i % 40)), `${(i * 7) % 1000}.25`, '2024-01-15');
      const log = db.prepare(`INSERT INTO ${q(`${company}$Change Log Entry`)} VALUES (?, ?, ?, ?)`);
      for (let i = 1; i <= 30; i++) log.run(i, 18, `old ${i}`, `new ${i}`);
      for (const role of ['SUPER', 'D365 BASIC']) access.run(++accessId, '{00000001-ADMIN}', role, company);
    }
    db.exec('COMMIT');
    db.exec('ANALYZE');
  } finally {
    db.close();
  }
  const serviceConfig = join(dir, 'server', 'erp-server.ini');
  await mkdir(join(dir, 'server'), { recursive: true });
  await writeFile(serviceConfig, '[Server]\nInstance = ERP\nFrozen = false\nLoginMode = normal\n', 'utf8');
  await mkdir(join(dir, 'archive'), { recursive: true });
  const installation: Installation = {
    name: 'erp-fixture',
    profile: 'erp',
    database: `sqlite:${dbPath}`,
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
