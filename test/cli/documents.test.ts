// `ferry documents` as people and scripts use it (bin/ferry.js spawned): the manifest of a
// generated crm installation with documents planted missing, locally with --json and as text with
// the missing documents in a table; a test run's document report; the same --json through a server
// (--server); and bad input, an unknown run and a run of another kind each as one line, exit 1.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FerryServer } from '../../src/api/server.ts';
import { registryProfiles } from '../../src/cli/control-plane-session.ts';
import { missingDocumentIds } from '../../src/profiles/crm/planted-problems.ts';
import { crmRowCounts } from '../../src/profiles/crm/schema.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import type { DocumentManifestReport, RunDocumentsReport } from '../../src/services/document-reports.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { migrationWithMissingDocuments, serveApi } from '../support/documents-migration.ts';
import { tempDir } from '../support/servers.ts';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const dir = tempDir('cli-documents');
const home = join(dir.path, 'home');
let store: Store;
let server: FerryServer;
let base = '';
let token = '';
let migrationId = '';
let testRunId = '';
let diagnosticRunId = '';

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

const local = (...args: string[]) => ferry({}, '--home', home, ...args);
const remote = (...args: string[]) => ferry({ FERRY_TOKEN: token }, '--server', base, ...args);

async function json<T>(run: Promise<Result>): Promise<T> {
  const r = await run;
  assert.equal(r.code, 0, `failed: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

function oneErrorLine(r: Result): string {
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, r.stderr);
  return lines[0] ?? '';
}

before(async () => {
  store = await openStore({ home });
  const cp: ControlPlane = { store, profiles: registryProfiles };
  let testRun;
  ({ migrationId, diagnosticRunId, testRun } = await migrationWithMissingDocuments(cp, dir.path, 5));
  testRunId = testRun.runId;
  ({ server, base, token } = await serveApi(cp, 'documents cli test'));
});

after(async () => {
  await server?.close();
  await store?.close();
  dir.remove();
});

describe('ferry documents', () => {
  const planted = missingDocumentIds('small').map(String);

  it('prints the manifest as one JSON object with --json', async () => {
    const m = await json<DocumentManifestReport & { type: string }>(
      local('--json', 'documents', migrationId),
    );
    assert.equal(m.type, 'document-manifest');
    assert.equal(m.totals.referenced, crmRowCounts.small.documents);
    assert.equal(m.totals.missing, planted.length);
    assert.equal(m.totals.referenced, m.totals.present + m.totals.missing);
    assert.deepEqual(
      m.missing.map((d) => d.id).sort((a, b) => Number(a) - Number(b)),
      planted,
    );
    const limited = await json<DocumentManifestReport>(
      local('--json', 'documents', migrationId, '--limit', '1', '--hash'),
    );
    assert.deepEqual(
      [limited.missing.length, limited.totals.missing, limited.hashed],
      [1, planted.length, true],
    );
  });

  it('prints a summary and the missing documents as an aligned table for people', async () => {
    const m = await json<DocumentManifestReport>(local('--json', 'documents', migrationId));
    const r = await local('documents', migrationId);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0] ?? '', new RegExp(`^Documents of migration ${migrationId} \\(archive `));
    assert.ok(
      lines.some((l) => new RegExp(`^  referenced +${m.totals.referenced}$`).test(l)),
      r.stdout,
    );
    assert.ok(
      lines.some((l) => new RegExp(`^  missing +${planted.length}  referenced, not in the archive$`).test(l)),
    );
    const header = lines.findIndex((l) => /^ID +PATH$/.test(l));
    assert.ok(header > 0, r.stdout);
    const pathColumn = (lines[header] ?? '').indexOf('PATH');
    const rows = lines.slice(header + 1, header + 1 + planted.length);
    assert.deepEqual(
      rows.map((l) => l.slice(pathColumn)),
      m.missing.map((d) => d.path),
      'one row per missing document, the paths aligned under PATH',
    );
    assert.deepEqual(
      rows.map((l) => l.slice(0, pathColumn).trim()),
      m.missing.map((d) => d.id),
    );
  });

  it("prints a run's missing and failed documents, the same through a server", async () => {
    const manifest = await json<DocumentManifestReport>(local('--json', 'documents', migrationId));
    const r = await json<RunDocumentsReport & { type: string }>(
      local('--json', 'documents', migrationId, '--run', testRunId),
    );
    assert.equal(r.type, 'run-documents');
    assert.deepEqual(r.filter, ['missing', 'failed']);
    assert.deepEqual(r.documents.map((d) => d.id).sort(), manifest.missing.map((d) => d.id).sort());
    assert.equal(r.outcomes.uploaded.files, manifest.totals.present);

    const text = await local('documents', migrationId, '--run', testRunId);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      new RegExp(
        `^Documents of run ${testRunId} \\(test, succeeded[^)]*\\): upload session initial, finished`,
      ),
    );
    assert.match(text.stdout, new RegExp(`\\n  uploaded +${manifest.totals.present}  `));
    assert.match(
      text.stdout,
      new RegExp(`\\nDocuments missing or failed \\(${planted.length}\\):\\nID +OUTCOME +SIZE +PATH\\n`),
    );
    for (const d of manifest.missing) assert.ok(text.stdout.includes(d.path), d.path);

    const failed = await json<RunDocumentsReport>(
      local('--json', 'documents', migrationId, '--run', testRunId, '--outcome', 'failed'),
    );
    assert.deepEqual([failed.filter, failed.documents], [['failed'], []]);

    assert.deepEqual(
      await json(remote('--json', 'documents', migrationId, '--run', testRunId)),
      await json(local('--json', 'documents', migrationId, '--run', testRunId)),
    );
    assert.deepEqual(
      await json(remote('--json', 'documents', migrationId)),
      await json(local('--json', 'documents', migrationId)),
    );
  });

  it('refuses bad input, an unknown run and a run without an upload in one line each', async () => {
    assert.match(
      oneErrorLine(await local('documents', migrationId, '--run', testRunId, '--outcome', 'lost')),
      /^ferry: --outcome must be uploaded, unchanged, missing, failed.*"lost".*\[FERRY_INVALID_ARGUMENT\]$/,
    );
    assert.match(
      oneErrorLine(await local('documents', migrationId, '--outcome', 'missing')),
      /--outcome needs --run.*\[FERRY_INVALID_ARGUMENT\]$/,
    );
    assert.match(
      oneErrorLine(await local('documents', migrationId, '--limit', '0')),
      /--limit must be a whole number.*\[FERRY_INVALID_ARGUMENT\]$/,
    );
    assert.match(
      oneErrorLine(await local('documents', migrationId, '--run', 'run-nope')),
      /there is no run run-nope.*\[FERRY_RUN_NOT_FOUND\]$/,
    );
    assert.match(
      oneErrorLine(await remote('documents', migrationId, '--run', 'run-nope')),
      /there is no run run-nope.*\[FERRY_RUN_NOT_FOUND\]$/,
    );
    const diagnostic = oneErrorLine(await local('documents', migrationId, '--run', diagnosticRunId));
    assert.ok(diagnostic.includes(`run ${diagnosticRunId} is a diagnostic run`), diagnostic);
    assert.match(
      oneErrorLine(await local('documents', 'm-nope')),
      /there is no migration "m-nope".*\[FERRY_MIGRATION_NOT_FOUND\]$/,
    );
  });

  it('teaches with examples in --help', async () => {
    const r = await local('documents', '--help');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Examples:\n {2}ferry documents M /);
    assert.match(r.stdout, /--run <run>/);
    assert.match(r.stdout, /--outcome <outcomes>/);
  });
});
