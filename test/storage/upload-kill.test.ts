// A document upload killed with SIGKILL midway resumes to a complete, verified set, without
// uploading again what was finished before the kill, and never leaves a partial blob under a
// document's name.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listAll } from '../../src/storage/blob-store.ts';
import { DocumentOutcomeRepository } from '../../src/storage/document-outcomes.ts';
import { FilesystemBlobStore } from '../../src/storage/filesystem-store.ts';
import { sha256File } from '../../src/storage/sha256.ts';
import { uploadDocuments } from '../../src/storage/upload-documents.ts';
import { openStore } from '../../src/store/open-store.ts';
import { tempDir } from '../support/servers.ts';
import { referencedOf, writeFixtureArchive } from './fixtures/archive-fixture.ts';

const FILES = 160;
const work = tempDir('upload-kill');
const archive = join(work.path, 'archive');
const home = join(work.path, 'home');
const storeRoot = join(work.path, 'tenant');

before(() => writeFixtureArchive(archive, FILES));
after(() => work.remove());

/** Start the child upload and SIGKILL it once `killAfter` documents are done. */
function uploadAndKill(killAfter: number): Promise<{ done: number; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'upload-child.ts')],
      {
        env: {
          ...process.env,
          FERRY_HOME: home,
          ARCHIVE: archive,
          STORE_URL: `file:${storeRoot}`,
          SESSION: 'killed-session',
          DELAY_MS: '15',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let done = 0;
    let finished = false;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) {
        const m = /^done (\d+)/.exec(line);
        if (m !== null) done = Number(m[1]);
        if (line === 'finished') finished = true;
      }
      if (done >= killAfter) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`child exited ${code}: ${stderr}`));
      else resolve({ done, finished });
    });
  });
}

describe('document upload killed with SIGKILL', () => {
  it('resumes to a complete, verified set without uploading finished documents again', async () => {
    const killed = await uploadAndKill(50);
    assert.equal(killed.finished, false, 'the child should have been killed before it finished');
    const referenced = referencedOf(archive);
    const sources = new Map(referenced.map((d) => [d.path, join(archive, ...d.path.split('/'))]));

    // Whatever is under a document's name after the kill is that whole document.
    const store = new FilesystemBlobStore(storeRoot);
    const before = new Map<string, number>();
    for await (const item of listAll(store, '')) {
      const source = sources.get(item.key);
      assert.ok(source !== undefined, `unexpected blob ${item.key}`);
      const want = await sha256File(source);
      assert.deepEqual(
        await store.verify(item.key, { size: want.size, sha256: want.sha256 }, { deep: true }),
        { ok: true },
      );
      before.set(item.key, statSync(join(storeRoot, ...item.key.split('/'))).mtimeMs);
    }
    assert.ok(before.size >= 40 && before.size < FILES, `${before.size} blobs after the kill`);

    const controlPlane = await openStore(home);
    try {
      const outcomes = new DocumentOutcomeRepository(controlPlane.kysely);
      const recorded = await outcomes.outcomes('killed-session');
      const report = await uploadDocuments({
        sessionId: 'killed-session',
        archiveRoot: archive,
        referenced,
        store,
        outcomes,
        mode: 'initial',
        concurrency: 4,
      });
      assert.equal(report.resumed, true);
      assert.equal(report.status, 'finished');
      assert.equal(report.outcomes.uploaded.files, FILES);
      assert.equal(report.outcomes.failed.files, 0);
      // Only what had no blob yet went up again.
      assert.equal(report.transferred.files, FILES - before.size);
      assert.ok(recorded.size <= before.size);
      for (const [key, mtimeMs] of before) {
        assert.equal(statSync(join(storeRoot, ...key.split('/'))).mtimeMs, mtimeMs, `${key} was rewritten`);
      }
      for (const doc of referenced) {
        const want = await sha256File(sources.get(doc.path)!);
        assert.deepEqual(
          await store.verify(doc.path, { size: want.size, sha256: want.sha256 }, { deep: true }),
          {
            ok: true,
          },
        );
      }
      const session = await outcomes.getSession('killed-session');
      assert.equal(session?.status, 'finished');
    } finally {
      await controlPlane.close();
    }
  });
});
