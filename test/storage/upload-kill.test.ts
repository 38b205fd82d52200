// A document upload killed with SIGKILL midway resumes to a complete, verified set, without
// uploading again what was finished before the kill, and never leaves a partial blob under a
// document's name: into the filesystem store, and into an S3-compatible server (s3rver).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listAll } from '../../src/storage/blob-store.ts';
import { DocumentOutcomeRepository } from '../../src/storage/document-outcomes.ts';
import type { BlobStore } from '../../src/storage/blob-store.ts';
import { FilesystemBlobStore } from '../../src/storage/filesystem-store.ts';
import { openBlobStore } from '../../src/storage/open-blob-store.ts';
import { sha256File } from '../../src/storage/sha256.ts';
import { uploadDocuments } from '../../src/storage/upload-documents.ts';
import { openStore } from '../../src/store/open-store.ts';
import { tempDir } from '../support/servers.ts';
import { referencedOf, writeFixtureArchive } from './fixtures/archive-fixture.ts';
import { s3Env, startS3 } from './support.ts';

const FILES = 160;
const work = tempDir('upload-kill');
const archive = join(work.path, 'archive');

before(() => writeFixtureArchive(archive, FILES));
after(() => work.remove());

/** Start the child upload and SIGKILL it once `killAfter` documents are done. */
function uploadAndKill(
  killAfter: number,
  home: string,
  storeUrl: string,
): Promise<{ done: number; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'upload-child.ts')],
      {
        env: {
          ...process.env,
          ...s3Env(),
          FERRY_HOME: home,
          ARCHIVE: archive,
          STORE_URL: storeUrl,
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

interface Target {
  name: string;
  open(): Promise<{
    url: string;
    store: BlobStore;
    mtimeOf: ((key: string) => number) | null;
    close(): Promise<void>;
  }>;
}

const targets: Target[] = [
  {
    name: 'the filesystem store',
    open: () => {
      const root = join(work.path, 'tenant');
      return Promise.resolve({
        url: `file:${root}`,
        store: new FilesystemBlobStore(root),
        mtimeOf: (key) => statSync(join(root, ...key.split('/'))).mtimeMs,
        close: () => Promise.resolve(),
      });
    },
  },
  {
    name: 'an S3-compatible server',
    open: async () => {
      const s3 = await startS3();
      const url = s3.url('tenant-kill');
      const store = openBlobStore(url, { env: s3Env() });
      return {
        url,
        store,
        // S3 keeps no mtime to compare: "not uploaded again" is the transferred count below.
        mtimeOf: null,
        async close() {
          await store.close();
          await s3.close();
        },
      };
    },
  },
];

for (const target of targets)
  describe(`document upload killed with SIGKILL, into ${target.name}`, () => {
    it('resumes to a complete, verified set without uploading finished documents again', async () => {
      const home = join(work.path, `home-${targets.indexOf(target)}`);
      const opened = await target.open();
      const { store, mtimeOf } = opened;
      try {
        const killed = await uploadAndKill(50, home, opened.url);
        assert.equal(killed.finished, false, 'the child should have been killed before it finished');
        const referenced = referencedOf(archive);
        const sources = new Map(referenced.map((d) => [d.path, join(archive, ...d.path.split('/'))]));

        // Whatever is under a document's name after the kill is that whole document.
        const before = new Map<string, number>();
        for await (const item of listAll(store, '')) {
          const source = sources.get(item.key);
          assert.ok(source !== undefined, `unexpected blob ${item.key}`);
          const want = await sha256File(source);
          assert.deepEqual(
            await store.verify(item.key, { size: want.size, sha256: want.sha256 }, { deep: true }),
            { ok: true },
          );
          before.set(item.key, mtimeOf?.(item.key) ?? 0);
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
          if (mtimeOf !== null)
            for (const [key, mtimeMs] of before) assert.equal(mtimeOf(key), mtimeMs, `${key} was rewritten`);
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
      } finally {
        await opened.close();
      }
    });
  });
