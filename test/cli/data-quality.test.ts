// `ferry sanitize`, `ferry repair-companions` and `ferry setup-checklist` on a home whose migration
// a test run loaded; and the setup checklist at the end of a `ferry run` report.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { profileById } from '../../src/profiles/registry.ts';
import { openStore } from '../../src/store/open-store.ts';
import { tempDir } from '../support/servers.ts';
import { loadedMigration } from '../services/sanitize-fixture.ts';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('ferry sanitize, repair-companions, setup-checklist', () => {
  const dir = tempDir('cli-data-quality');
  const home = join(dir.path, 'home');
  let migrationId = '';
  let runId = '';

  function ferry(...args: string[]): Promise<Result> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['bin/ferry.js', '--home', home, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, FERRY_SERVER: '', FERRY_STORE: '' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  before(async () => {
    const store = await openStore({ home });
    try {
      ({ migrationId, runId } = await loadedMigration({ store, profiles: profileById }, dir.path, 'cli'));
    } finally {
      await store.close();
    }
  });
  after(() => dir.remove());

  it('finds per table and column in the source, then fixes the tenant copy', async () => {
    const find = await ferry('sanitize', migrationId, '--find');
    assert.equal(find.code, 0, find.stderr);
    assert.match(find.stdout, /Invalid characters in the source .* \(read only\): 9 value\(s\)/);
    assert.match(find.stdout, /^ {2}companies\.name: 3 found$/m);
    const fix = await ferry('--json', 'sanitize', migrationId, '--fix');
    assert.equal(fix.code, 0, fix.stderr);
    const view = JSON.parse(fix.stdout) as { type: string; fixed: number; where: string };
    assert.deepEqual([view.type, view.where, view.fixed], ['sanitize', 'tenant', 9]);
  });

  it('asks for exactly one of --find, --fix, --on-load, in one line', async () => {
    const r = await ferry('sanitize', migrationId);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /give exactly one of --find, --fix or --on-load on\|off/);
    const on = await ferry('sanitize', migrationId, '--on-load', 'on');
    assert.equal(on.code, 0, on.stderr);
    assert.match(on.stdout, /Sanitize on load is on/);
  });

  it('repairs companion records once', async () => {
    const first = await ferry('repair-companions', migrationId);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /companies → company_extensions: 4 inserted/);
    const second = await ferry('repair-companions', migrationId);
    assert.match(second.stdout, /: 0 row\(s\) inserted/);
  });

  it('prints the setup checklist of a run, and at the end of a run report', async () => {
    const r = await ferry('setup-checklist', runId);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\[ \] role_permissions — not migrated by design/);
    assert.match(r.stdout, /Set up instead: Assign the cloud roles/);
    const run = await ferry('run', migrationId, '--kind', 'diagnostic');
    assert.match(
      run.stdout,
      /Setup checklist of run run-\S+: 1 table\(s\) are not in the tenant/,
      run.stderr,
    );
  });
});
