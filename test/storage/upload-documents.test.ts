// The document upload of a generated CRM installation (400 documents, 5 planted as missing), into
// every blob store against a real backend: the initial upload, the missing documents listed, the
// recoveries, retries of transient faults (injected through the port) and sessions.

import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isFerryError } from '../../src/domain/errors.ts';
import { documentFile, sha256 } from '../../src/profiles/crm/archive.ts';
import { missingDocumentIds } from '../../src/profiles/crm/planted-problems.ts';
import type { BlobStore } from '../../src/storage/blob-store.ts';
import { DocumentOutcomeRepository } from '../../src/storage/document-outcomes.ts';
import { buildManifest } from '../../src/storage/manifest.ts';
import { openBlobStore } from '../../src/storage/open-blob-store.ts';
import { TransientError } from '../../src/storage/retry.ts';
import type { UploadDocumentsOptions } from '../../src/storage/upload-documents.ts';
import { uploadDocuments } from '../../src/storage/upload-documents.ts';
import type { Store } from '../../src/store/open-store.ts';
import { openStore } from '../../src/store/open-store.ts';
import { tempDir } from '../support/servers.ts';
import type { TestInstallation, TestS3 } from './support.ts';
import { crmInstallation, s3Env, startS3 } from './support.ts';

const SEED = 7;
const planted = missingDocumentIds('small').map(String);

let crm: TestInstallation;
let s3: TestS3;
let home: ReturnType<typeof tempDir>;
let controlPlane: Store;
let outcomes: DocumentOutcomeRepository;

before(async () => {
  [crm, s3] = await Promise.all([crmInstallation('upload-docs'), startS3()]);
  home = tempDir('upload-home');
  controlPlane = await openStore(home.path);
  outcomes = new DocumentOutcomeRepository(controlPlane.kysely);
});
after(async () => {
  await controlPlane.close();
  await s3.close();
  home.remove();
  crm.remove();
});

/** Fails the first put of each listed key with a transient error (a flaky network, through the port). */
function flaky(store: BlobStore, keys: Set<string>): BlobStore & { faults: number } {
  const failed = new Set<string>();
  const wrapper = Object.create(store) as BlobStore & { faults: number };
  wrapper.faults = 0;
  wrapper.put = (key, source, expected, signal) => {
    if (keys.has(key) && !failed.has(key)) {
      failed.add(key);
      wrapper.faults++;
      return Promise.reject(new TransientError('connection reset by the test'));
    }
    return store.put(key, source, expected, signal);
  };
  return wrapper;
}

for (const kind of ['filesystem', 's3'] as const) {
  describe(`document upload to the ${kind} store`, () => {
    let store: BlobStore;
    // Each store gets its own copy of the archive: the recoveries below change files in it.
    const archive = () => join(home.path, `${kind}-archive`);
    const base = (): Omit<UploadDocumentsOptions, 'sessionId' | 'mode'> => ({
      archiveRoot: archive(),
      referenced: crm.referenced,
      store,
      outcomes,
      concurrency: 6,
      retry: { baseDelayMs: 5 },
    });
    before(() => {
      cpSync(crm.archiveRoot, archive(), { recursive: true });
      store =
        kind === 'filesystem'
          ? openBlobStore(`file:${join(home.path, 'tenant-docs')}`)
          : openBlobStore(s3.url('t1/documents'), { env: s3Env() });
    });
    after(() => store.close());

    it('uploads every present document, verified, and lists the missing ones', async () => {
      const faulty = flaky(store, new Set(crm.referenced.slice(10, 13).map((d) => d.path)));
      let lastProgress = { files: 0, totalFiles: 0, bytes: 0 };
      const report = await uploadDocuments({
        ...base(),
        store: faulty,
        sessionId: `${kind}-initial`,
        mode: 'initial',
        onProgress: (p) => (lastProgress = p),
      });
      assert.equal(faulty.faults, 3);
      assert.equal(report.status, 'finished');
      assert.equal(report.outcomes.uploaded.files, 395);
      assert.equal(report.outcomes.missing.files, 5);
      assert.equal(report.outcomes.failed.files, 0);
      assert.deepEqual(report.missing.map((m) => m.id).sort(), [...planted].sort());
      assert.equal(report.transferred.files, 395);
      assert.equal(lastProgress.files, 400);
      assert.equal(lastProgress.bytes, report.transferred.bytes);
      // Every blob is the archive file, byte for byte, and what the database records.
      for (const doc of crm.referenced) {
        if (planted.includes(doc.id)) {
          assert.equal(await store.head(doc.path), null);
          continue;
        }
        const expected = { size: doc.size!, sha256: doc.sha256! };
        assert.deepEqual(await store.verify(doc.path, expected, { deep: doc.id.endsWith('7') }), {
          ok: true,
        });
      }
      const recorded = await outcomes.outcomes(`${kind}-initial`);
      assert.equal(recorded.size, 400);
      assert.equal(recorded.get(crm.referenced[11]!.id)?.attempts, 2);
    });

    it('uploads nothing again when the same session is rerun', async () => {
      const report = await uploadDocuments({ ...base(), sessionId: `${kind}-initial`, mode: 'initial' });
      assert.equal(report.resumed, true);
      assert.equal(report.transferred.files, 0);
      assert.equal(report.outcomes.uploaded.files, 395);
    });

    it('recovery-missing-files uploads only the document now present and the changed one', async () => {
      const restored = documentFile(SEED, 'small', Number(planted[0]));
      const restoredPath = join(archive(), ...restored.relativePath.split('/'));
      mkdirSync(dirname(restoredPath), { recursive: true });
      writeFileSync(restoredPath, restored.bytes);
      const changed = crm.referenced.find((d) => !planted.includes(d.id) && d.id === '42')!;
      const changedPath = join(archive(), ...changed.path.split('/'));
      if (kind === 'filesystem') appendFileSync(changedPath, 'edited on site');
      else {
        // Same size, new content: only the checksum can tell.
        const bytes = readFileSync(changedPath);
        bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
        writeFileSync(changedPath, bytes);
        utimesSync(changedPath, new Date(), new Date(Date.now() + 5000));
      }
      const report = await uploadDocuments({
        ...base(),
        sessionId: `${kind}-recovery-1`,
        previousSessionId: `${kind}-initial`,
        mode: 'missing-files',
      });
      assert.equal(report.transferred.files, 2);
      assert.equal(report.outcomes.uploaded.files, 2);
      assert.equal(report.outcomes.unchanged.files, 394);
      assert.deepEqual(report.missing.map((m) => m.id).sort(), planted.slice(1).sort());
      assert.equal((await store.head(restored.relativePath))?.sha256, sha256(restored.bytes));
      assert.equal((await store.head(changed.path))?.sha256, sha256(readFileSync(changedPath)));
    });

    it('recovery-overwrite-test uploads a new document and nothing that is unchanged', async () => {
      mkdirSync(join(archive(), 'new'), { recursive: true });
      writeFileSync(join(archive(), 'new', 'memo.txt'), 'a new document');
      const report = await uploadDocuments({
        ...base(),
        referenced: [...crm.referenced, { id: '9001', path: 'new/memo.txt' }],
        sessionId: `${kind}-overwrite`,
        previousSessionId: `${kind}-recovery-1`,
        mode: 'overwrite-test',
      });
      assert.equal(report.transferred.files, 1);
      assert.equal(report.outcomes.uploaded.files, 1);
      assert.equal(report.outcomes.unchanged.files, 396);
      assert.equal(report.outcomes.missing.files, 4);
      assert.equal((await store.head('new/memo.txt'))?.size, 14);
    });

    it('refuses to continue a session with another mode', async () => {
      await assert.rejects(
        uploadDocuments({ ...base(), sessionId: `${kind}-initial`, mode: 'overwrite-test' }),
        (e) => isFerryError(e, 'FERRY_DOCUMENT_SESSION_CONFLICT'),
      );
    });

    it('records a document that keeps failing as failed, and a later recovery uploads it', async () => {
      const doc = crm.referenced.find((d) => d.id === '77')!;
      await store.delete(doc.path);
      const broken = Object.create(store) as BlobStore;
      broken.put = (key, source, expected, signal) =>
        key === doc.path
          ? Promise.reject(new TransientError('still down'))
          : store.put(key, source, expected, signal);
      const report = await uploadDocuments({
        ...base(),
        store: broken,
        retry: { attempts: 3, baseDelayMs: 1 },
        sessionId: `${kind}-failing`,
        mode: 'initial',
      });
      assert.deepEqual(
        report.failed.map((f) => [f.id, f.path]),
        [[doc.id, doc.path]],
      );
      assert.match(report.failed[0]!.error, /still down/);
      const recovery = await uploadDocuments({
        ...base(),
        sessionId: `${kind}-after-failing`,
        previousSessionId: `${kind}-failing`,
        mode: 'missing-files',
      });
      assert.equal(recovery.transferred.files, 1);
      assert.equal(recovery.outcomes.failed.files, 0);
      assert.equal((await store.head(doc.path))?.sha256, doc.sha256);
    });
  });
}

describe('document manifest', () => {
  it('sets the archive against the documents the CRM database references', async () => {
    const root = join(home.path, 'manifest-archive');
    cpSync(crm.archiveRoot, root, { recursive: true });
    writeFileSync(join(root, 'stray.txt'), 'nobody references me');
    const manifest = await buildManifest({ archiveRoot: root, referenced: crm.referenced, concurrency: 4 });
    assert.deepEqual(manifest.totals, {
      referenced: 400,
      present: 395,
      missing: 5,
      unreferenced: 1,
      presentBytes: manifest.present.reduce((sum, p) => sum + p.file.size, 0),
    });
    assert.deepEqual(manifest.missing.map((d) => d.id).sort(), [...planted].sort());
    assert.deepEqual(
      manifest.unreferenced.map((f) => f.path),
      ['stray.txt'],
    );
    assert.ok(manifest.present.every((p) => p.differs === null && p.file.sha256 === p.document.sha256));
    appendFileSync(join(root, ...crm.referenced[0]!.path.split('/')), '!');
    const changed = await buildManifest({ archiveRoot: root, referenced: crm.referenced });
    assert.deepEqual(
      changed.present.filter((p) => p.differs !== null).map((p) => [p.document.id, p.differs]),
      [[crm.referenced[0]!.id, 'size']],
    );
  });
});
