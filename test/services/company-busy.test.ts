// "A company being initialized cannot be changed": while a company's initialization job is queued
// or running, every run that writes the tenant, reset cloud data, sanitize --fix and companion
// repair are refused with FERRY_COMPANY_BUSY (409 over HTTP), a diagnostic run (which writes nothing
// to the tenant) still runs, and once the job has ended everything is allowed again. The other way
// round, initialization does not start while a run holds the migration.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildServer, type FerryServer } from '../../src/api/server.ts';
import { registryProfiles } from '../../src/cli/control-plane-session.ts';
import { isFerryError } from '../../src/domain/errors.ts';
import { InProcessQueue } from '../../src/queue/in-process-queue.ts';
import { repairCompanions } from '../../src/services/companion-repair.ts';
import {
  listCompanyInitializations,
  startCompanyInitializations,
  startInProcessCompanyInitializer,
  waitForCompanyInitializations,
} from '../../src/services/company-initialization.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { resetCloudData } from '../../src/services/migration-lifecycle.ts';
import { startMigrationRun } from '../../src/services/migration-runs.ts';
import { getMigration } from '../../src/services/migrations.ts';
import { fixInvalidTextInTenant } from '../../src/services/sanitize.ts';
import { createOperatorToken, verifyOperatorToken } from '../../src/services/tokens.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { tempDir } from '../support/servers.ts';
import { loadedMigration, quiet } from './sanitize-fixture.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('while a company is being initialized', () => {
  const dir = tempDir('company-busy');
  let store: Store;
  let cp: ControlPlane;
  let server: FerryServer;
  let base = '';
  let token = '';
  let m = '';

  before(async () => {
    store = await openStore({ home: join(dir.path, 'home') });
    cp = { store, profiles: registryProfiles };
    ({ migrationId: m } = await loadedMigration(cp, dir.path, 'busy'));
    token = (await createOperatorToken(cp, 'company busy test')).token;
    server = await buildServer({
      store,
      controlPlane: cp,
      version: '0.0.0-test',
      tokens: { verify: (t) => verifyOperatorToken(cp, t) },
    });
    base = await server.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await server?.close();
    await store?.close();
    dir.remove();
  });

  async function call(method: string, path: string, body?: unknown) {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as { code?: string; message?: string } };
  }

  /** Queues the crm company's job on a queue nobody takes: it stays `queued` for `ms`. */
  async function holdCompany(ms: number): Promise<void> {
    const started = await startCompanyInitializations(cp, m, null, new InProcessQueue(), {
      queuedTimeoutMs: ms,
    });
    assert.deepEqual(
      started.companies.map((c) => [c.companyId, c.status]),
      [['default', 'queued']],
    );
  }

  const busy = (action: RegExp) => (e: unknown) =>
    isFerryError(e, 'FERRY_COMPANY_BUSY') && action.test(e.message) && /"default" \(queued\)/.test(e.message);

  it('refuses every run that writes the tenant, reset cloud data, sanitize --fix and companion repair', async () => {
    await holdCompany(60_000);
    for (const kind of ['test', 'incremental', 'recovery-overwrite-test', 'data-upgrade'] as const)
      await assert.rejects(
        startMigrationRun({ cp, migrationId: m, kind, ...quiet }),
        busy(new RegExp(`a ${kind} run cannot start`)),
      );
    await assert.rejects(resetCloudData(cp, m), busy(/the cloud data cannot be reset/));
    await assert.rejects(fixInvalidTextInTenant(cp, m), busy(/invalid characters cannot be fixed/));
    await assert.rejects(repairCompanions(cp, m), busy(/companion rows cannot be repaired/));
    assert.equal((await getMigration(cp, m)).activeRunId, null, 'no run claimed the migration');
  });

  it('answers 409 FERRY_COMPANY_BUSY over HTTP for the same actions', async () => {
    for (const [method, path, body] of [
      ['POST', `/migrations/${m}/runs`, { kind: 'test' }],
      ['POST', `/migrations/${m}/reset-cloud-data`, undefined],
      ['POST', `/migrations/${m}/sanitize`, { mode: 'fix' }],
      ['POST', `/migrations/${m}/repair-companions`, undefined],
    ] as const) {
      const r = await call(method, path, body);
      assert.equal(r.status, 409, `${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, 'FERRY_COMPANY_BUSY', path);
    }
  });

  it('still runs a diagnostic, which writes nothing to the tenant', async () => {
    const outcome = await startMigrationRun({ cp, migrationId: m, kind: 'diagnostic', ...quiet });
    assert.ok(['succeeded', 'succeeded-with-warnings'].includes(outcome.status), outcome.status);
  });

  it('allows them again once the initialization has ended', async () => {
    // Free the held company: its job times out (no worker took it), then initialize for real.
    await holdCompanyUntilExpired();
    const queue = await startInProcessCompanyInitializer(cp, { workerId: 'test' });
    try {
      await startCompanyInitializations(cp, m, null, queue);
      const done = await waitForCompanyInitializations(cp, m, null, { pollMs: 50 });
      assert.equal(done.companies[0]?.status, 'succeeded', JSON.stringify(done.companies[0]?.error));
    } finally {
      await queue.stop();
    }
    const repaired = await repairCompanions(cp, m);
    assert.equal(repaired.migrationId, m);
    const run = await startMigrationRun({ cp, migrationId: m, kind: 'incremental', ...quiet });
    assert.ok(['succeeded', 'succeeded-with-warnings'].includes(run.status), run.status);
  });

  async function holdCompanyUntilExpired(): Promise<void> {
    const list = await listCompanyInitializations(cp, m);
    if (list.companies.some((c) => c.status === 'queued')) {
      // The job held above waits 60 s: replace it by one that expires at once.
      const { CompanyInitializationRepository } =
        await import('../../src/store/company-initialization-repository.ts');
      await new CompanyInitializationRepository(store.kysely).failExpired(
        m,
        new Date(Date.now() + 120_000).toISOString(),
        {
          queued: { code: 'FERRY_COMPANY_INITIALIZATION_FAILED', message: 'expired for the test' },
          running: { code: 'FERRY_COMPANY_INITIALIZATION_FAILED', message: 'expired for the test' },
        },
      );
    }
    await holdCompany(100);
    await sleep(200);
    const after = await listCompanyInitializations(cp, m);
    assert.equal(after.companies[0]?.status, 'failed', 'a job no worker took in time is failed');
  }

  it('does not start an initialization while a run holds the migration', async () => {
    const attempt: { refusal: Promise<unknown> | null } = { refusal: null };
    const outcome = await startMigrationRun({
      cp,
      migrationId: m,
      kind: 'incremental',
      ...quiet,
      onRunCreated: () => {
        attempt.refusal = startCompanyInitializations(cp, m, null, new InProcessQueue()).then(
          () => assert.fail('the initialization started during a run'),
          (e: unknown) => e,
        );
      },
    });
    assert.ok(['succeeded', 'succeeded-with-warnings'].includes(outcome.status), outcome.status);
    assert.ok(attempt.refusal !== null, 'the run was created');
    const error = await attempt.refusal;
    assert.ok(isFerryError(error, 'FERRY_ILLEGAL_TRANSITION'), String(error));
    assert.match(error.message, new RegExp(`is held by incremental run ${outcome.runId}`));
    assert.ok(
      !(await listCompanyInitializations(cp, m)).companies.some((c) => c.status === 'queued'),
      'nothing was queued',
    );
  });
});
