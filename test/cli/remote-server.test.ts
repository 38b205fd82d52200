// The CLI against a real Ferry server over HTTP (`--server URL` with $FERRY_TOKEN): a migration set
// up, planned, signed and shown; a run executed in the server and followed live to success; runs
// listed and shown; refusals, a wrong token and an unreachable server each as one line; and the
// --json answers compared with the local CLI's on the same store.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildServer, type FerryServer } from '../../src/api/server.ts';
import { registryProfiles } from '../../src/cli/control-plane-session.ts';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { createOperatorToken, verifyOperatorToken } from '../../src/services/tokens.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { tempDir } from '../support/servers.ts';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const dir = tempDir('cli-remote');
const home = join(dir.path, 'home');
let installation = '';
let store: Store;
let server: FerryServer;
let base = '';
let token = '';

function ferry(env: Record<string, string>, ...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/ferry.js', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FERRY_STORE: '', FERRY_SERVER: '', FERRY_TOKEN: '', FERRY_HOME: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The CLI through the server, with the token in the environment as the docs advise. */
const remote = (...args: string[]) => ferry({ FERRY_TOKEN: token }, '--server', base, ...args);
/** The CLI on the server's own store, for comparison. */
const local = (...args: string[]) => ferry({}, '--home', home, ...args);

async function json(run: Promise<Result>): Promise<Record<string, unknown>> {
  const r = await run;
  assert.equal(r.code, 0, `failed: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** Every key path of a JSON value, sorted, so two answers can be compared by shape. */
function shape(value: unknown): string[] {
  return keyPaths(value, '$').sort();
}

function keyPaths(value: unknown, path: string): string[] {
  if (Array.isArray(value))
    return [path + '[]', ...(value.length > 0 ? keyPaths(value[0], path + '[]') : [])];
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([k, v]) => [`${path}.${k}`, ...keyPaths(v, `${path}.${k}`)]);
  return [];
}

function errorLines(r: Result): string[] {
  return r.stderr.split('\n').filter((l) => l.trim() !== '');
}

before(async () => {
  await initInstallation({ dir: join(dir.path, 'acme'), size: 'small', seed: 7, problems: false });
  installation = join(dir.path, 'acme', 'installation.yaml');
  store = await openStore({ home });
  const cp: ControlPlane = { store, profiles: registryProfiles };
  token = (await createOperatorToken(cp, 'remote-cli-test')).token;
  server = await buildServer({
    store,
    controlPlane: cp,
    version: 'test',
    tokens: { verify: (t) => verifyOperatorToken(cp, t) },
  });
  base = await server.app.listen({ host: '127.0.0.1', port: 0 });
});

after(async () => {
  await server?.close();
  await store?.close();
  dir.remove();
});

describe('the CLI against a Ferry server (--server)', () => {
  let migrationId = '';
  let runId = '';

  it('creates a migration, plans an activity, signs the plan and shows it', async () => {
    const created = await json(
      remote(
        '--json',
        'migration',
        'create',
        '--installation',
        installation,
        '--profile',
        'crm',
        '--tenant',
        'acme',
      ),
    );
    migrationId = (created.migration as { id: string }).id;
    assert.equal(created.type, 'migration');
    assert.equal((created.migration as { phase: string }).phase, 'planning');

    const planned = await remote(
      'migration',
      'plan',
      migrationId,
      '--activity',
      'Test migration',
      '--owner',
      'Vendor team',
      '--estimate',
      '4h',
      '--deadline',
      '2027-01-31',
    );
    assert.equal(planned.code, 0, planned.stderr);
    assert.match(planned.stdout, /1\. Test migration — Vendor team, 4h, by 2027-01-31/);
    // Adding keeps what is there: the API replaces the plan, so the CLI sends both.
    const added = await json(
      remote(
        '--json',
        'migration',
        'plan',
        migrationId,
        '--activity',
        'Go-live',
        '--owner',
        'Customer',
        '--estimate',
        '1h30m',
        '--deadline',
        '2027-02-28',
      ),
    );
    assert.deepEqual(
      (added.activities as { activity: string }[]).map((a) => a.activity),
      ['Test migration', 'Go-live'],
    );
    assert.equal(added.totalEstimateMinutes, 330);

    const vendor = await remote(
      'migration',
      'sign-plan',
      migrationId,
      '--party',
      'vendor',
      '--name',
      'Vera Vendor',
    );
    assert.equal(vendor.code, 0, vendor.stderr);
    assert.match(vendor.stdout, /Plan signed for the vendor by Vera Vendor.*\nStill to sign: customer\./);
    const customer = await json(
      remote(
        '--json',
        'migration',
        'sign-plan',
        migrationId,
        '--party',
        'customer',
        '--name',
        'Carl Customer',
      ),
    );
    assert.deepEqual(customer.missing, []);

    const shown = await remote('migration', 'show', migrationId);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`^Migration ${migrationId}: planning — `));
    assert.match(shown.stdout, /signed: vendor: Vera Vendor .*; customer: Carl Customer/);
  });

  it('answers --json exactly as the local CLI does on the same store', async () => {
    const remoteShow = await json(remote('--json', 'migration', 'show', migrationId));
    const localShow = await json(local('--json', 'migration', 'show', migrationId));
    assert.deepEqual(remoteShow, localShow);
    const remoteList = await json(remote('--json', 'migration', 'list'));
    assert.deepEqual(remoteList, await json(local('--json', 'migration', 'list')));
    // Token records change as they are used (last used): compare their shape.
    const remoteTokens = await json(remote('--json', 'token', 'list'));
    assert.deepEqual(shape(remoteTokens), shape(await json(local('--json', 'token', 'list'))));
    assert.ok(!JSON.stringify(remoteTokens).includes(token), 'the token itself is never listed');
    const remoteTenants = await json(remote('--json', 'tenants', 'show', 'acme'));
    assert.deepEqual(remoteTenants, await json(local('--json', 'tenants', 'show', 'acme')));
  });

  it('runs the migration in the server and follows its progress to success', async () => {
    const r = await remote('run', migrationId);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /ferry: test run: /);
    const started = /ferry: run (\S+) started/.exec(r.stderr);
    assert.ok(started?.[1], r.stderr);
    runId = started[1];
    // The plain progress renderer (stderr is not a terminal) prints the steps as the server reports them.
    assert.match(r.stderr, new RegExp(`\\[${runId}\\] tables-created\\n(.*\\n)*\\[${runId}\\] verified\\n`));
    // Every copied row is counted, also those copied before this command subscribed to the events.
    assert.match(r.stderr, new RegExp(`\\[${runId}\\] 100\\.0% · `));
    assert.match(r.stdout, new RegExp(`^Run ${runId}: succeeded`));
    assert.match(r.stdout, /rows verified by checksum on both sides/);
    assert.ok(!r.stderr.includes(token) && !r.stdout.includes(token));

    const view = await json(remote('--json', 'migration', 'show', migrationId));
    assert.equal((view.migration as { phase: string }).phase, 'parallel');
    assert.equal((view.migration as { activeRunId: string | null }).activeRunId, null);
  });

  it("reads the tenant's user registry through the server as the local CLI does", async () => {
    const remoteUsers = await json(remote('--json', 'tenants', 'users', 'acme'));
    assert.deepEqual(remoteUsers, await json(local('--json', 'tenants', 'users', 'acme')));
    assert.equal(remoteUsers.type, 'tenant-users');
    assert.equal(remoteUsers.written, true);
    const users = remoteUsers.users as { plan: string | null; isAdministrator: boolean }[];
    assert.equal(users.length, 50);
    assert.ok(users.some((u) => u.isAdministrator && u.plan !== null));
    const text = await remote('tenants', 'users', 'acme');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^ID +NAME +USERNAME +PLAN +ROLE +IDENTITY$/m);
    assert.match(text.stdout, /^50 users in the registry of tenant acme; \d+ can log in\.$/m);
    const unknown = await remote('tenants', 'users', 'nope');
    assert.equal(unknown.code, 1);
    assert.match(errorLines(unknown)[0] ?? '', /there is no tenant "nope".*\[FERRY_TENANT_NOT_FOUND\]$/);
  });

  it("initializes the companies in the server's queue and shows their jobs as the local CLI does", async () => {
    const started = await json(remote('--json', 'migration', 'companies', 'init', migrationId, '--wait'));
    assert.equal(started.type, 'company-initializations');
    const jobs = started.companies as { companyId: string; status: string; summary: string | null }[];
    assert.deepEqual(
      jobs.map((c) => [c.companyId, c.status]),
      [['default', 'succeeded']],
    );
    assert.match(jobs[0]?.summary ?? '', /company_setup/);
    assert.deepEqual(
      await json(remote('--json', 'migration', 'companies', 'status', migrationId)),
      await json(local('--json', 'migration', 'companies', 'status', migrationId)),
    );
    // Locally (SQLite store) the job executes in the CLI's own process; idempotent: it keeps what is there.
    const again = await json(local('--json', 'migration', 'companies', 'init', migrationId));
    const kept = again.companies as { status: string; summary: string | null }[];
    assert.equal(kept[0]?.status, 'succeeded');
    assert.match(kept[0]?.summary ?? '', /^kept table company_setup; 0 of \d+ default settings added/);
    const text = await remote('migration', 'companies', 'status', migrationId);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^COMPANY +STATUS +FINISHED +WHAT HAPPENED\ndefault +succeeded /m);
    const unknown = await remote('migration', 'companies', 'init', migrationId, '--company', 'nope');
    assert.equal(unknown.code, 1);
    assert.equal(errorLines(unknown).length, 1, unknown.stderr);
    assert.match(errorLines(unknown)[0] ?? '', /not a selected company.*"nope".*\[FERRY_INVALID_ARGUMENT\]$/);
  });

  it('streams the same --json events as a local run and exits 0 only on success', async () => {
    const r = await remote('--json', 'run', migrationId, '--kind', 'incremental');
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; status?: string; verified?: boolean });
    const types = new Set(events.map((e) => e.type));
    assert.ok(types.has('run-started') && types.has('run-finished'), [...types].join(', '));
    const report = events.at(-1);
    assert.equal(report?.type, 'report');
    assert.equal(report?.verified, true);
    assert.ok(['succeeded', 'succeeded-with-warnings'].includes(report?.status ?? ''), report?.status);
  });

  it('lists and shows runs as the local CLI does', async () => {
    const remoteRuns = JSON.parse((await remote('--json', 'runs')).stdout) as {
      id: string;
      status: string;
    }[];
    const localRuns = JSON.parse((await local('--json', 'runs')).stdout) as unknown[];
    assert.deepEqual(remoteRuns, localRuns);
    assert.ok(remoteRuns.some((run) => run.id === runId && run.status.startsWith('succeeded')));

    const remoteShow = await json(remote('--json', 'runs', 'show', runId));
    assert.deepEqual(remoteShow, await json(local('--json', 'runs', 'show', runId)));
    const text = await remote('runs', 'show', runId);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^Run ${runId} \\(test\\): succeeded`));
    assert.match(text.stdout, /chunks {4}\d+ of \d+ verified/);
  });

  it("prints the server's 409 reason as the local CLI would, and exits 1", async () => {
    const refused = await remote('migration', 'go-live', migrationId);
    assert.equal(refused.code, 1);
    const lines = errorLines(refused);
    assert.equal(lines.length, 1, refused.stderr);
    assert.match(lines[0] ?? '', /^ferry: .*\[FERRY_ILLEGAL_TRANSITION\]$/);
    const localRefusal = await local('migration', 'go-live', migrationId);
    assert.equal(refused.stderr, localRefusal.stderr);
  });

  it('checks a migration through the server', async () => {
    const r = await json(remote('--json', 'check', '--migration', migrationId));
    assert.equal(r.type, 'checks');
    assert.equal(r.blocking, false);
    assert.deepEqual(shape(r), shape(await json(local('--json', 'check', '--migration', migrationId))));
  });

  it('lists users and maps one through the server; a conflicting mapping is refused with its 409 reason', async () => {
    const remoteUsers = await json(remote('--json', 'users', 'list', migrationId));
    assert.deepEqual(remoteUsers, await json(local('--json', 'users', 'list', migrationId)));
    const [first, second] = remoteUsers.users as { id: string }[];
    assert.ok(first && second);
    const mapped = await json(
      remote('--json', 'users', 'map', migrationId, '--user', first.id, '--identity', 'first@cloud.example'),
    );
    assert.equal(mapped.changed, true);
    const conflict = await remote(
      'users',
      'map',
      migrationId,
      '--user',
      second.id,
      '--identity',
      'first@cloud.example',
    );
    assert.equal(conflict.code, 1);
    assert.equal(errorLines(conflict).length, 1, conflict.stderr);
    assert.match(conflict.stderr, /\[FERRY_USER_MAPPING_CONFLICT\]/);
    assert.deepEqual(
      await json(remote('--json', 'users', 'mappings', migrationId)),
      await json(local('--json', 'users', 'mappings', migrationId)),
    );
  });

  it('refuses a wrong token in one line, without echoing it, exit 1', async () => {
    const wrong = 'ferry_op_not-a-real-token-123456';
    const r = await ferry({ FERRY_TOKEN: wrong }, '--server', base, 'migration', 'list');
    assert.equal(r.code, 1);
    const lines = errorLines(r);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? '', /refused the operator token.*ferry token create.*\[FERRY_UNAUTHORIZED\]/);
    assert.ok(!r.stderr.includes(wrong) && !r.stdout.includes(wrong));

    const none = await ferry({}, '--server', base, 'runs');
    assert.equal(none.code, 1);
    assert.match(
      errorLines(none)[0] ?? '',
      /needs an operator token and none was given.*\[FERRY_UNAUTHORIZED\]/,
    );
  });

  it('says in one line that nothing answers at an unreachable server, without its credentials', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 1));
      });
    });
    const r = await ferry(
      { FERRY_TOKEN: token },
      '--server',
      `http://admin:s3cret@127.0.0.1:${port}`,
      'migration',
      'list',
    );
    assert.equal(r.code, 1);
    const lines = errorLines(r);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0] ?? '',
      new RegExp(
        `no Ferry server answered at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\).*ferry serve.*\\[FERRY_SERVER_UNREACHABLE\\]`,
      ),
    );
    assert.ok(!r.stderr.includes('s3cret') && !r.stderr.includes(token));
  });

  it('refuses commands that run on this machine, in one line', async () => {
    for (const args of [
      ['migrate', '--from', 'sqlite:a.db', '--to', 'sqlite:b.db'],
      ['token', 'create', '--name', 'x'],
      ['check', installation],
      ['serve'],
    ]) {
      const r = await remote(...args);
      assert.equal(r.code, 1, args.join(' '));
      const lines = errorLines(r);
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0] ?? '', /runs on this machine, not through a server.*\[FERRY_INVALID_ARGUMENT\]/);
    }
  });
});
