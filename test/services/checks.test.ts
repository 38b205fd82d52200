// The checks service: the run gate, fixes only on request for checks that offer one, `only`, a
// check that cannot run, and reading installation.yaml. Runs on the small erp fixture (SQLite).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isFerryError } from '../../src/domain/errors.ts';
import type { ErpFixture } from '../../src/profiles/erp/fixture.ts';
import { createErpFixture } from '../../src/profiles/erp/fixture.ts';
import { erpProfile } from '../../src/profiles/erp/profile.ts';
import type { ApplicationProfile } from '../../src/profiles/profile.ts';
import type { CheckResult } from '../../src/services/checks.ts';
import { applyFix, assertNoBlockingChecks, runChecks } from '../../src/services/checks.ts';
import { freshDatabase, skipUnless, tempDir } from '../support/servers.ts';

function result(outcome: CheckResult['outcome'], id: string): CheckResult {
  return {
    id,
    title: id,
    severity: outcome === 'warning' ? 'warning' : 'blocking',
    outcome,
    count: outcome === 'pass' ? 0 : 1,
    unit: null,
    examples: [],
    guidance: '',
    breakdown: [],
    fixAvailable: false,
    error: null,
    durationMs: 0,
  };
}

void describe('assertNoBlockingChecks (the run gate)', () => {
  void it('lets a run start when only warnings and passes remain', () => {
    assert.doesNotThrow(() => assertNoBlockingChecks([result('pass', 'a.x'), result('warning', 'a.y')]));
  });

  void it('throws FERRY_CHECKS_BLOCKING (409) naming every blocking check', () => {
    assert.throws(
      () =>
        assertNoBlockingChecks([
          result('blocking', 'a.one'),
          result('warning', 'a.w'),
          result('blocking', 'a.two'),
        ]),
      (e: unknown) =>
        isFerryError(e, 'FERRY_CHECKS_BLOCKING') &&
        e.status === 409 &&
        /a\.one, a\.two/.test(e.message) &&
        !e.message.includes('a.w') &&
        JSON.stringify(e.details.checks) === '["a.one","a.two"]',
    );
  });
});

void describe('runChecks and applyFix', () => {
  const dir = tempDir('checks-service');
  let fixture: ErpFixture;
  before(async () => {
    fixture = await createErpFixture({ dir: dir.path });
  });
  after(() => dir.remove());

  void it('reads installation.yaml and names the installation, profile and database', async () => {
    const report = await runChecks(fixture.installationFile);
    assert.equal(report.installation.name, 'erp-fixture');
    assert.equal(report.installation.database, fixture.installation.database);
    assert.equal(report.results.length, erpProfile.checks.length);
    assert.equal(report.blocking, true);
  });

  void it('runs only the named checks, and refuses an unknown one', async () => {
    const report = await runChecks(fixture.installation, { only: ['erp.company-names'] });
    assert.deepEqual(
      report.results.map((r) => [r.id, r.count]),
      [['erp.company-names', 1]],
    );
    await assert.rejects(
      runChecks(fixture.installation, { only: ['erp.nope'] }),
      (e: unknown) => isFerryError(e, 'FERRY_INVALID_ARGUMENT') && e.message.includes('erp.company-names'),
    );
  });

  void it('turns a check that cannot run into a failed result that says why', async () => {
    const broken: ApplicationProfile = {
      ...erpProfile,
      checks: [
        {
          id: 'erp.broken',
          title: 'A check whose table is gone',
          severity: 'blocking',
          guidance: 'Nothing to do.',
          run: () => Promise.reject(new Error('no such table: Gone')),
        },
      ],
    };
    const report = await runChecks(fixture.installation, { profile: broken });
    const [r] = report.results;
    assert.equal(r?.outcome, 'blocking');
    assert.equal(r?.error?.code, 'FERRY_INTERNAL');
    assert.match(r?.guidance ?? '', /could not run: no such table: Gone/);
    assert.equal(report.blocking, true);
  });

  void it('refuses a fix for a check that offers none, and for an unknown check', async () => {
    await assert.rejects(
      applyFix(fixture.installation, 'erp.company-names'),
      (e: unknown) => isFerryError(e, 'FERRY_INVALID_ARGUMENT') && /offers no fix/.test(e.message),
    );
    await assert.rejects(
      applyFix(fixture.installation, 'crm.sentry-addon-preferences'),
      (e: unknown) => isFerryError(e, 'FERRY_INVALID_ARGUMENT') && /erp profile has no check/.test(e.message),
    );
  });

  void it('refuses an unknown profile named in the options', async () => {
    await assert.rejects(runChecks(fixture.installation, { profile: 'sap' }), (e: unknown) =>
      isFerryError(e, 'FERRY_INVALID_ARGUMENT'),
    );
  });
});

void describe(
  "runChecks on a database that is not the application's",
  { skip: await skipUnless('postgres') },
  () => {
    void it('reports each check as unable to run (table not found) and never prints the password', async () => {
      const database = await freshDatabase('postgres', 'checks_empty');
      const dir = tempDir('checks-empty');
      try {
        const withPassword = database.url.replace('postgres://postgres@', 'postgres://postgres:s3cret-pw@');
        const report = await runChecks(
          {
            name: 'empty',
            profile: 'erp',
            database: withPassword,
            archive: dir.path,
            serviceConfig: `${dir.path}/none.ini`,
          },
          {},
        );
        assert.ok(!JSON.stringify(report).includes('s3cret-pw'));
        assert.match(report.installation.database, /^postgres:\/\/postgres(:\*+)?@/);
        const version = report.results.find((r) => r.id === 'erp.version');
        assert.equal(version?.outcome, 'blocking');
        assert.equal(version?.error?.code, 'FERRY_TABLE_NOT_FOUND');
        assert.match(version?.guidance ?? '', /\$ndo\$dbproperty/);
        assert.equal(report.blocking, true);
      } finally {
        dir.remove();
        await database.drop();
      }
    });
  },
);
