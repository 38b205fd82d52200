// The crm checks on a generated `small` installation in every dialect: each planted problem is found
// with exactly the planted count, checking never writes the source, and the offered fix deletes
// exactly the SentryAddonNames rows. A `problems: false` installation passes every blocking check.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSource } from '../../../src/connectors/registry.ts';
import { isFerryError } from '../../../src/domain/errors.ts';
import { crmCheckForProblem } from '../../../src/profiles/crm/checks/index.ts';
import { generateRows } from '../../../src/profiles/crm/generate-rows.ts';
import type { InitInstallationSummary } from '../../../src/profiles/crm/init-installation.ts';
import { initInstallation } from '../../../src/profiles/crm/init-installation.ts';
import { resolveProblems } from '../../../src/profiles/crm/planted-problems.ts';
import { crmProfile } from '../../../src/profiles/crm/profile.ts';
import type { ChecksReport, CheckResult } from '../../../src/services/checks.ts';
import { applyFix, assertNoBlockingChecks, runChecks } from '../../../src/services/checks.ts';
import type { ServerKind, TestDatabase } from '../../support/servers.ts';
import { freshDatabase, skipUnless, tempDir } from '../../support/servers.ts';

type Kind = 'sqlite' | ServerKind;
const SEED = 7;

function result(report: ChecksReport, id: string): CheckResult {
  const found = report.results.find((r) => r.id === id);
  assert.ok(found !== undefined, `no result for ${id}`);
  return found;
}

/** Integrations the generator writes: every app authorization plus every enabled scheduled task. */
function expectedCustomizations(): number {
  const ctx = { seed: SEED, size: 'small' as const, problems: resolveProblems(true) };
  const authorizations = [...generateRows('app_authorizations', ctx)].length;
  const enabledTasks = [...generateRows('scheduled_tasks', ctx)].filter((r) => r[3] === true).length;
  return authorizations + enabledTasks;
}

async function sourceRowCount(url: string, table: string): Promise<number> {
  const source = await openSource(url);
  try {
    const schema = (await source.listTables()).find((t) => t.name === table);
    assert.ok(schema !== undefined);
    return (await source.checksum(schema, ['id'], { key: [], lower: null, upper: null })).rows;
  } finally {
    await source.close();
  }
}

const kinds: Kind[] = ['sqlite', 'mysql', 'postgres'];

for (const kind of kinds) {
  void describe(`crm checks on ${kind}`, { skip: kind === 'sqlite' ? false : await skipUnless(kind) }, () => {
    const dir = tempDir(`crm-checks-${kind}`);
    let database: TestDatabase | undefined;
    let summary: InitInstallationSummary;
    let report: ChecksReport;

    before(async () => {
      if (kind !== 'sqlite') database = await freshDatabase(kind, 'crm_checks');
      const db =
        database === undefined ? undefined : `${database.url}${kind === 'postgres' ? '?schema=crm' : ''}`;
      summary = await initInstallation({ dir: dir.path, seed: SEED, ...(db ? { db } : {}) });
      report = await runChecks(summary.installationFile);
    });

    after(async () => {
      await database?.drop();
      dir.remove();
    });

    void it('finds every planted problem with exactly the planted count', () => {
      assert.equal(summary.problems.length, Object.keys(crmCheckForProblem).length);
      for (const problem of summary.problems) {
        const r = result(report, crmCheckForProblem[problem.id]);
        assert.equal(r.count, problem.count, `${problem.id} → ${r.id}`);
        assert.notEqual(r.outcome, 'pass', r.id);
        // One example per offending object (per shared address for duplicates), at most 20.
        assert.ok(r.examples.length > 0 && r.examples.length <= Math.min(r.count, 20), r.id);
        assert.equal(r.error, null);
      }
    });

    void it('reports blocking checks as blocking and names them in the run gate', () => {
      const blocking = report.results.filter((r) => r.outcome === 'blocking').map((r) => r.id);
      assert.deepEqual(blocking, [
        'crm.version',
        'crm.duplicate-user-emails',
        'crm.licensed-users-valid-email',
        'crm.users-on-travel',
        'crm.active-satellites',
        'crm.sentry-addon-preferences',
      ]);
      assert.equal(report.blocking, true);
      assert.throws(
        () => assertNoBlockingChecks(report.results),
        (e: unknown) =>
          isFerryError(e, 'FERRY_CHECKS_BLOCKING') &&
          e.status === 409 &&
          blocking.every((id) => e.message.includes(id)),
      );
    });

    void it('names the offending objects in the examples', () => {
      const duplicates = result(report, 'crm.duplicate-user-emails').examples.join('\n');
      for (const id of [10, 11, 20, 21, 30, 31]) assert.match(duplicates, new RegExp(`user ${id} \\(`));
      assert.deepEqual(
        result(report, 'crm.users-on-travel').examples.map((e) => e.split(' (')[0]),
        ['user 5', 'user 6', 'user 7'],
      );
      assert.match(result(report, 'crm.licensed-users-valid-email').examples[0] ?? '', /^user 15 .*no email/);
      assert.match(result(report, 'crm.version').examples[0] ?? '', /6\.4 is below the minimum 7\.1/);
      assert.match(result(report, 'crm.active-satellites').examples[0] ?? '', /^satellite 2 /);
    });

    void it('counts invalid characters per table and column', () => {
      const r = result(report, 'crm.invalid-characters');
      assert.equal(r.severity, 'warning');
      assert.deepEqual(Object.fromEntries(r.breakdown.map((b) => [b.label, b.count])), {
        'appointments.title': 3,
        'companies.name': 3,
        'persons.last_name': 3,
      });
      assert.ok(r.examples.some((e) => e.includes('\\u0001')));
    });

    void it('lists the tables left behind and the integrations found', () => {
      const excluded = result(report, 'crm.excluded-tables');
      assert.equal(excluded.count, 1);
      assert.match(excluded.examples[0] ?? '', /^role_permissions .*Permissions/);
      assert.equal(result(report, 'crm.customizations').count, expectedCustomizations());
      assert.equal(result(report, 'crm.administrator-with-plan').outcome, 'pass');
    });

    void it('offers a fix only for the SentryAddonNames check', () => {
      assert.deepEqual(
        report.results.filter((r) => r.fixAvailable).map((r) => r.id),
        ['crm.sentry-addon-preferences'],
      );
    });

    void it('applies the SentryAddonNames fix on request: exactly the planted rows are deleted', async () => {
      const url = summary.installation.database;
      const before = await sourceRowCount(url, 'user_preferences');
      const fix = await applyFix(summary.installationFile, 'crm.sentry-addon-preferences');
      assert.equal(fix.changed, 4);
      assert.equal(fix.after.outcome, 'pass');
      assert.equal(await sourceRowCount(url, 'user_preferences'), before - 4);
      const again = await applyFix(summary.installationFile, 'crm.sentry-addon-preferences');
      assert.equal(again.changed, 0);
    });
  });
}

void describe('crm checks on a clean installation', () => {
  const dir = tempDir('crm-checks-clean');
  let summary: InitInstallationSummary;
  let report: ChecksReport;
  const dbFile = () => join(dir.path, 'crm.db');
  const sha = () => createHash('sha256').update(readFileSync(dbFile())).digest('hex');
  let hashBefore: string;

  before(async () => {
    summary = await initInstallation({ dir: dir.path, seed: SEED, problems: false });
    hashBefore = sha();
    report = await runChecks(summary.installation);
  });
  after(() => dir.remove());

  void it('passes every check that looks for a problem', () => {
    assert.deepEqual(summary.problems, []);
    const notPassing = report.results.filter((r) => r.outcome !== 'pass').map((r) => r.id);
    // The two descriptive checks always report what a CRM installation has: a permission table and
    // its integrations. Every other check passes.
    assert.deepEqual(notPassing, ['crm.excluded-tables', 'crm.customizations']);
    assert.equal(report.blocking, false);
    assert.doesNotThrow(() => assertNoBlockingChecks(report.results));
    assert.equal(report.results.length, crmProfile.checks.length);
  });

  void it('never writes the source database while checking', () => {
    assert.equal(sha(), hashBefore);
  });
});
