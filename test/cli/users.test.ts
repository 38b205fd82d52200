// `ferry users …` end to end through the real command on a generated crm `small` installation: the
// planted duplicate emails and users without a valid email show up as not ready, plans and
// usernames change, refusals are one line with their code, the SMTP password is never printed,
// and user mappings are one to one.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { problemUsers } from '../../src/profiles/crm/planted-problems.ts';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import { profileById } from '../../src/profiles/registry.ts';
import { createMigration } from '../../src/services/migrations.ts';
import { assignPlan } from '../../src/services/user-plans.ts';
import { setUsername } from '../../src/services/usernames.ts';
import { openStore } from '../../src/store/open-store.ts';
import { tempDir } from '../support/servers.ts';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const dir = tempDir('cli-users');
const home = join(dir.path, 'home');
let m = '';

function ferry(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/ferry.js', '--home', home, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FERRY_STORE: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function json(...args: string[]): Promise<Record<string, unknown>> {
  const r = await ferry('--json', ...args);
  assert.equal(r.code, 0, `ferry ${args.join(' ')} failed: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

async function refused(code: string, ...args: string[]): Promise<string> {
  const r = await ferry(...args);
  assert.equal(r.code, 1, `ferry ${args.join(' ')} should fail: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, new RegExp(`\\[${code}\\]`));
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  return r.stderr;
}

before(async () => {
  await initInstallation({ dir: join(dir.path, 'acme'), size: 'small' });
  const store = await openStore({ home });
  try {
    const v = await createMigration(
      { store, profiles: profileById },
      { installationPath: join(dir.path, 'acme', 'installation.yaml'), profileId: 'crm', tenantId: 'acme' },
    );
    m = v.migration.id;
  } finally {
    await store.close();
  }
});
after(() => dir.remove());

interface ListJson {
  users: { id: string; emails: string[]; username: string | null; plan: string | null; problems: string[] }[];
  total: number;
  readiness: { ready: boolean; problems: string[]; duplicates: unknown[] };
}

describe('ferry users', () => {
  it('lists every user and shows the planted problems as not ready', async () => {
    const [listJson, text] = await Promise.all([
      json('users', 'list', m),
      ferry('users', 'list', m, '--filter', 'PRIVATE.example'),
    ]);
    const list = listJson as unknown as ListJson;
    assert.equal(list.total, 50);
    assert.equal(list.readiness.ready, false);
    assert.equal(list.readiness.duplicates.length, 3);
    assert.deepEqual(list.users.find((u) => u.id === String(problemUsers.noEmail))?.problems, [
      'no username',
    ]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^ID +NAME +ROLE +PLAN +USERNAME +GROUP +POSITION +EMAILS +IDENTITY$/m);
    assert.match(text.stdout, /^25 of 50 users shown\./m);
    assert.match(
      text.stdout,
      /Not ready for a run:\n {2}- 2 user\(s\) with a plan have no valid username: 15 \(/,
    );
    // Problems are printed under the table, not in a column: the filter does not search them.
    const all = await ferry('users', 'list', m);
    assert.match(
      all.stdout,
      new RegExp(`^Problems:\n(.*\n)*  ${problemUsers.noEmail} \\(.+\\): no username$`, 'm'),
    );
    const byProblem = await ferry('users', 'list', m, '--filter', 'username also used by');
    assert.match(byProblem.stdout, /^no user matches "username also used by"$/m);
  });

  it('refuses a plan change that leaves no administrator with a plan, and an unknown plan', async () => {
    const [, , , r] = await Promise.all([
      refused('FERRY_USERS_NOT_READY', 'users', 'plan', m, '--filter', 'administrator', '--plan', 'none'),
      refused('FERRY_INVALID_ARGUMENT', 'users', 'plan', m, '--user', '13', '--plan', 'platinum'),
      refused('FERRY_INVALID_ARGUMENT', 'users', 'plan', m, '--plan', 'sales'),
      json('users', 'plan', m, '--user', '13', '--plan', 'service'),
    ]);
    assert.deepEqual([r.plan, r.matched], ['service', 1]);
  });

  it('resolves duplicates by picking or typing usernames until the migration is ready', async () => {
    const [[a], [, b], [c]] = problemUsers.duplicatePairs;
    const picked = (await json('users', 'username', m, '--user', String(a), '--pick', '2')) as {
      user: { username: string };
    };
    assert.match(picked.user.username, /@private\.example$/);
    const [, , dups] = await Promise.all([
      refused(
        'FERRY_USERNAME_TAKEN',
        'users',
        'username',
        m,
        '--user',
        '15',
        '--email',
        picked.user.username,
      ),
      refused('FERRY_INVALID_ARGUMENT', 'users', 'username', m, '--user', '15', '--email', 'no(at)example'),
      json('users', 'duplicates', m),
    ]);
    assert.equal((dups.duplicates as unknown[]).length, 2);
    // The rest through the services: the commands above showed they change the same store.
    const store = await openStore({ home });
    try {
      const cp = { store, profiles: profileById };
      await setUsername(cp, m, String(b), { email: `user${b}@acme.example` });
      await assignPlan(cp, m, { userId: String(c) }, 'none');
      await setUsername(cp, m, '15', { email: 'user15@acme.example' });
      await setUsername(cp, m, '25', { email: 'user25@acme.example' });
    } finally {
      await store.close();
    }
    const [text, list] = await Promise.all([ferry('users', 'duplicates', m), json('users', 'list', m)]);
    assert.match(text.stdout, /^No duplicate usernames\.$/m);
    const readiness = (list as unknown as ListJson).readiness;
    assert.deepEqual(readiness.problems, []);
    assert.equal(readiness.ready, true);
  });

  it('stores the email options without ever printing the SMTP password', async () => {
    const smtp = 'smtp://mailer:Secr3tPw@127.0.0.1:2525';
    const r = await ferry('users', 'emails', m, '--welcome', 'on', '--smtp', smtp);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /welcome emails +on/);
    assert.match(r.stdout, /SMTP smtp:\/\/127\.0\.0\.1:2525/);
    const [shown, err] = await Promise.all([
      json('users', 'emails', m),
      refused('FERRY_INVALID_ARGUMENT', 'users', 'emails', m, '--summary', 'on'),
    ]);
    assert.equal(shown.destination, 'smtp://127.0.0.1:2525');
    assert.doesNotMatch(r.stdout + JSON.stringify(shown), /Secr3tPw|mailer/);
    assert.match(err, /--migrator/);
  });

  it('maps users to cloud identities one to one', async () => {
    const first = (await json('users', 'map', m, '--user', '1', '--identity', 'lars@cloud.example')) as {
      changed: boolean;
    };
    assert.equal(first.changed, true);
    const [again] = await Promise.all([
      ferry('users', 'map', m, '--user', '1', '--identity', 'LARS@cloud.example'),
      refused(
        'FERRY_USER_MAPPING_CONFLICT',
        'users',
        'map',
        m,
        '--user',
        '2',
        '--identity',
        'Lars@Cloud.example',
      ),
      refused('FERRY_MIGRATION_NOT_FOUND', 'users', 'mappings', 'm-nope'),
    ]);
    assert.match(again.stdout, /already mapped to lars@cloud\.example; nothing changed/);
    const mappings = (await json('users', 'mappings', m)) as {
      mappings: { userId: string; identity: string }[];
    };
    assert.deepEqual(
      mappings.mappings.map((x) => [x.userId, x.identity]),
      [['1', 'lars@cloud.example']],
    );
  });
});
