// The erp profile proves the profile interface is general: a source split into companies by
// table-name prefix (`CRONUS$Customer`), a company whose name holds a `"`, its own checks, and
// every hook working through the same services as crm.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openSource } from '../../../src/connectors/registry.ts';
import type { SourceConnection } from '../../../src/connectors/types.ts';
import { companyOf } from '../../../src/profiles/erp/companies.ts';
import { companyNameProblem } from '../../../src/profiles/erp/checks.ts';
import type { ErpFixture } from '../../../src/profiles/erp/fixture.ts';
import { createErpFixture } from '../../../src/profiles/erp/fixture.ts';
import { erpProfile } from '../../../src/profiles/erp/profile.ts';
import type { ProfileContext } from '../../../src/profiles/profile.ts';
import { runChecks } from '../../../src/services/checks.ts';
import { tempDir } from '../../support/servers.ts';

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

void describe('erp profile on its fixture', () => {
  const dir = tempDir('erp-profile');
  let fixture: ErpFixture;
  let source: SourceConnection;
  let ctx: ProfileContext;

  before(async () => {
    fixture = await createErpFixture({ dir: dir.path });
    source = await openSource(fixture.installation.database);
    ctx = { installation: fixture.installation, source, tables: await source.listTables() };
  });
  after(async () => {
    await source?.close();
    dir.remove();
  });

  void it('lists each company with its own tables and their estimated sizes', async () => {
    const companies = await erpProfile.companies.list(ctx);
    assert.deepEqual(
      companies.map((c) => c.id),
      ['CRONUS', 'Contoso "Test"', 'Fabrikam'].filter((c) => c in fixture.companies).sort(),
    );
    for (const company of companies) {
      const expected = (fixture.companies[company.id] ?? []).filter((t) => !t.endsWith('$Change Log Entry'));
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
    assert.deepEqual(erpProfile.companies.sharedTables(ctx.tables).sort(), [...fixture.sharedTables].sort());
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
    const clean = tempDir('erp-clean');
    try {
      const f = await createErpFixture({ dir: clean.path, problems: false });
      const report = await runChecks(f.installation);
      assert.equal(report.blocking, false);
      assert.deepEqual(
        report.results.filter((r) => r.outcome !== 'pass').map((r) => r.id),
        ['erp.excluded-tables'],
      );
      assert.equal(report.results.find((r) => r.id === 'erp.excluded-tables')?.count, 3);
    } finally {
      clean.remove();
    }
  });
});
