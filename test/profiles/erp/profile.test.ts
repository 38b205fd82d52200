// The erp profile proves the profile interface is general: a source split into companies by
// table-name prefix (`CRONUS$Customer`), a company whose name holds a `"`, its own checks, and
// every hook working through the same services as crm — on a SQLite, a MariaDB and a PostgreSQL
// source, like crm's checks. Its freeze hook writes only the server config's [Server] section.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSource } from '../../../src/connectors/registry.ts';
import type { SourceConnection } from '../../../src/connectors/types.ts';
import { companyOf } from '../../../src/profiles/erp/companies.ts';
import { companyNameProblem } from '../../../src/profiles/erp/checks.ts';
import type { ErpFixture } from '../../../src/profiles/erp/fixture.ts';
import { createErpFixture } from '../../../src/profiles/erp/fixture.ts';
import { erpProfile } from '../../../src/profiles/erp/profile.ts';
import type { ProfileContext } from '../../../src/profiles/profile.ts';
import { readFile, writeFile } from 'node:fs/promises';
import { isFerryError } from '../../../src/domain/errors.ts';
import { erpFreeze } from '../../../src/profiles/erp/hooks.ts';
import { runChecks } from '../../../src/services/checks.ts';
import {
  freshDatabase,
  skipUnless,
  tempDir,
  type ServerKind,
  type TestDatabase,
} from '../../support/servers.ts';

void describe('erp company layout (pure)', () => {
  void it('takes the company from the prefix before the first $', () => {
    assert.equal(companyOf('CRONUS$Customer'), 'CRONUS');
    assert.equal(companyOf('Fabrikam$G_L Entry'), 'Fabrikam');
    assert.equal(companyOf('Company'), null);
    assert.equal(companyOf('$ndo$dbproperty'), null, 'a leading $ is a shared system table');
  });

  void it('rejects company names the cloud does not accept', () => {
    assert.equal(companyNameProblem('CRONUS'), null);
    assert.match(companyNameProblem('Contoso "Test"') ?? '', /contains "\\""/);
    assert.match(companyNameProblem('A/B') ?? '', /contains "\/"/);
    assert.match(companyNameProblem('x'.repeat(31)) ?? '', /31 characters/);
    assert.match(companyNameProblem(' Lead') ?? '', /space/);
  });
});

type Kind = 'sqlite' | ServerKind;

/** A fresh database of `kind` for a fixture (PostgreSQL: schema `erp`); undefined for SQLite. */
async function fixtureDatabase(kind: Kind, prefix: string): Promise<TestDatabase | undefined> {
  return kind === 'sqlite' ? undefined : freshDatabase(kind, prefix);
}
const urlOf = (kind: Kind, db: TestDatabase | undefined): { db?: string } =>
  db === undefined ? {} : { db: kind === 'postgres' ? `${db.url}?schema=erp` : db.url };

for (const kind of ['sqlite', 'mysql', 'postgres'] as const)
  void describe(
    `erp profile on its fixture in ${kind}`,
    { skip: kind === 'sqlite' ? false : await skipUnless(kind) },
    () => {
      const dir = tempDir(`erp-profile-${kind}`);
      let fixture: ErpFixture;
      let source: SourceConnection;
      let ctx: ProfileContext;
      let database: TestDatabase | undefined;
      let clean: TestDatabase | undefined;

      before(async () => {
        database = await fixtureDatabase(kind, 'erp_profile');
        clean = await fixtureDatabase(kind, 'erp_clean');
        fixture = await createErpFixture({ dir: dir.path, ...urlOf(kind, database) });
        source = await openSource(fixture.installation.database);
        ctx = { installation: fixture.installation, source, tables: await source.listTables() };
      });
      after(async () => {
        await source?.close();
        await database?.drop();
        await clean?.drop();
        dir.remove();
      });

      void it('lists each company with its own tables and their estimated sizes', async () => {
        const companies = await erpProfile.companies.list(ctx);
        assert.deepEqual(
          companies.map((c) => c.id),
          ['CRONUS', 'Contoso "Test"', 'Fabrikam'].filter((c) => c in fixture.companies).sort(),
        );
        for (const company of companies) {
          const expected = (fixture.companies[company.id] ?? []).filter(
            (t) => !t.endsWith('$Change Log Entry'),
          );
          assert.deepEqual([...company.tables].sort(), [...expected].sort(), company.id);
          const bytes = ctx.tables
            .filter((t) => company.tables.includes(t.name))
            .reduce((sum, t) => sum + t.estimatedBytes, 0);
          assert.ok(bytes > 0);
          assert.equal(company.estimatedBytes, bytes);
          assert.equal(company.name, `${company.id} Ltd.`, 'display name from the Company table');
        }
      });

      void it('shares the tables without a company prefix, except the excluded ones', () => {
        assert.deepEqual(
          erpProfile.companies.sharedTables(ctx.tables).sort(),
          [...fixture.sharedTables].sort(),
        );
      });

      void it('reads version, license and users', async () => {
        assert.equal(await erpProfile.version.read(ctx), '13.0.1');
        assert.deepEqual(await erpProfile.license.read(ctx), {
          companyName: 'CRONUS Holding',
          serialNumber: 'BC-4471-0992',
        });
        const users = await erpProfile.users.list(ctx);
        assert.equal(users.length, 7);
        const admin = users.find((u) => u.name === 'Annie Admin');
        assert.deepEqual(admin?.emails, ['annie@cronus.example']);
        assert.equal(admin?.isAdministrator, true);
        assert.equal(admin?.plan, 'Full User');
        assert.equal(users.find((u) => u.name === 'Olaf Old')?.plan, null, 'a disabled user has no plan');
      });

      void it('finds each planted problem with its exact count, reading quoted company tables', async () => {
        const report = await runChecks(fixture.installationFile);
        assert.equal(report.profile, 'erp');
        const counts = Object.fromEntries(report.results.map((r) => [r.id, r.count]));
        assert.deepEqual(counts, fixture.expected);
        for (const r of report.results) assert.equal(r.error, null, r.id);
        assert.deepEqual(
          report.results.filter((r) => r.outcome === 'blocking').map((r) => r.id),
          ['erp.version', 'erp.company-names', 'erp.licensed-users-valid-email'],
        );
        const invalid = report.results.find((r) => r.id === 'erp.invalid-characters');
        assert.deepEqual(invalid?.breakdown, [{ label: 'CRONUS$Customer.Name', count: 2 }]);
      });

      void it('passes every problem check on a clean fixture', async () => {
        const cleanDir = tempDir('erp-clean');
        try {
          const f = await createErpFixture({ dir: cleanDir.path, problems: false, ...urlOf(kind, clean) });
          const report = await runChecks(f.installation);
          assert.equal(report.blocking, false);
          assert.deepEqual(
            report.results.filter((r) => r.outcome !== 'pass').map((r) => r.id),
            ['erp.excluded-tables'],
          );
          assert.equal(report.results.find((r) => r.id === 'erp.excluded-tables')?.count, 3);
        } finally {
          cleanDir.remove();
        }
      });
    },
  );

void describe('erp freeze (the server config, never the database)', () => {
  const dir = tempDir('erp-freeze');
  let fixture: ErpFixture;
  let databaseBefore: Buffer;

  before(async () => {
    fixture = await createErpFixture({ dir: dir.path, problems: false });
    // A comment and another key in the section must survive every change.
    await writeFile(
      fixture.installation.serviceConfig,
      '; ERP server\n[Server]\nInstance = ERP\nFrozen = false\nLoginMode = normal\n[Other]\nFrozen = keep\n',
      'utf8',
    );
    databaseBefore = await readFile(join(dir.path, 'erp.db'));
  });
  after(() => dir.remove());

  const config = () => readFile(fixture.installation.serviceConfig, 'utf8');

  void it('freezes with Frozen = true and LoginMode = no-login, idempotently', async () => {
    assert.equal(await erpFreeze.isFrozen(fixture.installation), false);
    await erpFreeze.freeze(fixture.installation);
    await erpFreeze.freeze(fixture.installation);
    assert.equal(await erpFreeze.isFrozen(fixture.installation), true);
    assert.equal(
      await config(),
      '; ERP server\n[Server]\nInstance = ERP\nFrozen = true\nLoginMode = no-login\n[Other]\nFrozen = keep\n',
    );
  });

  void it('unfreezes back to normal logins', async () => {
    await erpFreeze.unfreeze(fixture.installation);
    assert.equal(await erpFreeze.isFrozen(fixture.installation), false);
    assert.match(
      await config(),
      /\[Server\]\nInstance = ERP\nFrozen = false\nLoginMode = normal\n\[Other\]\nFrozen = keep\n$/,
    );
  });

  void it('archives read-only for good: frozen, and unfreezing is refused', async () => {
    await erpFreeze.archive(fixture.installation);
    await erpFreeze.archive(fixture.installation);
    assert.equal(await erpFreeze.isFrozen(fixture.installation), true);
    assert.match(await config(), /Frozen = true\nLoginMode = read-only\nArchived = true\n\[Other\]/);
    await assert.rejects(
      erpFreeze.unfreeze(fixture.installation),
      (e) => isFerryError(e, 'FERRY_ILLEGAL_TRANSITION') && /archived after go-live/.test(e.message),
    );
    assert.equal(await erpFreeze.isFrozen(fixture.installation), true);
  });

  void it('never writes the source database', async () => {
    assert.deepEqual(await readFile(join(dir.path, 'erp.db')), databaseBefore);
  });
});
