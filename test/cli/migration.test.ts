// `ferry migration` and `ferry token` end to end through the real command: one migration from
// create to go-live, with the runs simulated by the run gate calls the run service makes, and
// every action after go-live refused with one clear line.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunKind } from '../../src/domain/migration-rules.ts';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import { profileById } from '../../src/profiles/registry.ts';
import { defaultRunOptions } from '../../src/services/copy-runs.ts';
import { createRunGate } from '../../src/services/run-gate.ts';
import { openStore } from '../../src/store/open-store.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const dir = tempDir('cli-migration');
const home = join(dir.path, 'home');
let installation = '';

function ferry(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/ferry.js', ...args], {
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

/** Runs a command that must succeed and returns its --json output. */
async function json(...args: string[]): Promise<Record<string, unknown>> {
  const r = await ferry('--home', home, '--json', ...args);
  assert.equal(r.code, 0, `ferry ${args.join(' ')} failed: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** What the run service does around a run: create it, pass the gate, end it successfully. */
async function simulateRun(migrationId: string, kind: RunKind): Promise<void> {
  const store = await openStore({ home });
  try {
    const cp = { store, profiles: profileById };
    const runId = `r-${kind}-${Date.now()}`;
    await store.createRun({
      id: runId,
      kind,
      migrationId: migrationId,
      status: 'running',
      step: 'planned',
      sourceUrl: 'sqlite:source.db',
      targetUrl: 'sqlite:target.db',
      sourceLocation: 'sqlite:source.db',
      targetLocation: 'sqlite:target.db',
      options: { ...defaultRunOptions, replace: false },
      plan: null,
    });
    const gate = createRunGate(cp);
    await gate.assertRunAllowed(migrationId, kind);
    await gate.runStarted(migrationId, runId, kind, { companyName: 'Acme AB', serialNumber: 'SN-1' });
    await store.updateRun(runId, { status: 'succeeded' });
    await gate.runEnded(migrationId, runId, kind, 'succeeded');
  } finally {
    await store.close();
  }
}

before(async () => {
  await initInstallation({ dir: join(dir.path, 'acme'), size: 'small' });
  installation = join(dir.path, 'acme', 'installation.yaml');
});
after(() => dir.remove());

describe('ferry migration', () => {
  it('walks one migration from create to go-live and refuses every action afterwards', async () => {
    const created = await json(
      'migration',
      'create',
      '--installation',
      installation,
      '--profile',
      'crm',
      '--tenant',
      'acme',
    );
    const id = (created.migration as { id: string }).id;
    assert.equal((created.migration as { phase: string }).phase, 'planning');

    const early = await ferry(
      '--home',
      home,
      'migration',
      'sign-plan',
      id,
      '--party',
      'vendor',
      '--name',
      'Vera',
    );
    assert.equal(early.code, 1);
    assert.match(early.stderr, /the plan has no activities yet.*\[FERRY_ILLEGAL_TRANSITION\]/);

    const plan = await json(
      'migration',
      'plan',
      id,
      '--activity',
      'Test migration',
      '--owner',
      'Vendor team',
      '--estimate',
      '4h',
      '--deadline',
      '2027-01-31',
    );
    assert.equal(plan.totalEstimateMinutes, 240);
    await json('migration', 'sign-plan', id, '--party', 'vendor', '--name', 'Vera Vendor');
    const signed = await json('migration', 'sign-plan', id, '--party', 'customer', '--name', 'Carl Customer');
    assert.deepEqual(signed.missing, []);

    await simulateRun(id, 'test');
    let shown = await json('migration', 'show', id);
    assert.equal((shown.migration as { phase: string }).phase, 'parallel');
    assert.equal((shown.tenant as { state: string }).state, 'offline-maintenance');

    const added = await json('migration', 'checklist', id, '--add', 'Invoices print with the new layout');
    const ids = (added.items as { id: string }[]).map((i) => i.id);
    assert.ok(ids.includes('custom-1'));
    const refusedApproval = await ferry(
      '--home',
      home,
      'migration',
      'approve',
      id,
      '--party',
      'vendor',
      '--name',
      'V',
    );
    assert.equal(refusedApproval.code, 1);
    assert.match(refusedApproval.stderr, /the checklist is not complete: 7 item\(s\) not passed/);
    const checked = await json(
      'migration',
      'checklist',
      id,
      '--pass',
      ids.join(','),
      '--by',
      'Carl Customer',
    );
    assert.ok(
      (checked.items as { status: string; decidedBy: string }[]).every(
        (i) => i.status === 'passed' && i.decidedBy === 'Carl Customer',
      ),
    );
    await json('migration', 'approve', id, '--party', 'vendor', '--name', 'Vera Vendor');
    const approved = await json('migration', 'approve', id, '--party', 'customer', '--name', 'Carl Customer');
    assert.equal((approved.migration as { phase: string }).phase, 'approved');

    await simulateRun(id, 'final');
    const live = await json('migration', 'go-live', id);
    assert.equal((live.migration as { phase: string }).phase, 'live');
    assert.equal((live.tenant as { state: string }).state, 'running');
    assert.match(
      readFileSync(join(dir.path, 'acme', 'service', 'ferry-crm.config'), 'utf8'),
      /Archived\s*=\s*true/i,
    );

    // Independent refusals, run side by side to keep the file fast.
    const attempts = [
      ['pause', id],
      ['abandon', id],
      ['reset-cloud-data', id],
      ['schedule', id, '--cron', '0 2 * * *'],
      ['runtime-key', id, '--reset'],
      ['checklist', id, '--add', 'one more'],
    ];
    const results = await Promise.all(attempts.map((args) => ferry('--home', home, 'migration', ...args)));
    results.forEach((r, i) => {
      assert.equal(r.code, 1, `migration ${attempts[i]!.join(' ')} should be refused`);
      const line = r.stderr.trim();
      assert.equal(line.split('\n').length, 1, 'one line');
      assert.match(line, /is live.*\[FERRY_ILLEGAL_TRANSITION\]$/);
    });
    await assert.rejects(simulateRun(id, 'incremental'), /is live: a incremental run refused/);
    const asJson = await ferry('--home', home, '--json', 'migration', 'pause', id);
    assert.equal(JSON.parse(asJson.stdout).code, 'FERRY_ILLEGAL_TRANSITION');
    shown = await json('migration', 'list');
    assert.equal((shown.migrations as { phase: string }[])[0]?.phase, 'live');
  });

  it('explains the phases in its help', async () => {
    const r = await ferry('migration', '--help');
    for (const phase of [
      'planning',
      'first-migration',
      'parallel',
      'approved',
      'final-migration',
      'live',
      'paused',
      'abandoned',
    ])
      assert.match(r.stdout, new RegExp(`^  ${phase} `, 'm'));
  });
});

describe('ferry token', () => {
  it('prints a token once, lists it without the secret, and revokes it', async () => {
    const created = await json('token', 'create', '--name', 'ci');
    const token = created.token as string;
    assert.match(token, /^ferry_op_[A-Za-z0-9_-]{43}$/);
    const listed = await ferry('--home', home, 'token', 'list');
    assert.match(listed.stdout, /ci/);
    assert.doesNotMatch(listed.stdout, new RegExp(token));
    assert.ok(!readFileSync(join(home, 'ferry.db')).includes(token), 'the store holds no plaintext token');
    await json('token', 'revoke', created.id as string);
    const again = await ferry('--home', home, 'token', 'revoke', created.id as string);
    assert.match(again.stderr, /\[FERRY_TOKEN_NOT_FOUND\]/);
  });
});

const pgSkip = await skipUnless('postgres');

describe('ferry --store postgres://', { skip: pgSkip }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await freshDatabase('postgres', 'cli_store');
  });
  after(async () => {
    await db.drop();
  });

  it('keeps migrations in PostgreSQL and the tenant in a schema of the tenant database', async () => {
    const r = await ferry(
      '--home',
      join(dir.path, 'pg-home'),
      '--store',
      db.url,
      '--json',
      'migration',
      'create',
      '--installation',
      installation,
      '--profile',
      'crm',
      '--tenant',
      'pg-co',
      '--tenant-db',
      db.url,
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout) as { tenant: { databaseUrl: string } };
    assert.match(out.tenant.databaseUrl, /schema=tenant_pg_co/);
    const listed = await ferry('--store', db.url, '--json', 'migration', 'list');
    assert.equal((JSON.parse(listed.stdout) as { migrations: unknown[] }).migrations.length, 1);
  });
});
