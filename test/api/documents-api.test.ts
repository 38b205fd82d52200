// The document manifest and a run's document report over real HTTP (a Fastify server on a port,
// the SQLite store, a generated crm installation with documents planted missing): the manifest
// counts what the generator wrote and left out, a test run's missing documents are the manifest's
// missing documents, and bad input, unknown runs and runs without an upload are refused by code.

import assert from 'node:assert/strict';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { registryProfiles } from '../../src/cli/control-plane-session.ts';
import type { FerryServer } from '../../src/api/server.ts';
import type { InitInstallationSummary } from '../../src/profiles/crm/init-installation.ts';
import { missingDocumentIds } from '../../src/profiles/crm/planted-problems.ts';
import { crmRowCounts } from '../../src/profiles/crm/schema.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import type { DocumentManifestReport, RunDocumentsReport } from '../../src/services/document-reports.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { migrationWithMissingDocuments, serveApi } from '../support/documents-migration.ts';
import { tempDir } from '../support/servers.ts';

const byId = (a: { id: string }, b: { id: string }) => Number(a.id) - Number(b.id);

describe('HTTP API: the document manifest and a run’s documents', () => {
  const dir = tempDir('api-documents');
  let store: Store;
  let cp: ControlPlane;
  let server: FerryServer;
  let base = '';
  let token = '';
  let generated: InitInstallationSummary;
  let migrationId = '';
  let testRunId = '';
  let diagnosticRunId = '';

  before(async () => {
    store = await openStore({ home: join(dir.path, 'home') });
    cp = { store, profiles: registryProfiles };
    let testRun;
    ({ generated, migrationId, diagnosticRunId, testRun } = await migrationWithMissingDocuments(
      cp,
      dir.path,
      11,
    ));
    assert.ok(testRun.documents !== null && testRun.documents.missing.length > 0, 'the run uploaded');
    testRunId = testRun.runId;
    ({ server, base, token } = await serveApi(cp, 'documents api test'));
  });

  after(async () => {
    await server?.close();
    await store?.close();
    dir.remove();
  });

  const get = (path: string, bearer = token) =>
    fetch(`${base}/api/v1${path}`, { headers: { authorization: `Bearer ${bearer}` } });

  async function ok<T>(path: string): Promise<T> {
    const res = await get(path);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    return JSON.parse(text) as T;
  }

  async function refused(
    path: string,
    status: number,
    code: string,
  ): Promise<{ message: string; hint: string }> {
    const res = await get(path);
    const body = (await res.json()) as { code: string; message: string; hint: string };
    assert.equal(res.status, status, JSON.stringify(body));
    assert.equal(body.code, code);
    return body;
  }

  const manifestPath = (query = '') => `/migrations/${migrationId}/documents/manifest${query}`;

  it('counts what the generator wrote to the archive and what it planted missing', async () => {
    const m = await ok<DocumentManifestReport>(manifestPath());
    const planted = missingDocumentIds('small');
    assert.ok(planted.length > 0);
    assert.equal(m.totals.referenced, crmRowCounts.small.documents);
    assert.equal(m.totals.missing, planted.length);
    assert.equal(m.totals.missing, generated.archive.missing);
    assert.equal(m.totals.present, generated.archive.files);
    assert.equal(m.totals.referenced, m.totals.present + m.totals.missing);
    assert.equal(m.totals.presentBytes, generated.archive.bytes);
    assert.equal(m.totals.archiveBytes, generated.archive.bytes);
    assert.deepEqual([m.totals.unreferenced, m.totals.differing], [0, 0]);
    assert.deepEqual(
      m.missing.map((d) => d.id).sort((a, b) => Number(a) - Number(b)),
      planted.map(String),
    );
    for (const d of m.missing) assert.match(d.path, /^so_arc\/.+\/0*\d+-/);
    assert.equal(m.hashed, false);
    assert.equal(m.archiveRoot, generated.installation.archive);
  });

  it('with hash=true finds every sha256 equal to what the database records', async () => {
    const m = await ok<DocumentManifestReport>(manifestPath('?hash=true'));
    assert.equal(m.hashed, true);
    assert.equal(m.totals.differing, 0);
    assert.equal(m.totals.present, generated.archive.files);
  });

  it('bounds the lists with limit and keeps the totals whole', async () => {
    const m = await ok<DocumentManifestReport>(manifestPath('?limit=2'));
    assert.equal(m.limit, 2);
    assert.equal(m.missing.length, 2);
    assert.equal(m.totals.missing, missingDocumentIds('small').length);
  });

  it("lists the same missing documents for the test run as the manifest, with the session's totals", async () => {
    const m = await ok<DocumentManifestReport>(manifestPath());
    const r = await ok<RunDocumentsReport>(`/runs/${testRunId}/documents?outcome=missing`);
    assert.equal(r.runId, testRunId);
    assert.equal(r.migrationId, migrationId);
    assert.equal(r.kind, 'test');
    assert.equal(r.session.id, testRunId);
    assert.equal(r.session.mode, 'initial');
    assert.equal(r.session.status, 'finished');
    assert.deepEqual(r.filter, ['missing']);
    assert.deepEqual(
      r.documents.map((d) => ({ id: d.id, path: d.path })).sort(byId),
      [...m.missing].sort(byId),
    );
    assert.ok(r.documents.every((d) => d.outcome === 'missing'));
    assert.equal(r.matching, m.totals.missing);
    assert.equal(r.outcomes.missing.files, m.totals.missing);
    assert.equal(r.outcomes.uploaded.files, m.totals.present);
    assert.equal(r.outcomes.uploaded.bytes, m.totals.presentBytes);
    assert.equal(r.outcomes.failed.files, 0);
    assert.equal(r.total.files, m.totals.referenced);

    const failed = await ok<RunDocumentsReport>(`/runs/${testRunId}/documents?outcome=failed`);
    assert.deepEqual([failed.documents, failed.matching], [[], 0]);
    const both = await ok<RunDocumentsReport>(`/runs/${testRunId}/documents?outcome=missing&outcome=failed`);
    assert.deepEqual(both.filter, ['missing', 'failed']);
    assert.equal(both.documents.length, m.totals.missing);

    const all = await ok<RunDocumentsReport>(`/runs/${testRunId}/documents?limit=3`);
    assert.equal(all.filter, null);
    assert.equal(all.matching, m.totals.referenced);
    assert.equal(all.documents.length, 3);
    const paths = all.documents.map((d) => d.path);
    assert.deepEqual(paths, [...paths].sort(), 'ordered by path');
    assert.ok(all.documents.every((d) => d.outcome !== 'uploaded' || /^[0-9a-f]{64}$/.test(d.sha256 ?? '')));
  });

  it('answers bad query values with 400 naming the field', async () => {
    const outcome = await refused(`/runs/${testRunId}/documents?outcome=lost`, 400, 'FERRY_INVALID_ARGUMENT');
    assert.match(outcome.message, /outcome/);
    const limit = await refused(`/runs/${testRunId}/documents?limit=0`, 400, 'FERRY_INVALID_ARGUMENT');
    assert.match(limit.message, /limit/);
    await refused(manifestPath('?hash=maybe'), 400, 'FERRY_INVALID_ARGUMENT');
    await refused(manifestPath('?limit=many'), 400, 'FERRY_INVALID_ARGUMENT');
  });

  it('answers an unknown run or migration with 404, and a run without an upload naming it and its kind', async () => {
    await refused('/runs/run-nope/documents', 404, 'FERRY_RUN_NOT_FOUND');
    await refused('/migrations/m-nope/documents/manifest', 404, 'FERRY_MIGRATION_NOT_FOUND');
    const diagnostic = await refused(`/runs/${diagnosticRunId}/documents`, 400, 'FERRY_INVALID_ARGUMENT');
    assert.ok(diagnostic.message.includes(diagnosticRunId), diagnostic.message);
    assert.match(diagnostic.message, /diagnostic run: it uploads no documents/);
  });

  it('refuses both routes without a token', async () => {
    for (const path of [manifestPath(), `/runs/${testRunId}/documents`]) {
      const res = await get(path, 'ferry_op_wrong');
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { code: string }).code, 'FERRY_UNAUTHORIZED');
    }
  });

  it('finds a file no row references and a file whose size differs from the database', async () => {
    const before = await ok<DocumentManifestReport>(manifestPath());
    const archive = generated.installation.archive;
    writeFileSync(join(archive, 'stray.txt'), 'nobody references me\n');
    const uploaded = await ok<RunDocumentsReport>(`/runs/${testRunId}/documents?outcome=uploaded&limit=1`);
    const changed = uploaded.documents[0];
    assert.ok(changed !== undefined);
    truncateSync(join(archive, ...changed.path.split('/')), 10);
    const m = await ok<DocumentManifestReport>(manifestPath());
    assert.deepEqual(m.unreferenced, [{ path: 'stray.txt', size: 21 }]);
    assert.equal(m.totals.unreferenced, 1);
    assert.deepEqual(
      m.differing.map((d) => [d.id, d.differs, d.size]),
      [[changed.id, 'size', 10]],
    );
    assert.equal(m.totals.present, before.totals.present, 'a changed file is still present');
    assert.equal(m.totals.archiveBytes, m.totals.presentBytes + 21);
  });
});
