// `ferry check INSTALLATION`: a readable table then each finding with examples and what to do,
// exit 1 while a blocking check fails and 0 otherwise, --json, and --fix on request only.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import { createErpFixture } from '../../src/profiles/erp/fixture.ts';
import { tempDir } from '../support/servers.ts';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function ferry(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/ferry.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// Every test spawns its own `ferry` process; they run concurrently and none shares a mutable installation.
void describe('ferry check', { concurrency: true }, () => {
  const dir = tempDir('cli-check');
  let crm: string;
  let crmToFix: string;
  let cleanCrm: string;
  let erp: string;

  before(async () => {
    crm = (await initInstallation({ dir: `${dir.path}/crm`, seed: 5 })).installationFile;
    crmToFix = (await initInstallation({ dir: `${dir.path}/fix`, seed: 5 })).installationFile;
    cleanCrm = (await initInstallation({ dir: `${dir.path}/clean`, seed: 5, problems: false }))
      .installationFile;
    erp = (await createErpFixture({ dir: `${dir.path}/erp` })).installationFile;
  });
  after(() => dir.remove());

  void it('prints the table and each finding with examples and what to do, and exits 1 on blocking', async () => {
    const r = await ferry('check', crm);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^outcome\s+check\s+count\s+title$/m);
    assert.match(
      r.stdout,
      /^BLOCKING\s+crm\.duplicate-user-emails\s+6\s+No two users share an email address$/m,
    );
    assert.match(r.stdout, /^pass\s+crm\.administrator-with-plan\s+0\s/m);
    assert.match(r.stdout, /^WARNING\s+crm\.invalid-characters\s+9\s/m);
    assert.match(r.stdout, /^ {4}user 5 \(/m, 'examples are listed under their finding');
    assert.match(r.stdout, /What to do: Upgrade the on-premises CRM to version 7\.1/);
    assert.match(r.stdout, /Fix offered: ferry check .* --fix crm\.sentry-addon-preferences/);
    assert.match(r.stdout, /6 blocking, 5 warning, 1 passed\./);
  });

  void it('exits 0 when no blocking check fails', async () => {
    const r = await ferry('check', cleanCrm);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /0 blocking, 2 warning, 10 passed\./);
  });

  void it('prints the results as JSON with --json', async () => {
    const r = await ferry('check', erp, '--json');
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout) as {
      type: string;
      profile: string;
      blocking: boolean;
      results: { id: string; outcome: string; count: number; examples: string[]; fixAvailable: boolean }[];
    };
    assert.equal(report.type, 'checks');
    assert.equal(report.profile, 'erp');
    assert.equal(report.blocking, true);
    const names = report.results.find((x) => x.id === 'erp.company-names');
    assert.equal(names?.outcome, 'blocking');
    assert.deepEqual(names?.examples, [
      'company "Contoso \\"Test\\"" contains "\\"", which the cloud rejects',
    ]);
  });

  void it('applies a fix only when asked with --fix, then checks again', async () => {
    const r = await ferry('check', crmToFix, '--fix', 'crm.sentry-addon-preferences');
    assert.equal(r.code, 1, 'other blocking checks still fail');
    assert.match(r.stdout, /^Fix for crm\.sentry-addon-preferences: Delete/m);
    assert.match(r.stdout, /Changed 4; the check now passes\./);
    assert.match(r.stdout, /^pass\s+crm\.sentry-addon-preferences\s+0\s/m);
  });

  void it('refuses --fix for a check without a fix, in one line', async () => {
    const r = await ferry('check', crm, '--fix', 'crm.version');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr.trim(),
      /^ferry: check crm\.version offers no fix; checks with a fix: crm\.sentry-addon-preferences — .*\[FERRY_INVALID_ARGUMENT\]$/,
    );
  });

  void it('names a missing installation file', async () => {
    const r = await ferry('check', `${dir.path}/nope/installation.yaml`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nope\/installation\.yaml: cannot be read .*\[FERRY_INSTALLATION_INVALID\]/);
  });

  void it('teaches in its help', async () => {
    const r = await ferry('check', '--help');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Exit code: 1 when a blocking check fails/);
    assert.match(r.stdout, /--fix <check-id>/);
    assert.match(r.stdout, /ferry check demo\/installation\.yaml --json/);
  });
});
