// The blob-store contract, answered by every store against a real backend: a temp folder, and a
// real S3-compatible server (s3rver) on a random port.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isFerryError } from '../../src/domain/errors.ts';
import type { BlobListPage, BlobStore } from '../../src/storage/blob-store.ts';
import { fileSource, listAll } from '../../src/storage/blob-store.ts';
import { openBlobStore } from '../../src/storage/open-blob-store.ts';
import { parseS3Url } from '../../src/storage/s3-store.ts';
import { tempDir } from '../support/servers.ts';
import type { TestS3 } from './support.ts';
import { s3Env, startS3 } from './support.ts';

const MIB = 1024 * 1024;
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const work = tempDir('blob-stores');
let s3: TestS3;
const stores: Record<'filesystem' | 's3', () => BlobStore> = {
  filesystem: () => openBlobStore(`file:${join(work.path, 'fs-store')}`),
  s3: () =>
    openBlobStore(s3.url('tenant-1/documents'), {
      env: s3Env(),
      s3: { multipartThreshold: 5 * MIB, partSize: 5 * MIB, partConcurrency: 2 },
    }),
};

function file(name: string, bytes: Buffer): { path: string; bytes: Buffer; sha256: string } {
  const path = join(work.path, name);
  writeFileSync(path, bytes);
  return { path, bytes, sha256: sha(bytes) };
}

before(async () => {
  s3 = await startS3();
});
after(async () => {
  await s3.close();
  work.remove();
});

for (const kind of ['filesystem', 's3'] as const) {
  describe(`${kind} blob store`, () => {
    let store: BlobStore;
    before(() => {
      store = stores[kind]();
    });
    after(() => store.close());

    it('stores a file with its size and sha256 and verifies it', async () => {
      const f = file(`${kind}-small.pdf`, randomBytes(3000));
      const put = await store.put('so_arc/c001/1/2019/a b.pdf', fileSource(f.path, 3000), {
        size: 3000,
        sha256: f.sha256,
        metadata: { session: 's1' },
      });
      assert.deepEqual(put, { size: 3000, sha256: f.sha256, multipart: false });
      const head = await store.head('so_arc/c001/1/2019/a b.pdf');
      assert.equal(head?.size, 3000);
      assert.equal(head?.sha256, f.sha256);
      assert.equal(head?.metadata.session, 's1');
      assert.deepEqual(
        await store.verify('so_arc/c001/1/2019/a b.pdf', { size: 3000, sha256: f.sha256 }, { deep: true }),
        {
          ok: true,
        },
      );
      const wrong = await store.verify('so_arc/c001/1/2019/a b.pdf', {
        size: 3000,
        sha256: sha(Buffer.from('x')),
      });
      assert.equal(wrong.ok, false);
      assert.equal(wrong.ok === false && wrong.reason, 'sha256');
    });

    it('computes the sha256 itself when none is expected', async () => {
      const f = file(`${kind}-nosha.txt`, randomBytes(777));
      const put = await store.put('unhashed/x.txt', fileSource(f.path, 777), { size: 777 });
      assert.equal(put.sha256, f.sha256);
      assert.equal((await store.head('unhashed/x.txt'))?.sha256, f.sha256);
    });

    it('refuses content that is not the expected sha256 and never leaves a blob that lies', async () => {
      const old = file(`${kind}-old.bin`, randomBytes(500));
      await store.put('keep/me.bin', fileSource(old.path, 500), { size: 500, sha256: old.sha256 });
      const other = file(`${kind}-other.bin`, randomBytes(500));
      await assert.rejects(
        store.put('keep/me.bin', fileSource(other.path, 500), { size: 500, sha256: old.sha256 }),
        (error) => isFerryError(error, 'FERRY_BLOB_CHECKSUM_MISMATCH'),
      );
      const after = await store.verify('keep/me.bin', { size: 500, sha256: old.sha256 }, { deep: true });
      if (kind === 'filesystem') assert.deepEqual(after, { ok: true });
      // S3 itself rejects the body through x-amz-checksum-sha256 and keeps the old object; s3rver
      // ignores that header, so Ferry removes the object it caught lying.
      else assert.ok(after.ok || after.reason === 'absent', JSON.stringify(after));
    });

    it(`streams a file larger than 5 MB${kind === 's3' ? ' as a multipart upload' : ''}`, async () => {
      const f = file(`${kind}-large.bin`, randomBytes(11 * MIB + 123));
      const put = await store.put('large/scan.tif', fileSource(f.path, f.bytes.length), {
        size: f.bytes.length,
        sha256: f.sha256,
      });
      assert.equal(put.multipart, kind === 's3');
      assert.deepEqual(
        await store.verify('large/scan.tif', { size: f.bytes.length, sha256: f.sha256 }, { deep: true }),
        {
          ok: true,
        },
      );
    });

    it('lists by prefix in key order, one page at a time', async () => {
      const f = file(`${kind}-tiny.txt`, Buffer.from('tiny'));
      // 'a-1.txt' sorts before 'a/…' in byte order (S3's); s3rver walks folders first and then
      // pages wrongly across such keys, so only the filesystem store gets that pair.
      const sibling = kind === 'filesystem' ? 'list/a-1.txt' : 'list/a0.txt';
      const keys = ['list/b/2.txt', sibling, 'list/a/1.txt', 'list/c.txt', 'listed-not/x.txt'];
      for (const key of keys) await store.put(key, fileSource(f.path, 4), { size: 4 });
      const pages: string[][] = [];
      let cursor: string | null = null;
      do {
        const page: BlobListPage = await store.list('list/', { limit: 2, cursor });
        pages.push(page.items.map((i) => i.key));
        assert.ok(page.items.every((i) => i.size === 4));
        cursor = page.cursor;
      } while (cursor !== null && pages.length < 10);
      assert.equal(pages[0]?.length, 2);
      const paged = pages.flat();
      const expected = [sibling, 'list/a/1.txt', 'list/b/2.txt', 'list/c.txt'].sort();
      assert.deepEqual(paged, expected);
      const all: string[] = [];
      for await (const item of listAll(store, 'list', { limit: 1 })) all.push(item.key);
      assert.deepEqual(all.sort(), [...expected, 'listed-not/x.txt']);
    });

    it('deletes a blob, and deleting an absent one is not an error', async () => {
      const f = file(`${kind}-del.txt`, Buffer.from('bye'));
      await store.put('gone/soon.txt', fileSource(f.path, 3), { size: 3 });
      await store.delete('gone/soon.txt');
      assert.equal(await store.head('gone/soon.txt'), null);
      await store.delete('gone/soon.txt');
      assert.deepEqual(await store.verify('gone/soon.txt', { size: 3, sha256: sha(Buffer.from('bye')) }), {
        ok: false,
        reason: 'absent',
        actual: null,
      });
    });

    it('refuses keys that could escape the store', async () => {
      const f = file(`${kind}-evil.txt`, Buffer.from('x'));
      for (const key of ['../escape.txt', '/abs.txt', 'a//b.txt', 'a/./b', '.ferry/meta/x', '']) {
        await assert.rejects(store.put(key, fileSource(f.path, 1), { size: 1 }), (e) =>
          isFerryError(e, 'FERRY_INVALID_ARGUMENT'),
        );
      }
    });
  });
}

describe('filesystem blob store on disk', () => {
  const root = join(work.path, 'fs-disk');
  const store = openBlobStore(`file:${root}`);

  it('leaves no partial blob under the final name when the upload fails midway', async () => {
    const f = file('fs-partial.bin', randomBytes(4 * MIB));
    const failing = {
      size: 4 * MIB,
      open: () => {
        const stream = fileSource(f.path, 4 * MIB).open();
        let seen = 0;
        stream.on('data', (chunk: Buffer) => {
          seen += chunk.length;
          if (seen > MIB) stream.destroy(Object.assign(new Error('disk went away'), { code: 'EIO' }));
        });
        return stream;
      },
    };
    await assert.rejects(store.put('p/partial.bin', failing, { size: 4 * MIB }), (e) =>
      isFerryError(e, 'FERRY_BLOB_STORE_ERROR'),
    );
    assert.equal(existsSync(join(root, 'p', 'partial.bin')), false);
    assert.deepEqual(readdirSync(join(root, '.ferry', 'tmp')), []);
  });

  it('keeps memory flat while it streams a 256 MB file', async () => {
    const path = join(work.path, 'fs-huge.bin');
    writeFileSync(path, '');
    truncateSync(path, 256 * MIB); // sparse: reads as zeros, costs no disk
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    try {
      const put = await store.put('huge/zeros.bin', fileSource(path, 256 * MIB), { size: 256 * MIB });
      assert.equal(put.size, 256 * MIB);
    } finally {
      clearInterval(sampler);
    }
    assert.ok(peak - baseline < 96 * MIB, `RSS grew by ${Math.round((peak - baseline) / MIB)} MiB`);
    await store.delete('huge/zeros.bin');
  });

  it('recomputes a sha256 whose index line was torn or whose blob changed behind its back', async () => {
    const f = file('fs-side.bin', randomBytes(1000));
    await store.put('s/side.bin', fileSource(f.path, 1000), { size: 1000 });
    appendFileSync(join(root, '.ferry', 'index.jsonl'), '{"k":"s/side.bin","size":10');
    const reopened = openBlobStore(`file:${root}`);
    assert.equal((await reopened.head('s/side.bin'))?.sha256, f.sha256);
    truncateSync(join(root, 's', 'side.bin'), 10);
    const head = await store.head('s/side.bin');
    assert.equal(head?.size, 10);
    assert.equal(head?.sha256, sha(readFileSync(join(root, 's', 'side.bin'))));
  });
});

describe('s3 URLs', () => {
  it('take credentials from the URL or the environment and never print them', () => {
    const fromUrl = parseS3Url(
      's3://AKID:s3cr3t%2Fkey@bucket/tenants/t1?endpoint=http://127.0.0.1:9000&region=eu-west-1',
      {},
    );
    assert.deepEqual(fromUrl.credentials, { accessKeyId: 'AKID', secretAccessKey: 's3cr3t/key' });
    assert.equal(fromUrl.prefix, 'tenants/t1');
    assert.equal(fromUrl.region, 'eu-west-1');
    assert.equal(fromUrl.forcePathStyle, true);
    assert.doesNotMatch(fromUrl.redacted, /s3cr3t|AKID/);
    const fromEnv = parseS3Url('s3://bucket', { AWS_ACCESS_KEY_ID: 'E', AWS_SECRET_ACCESS_KEY: 'F' });
    assert.deepEqual(fromEnv.credentials, { accessKeyId: 'E', secretAccessKey: 'F' });
    assert.equal(fromEnv.prefix, '');
    const store = openBlobStore('s3://AKID:s3cr3t@bucket/p?endpoint=http://127.0.0.1:1');
    assert.doesNotMatch(store.location, /s3cr3t/);
  });

  it('rejects an unknown store scheme with FERRY_URL_INVALID', () => {
    assert.throws(
      () => openBlobStore('ftp://host/x'),
      (e) => isFerryError(e, 'FERRY_URL_INVALID'),
    );
  });
});
