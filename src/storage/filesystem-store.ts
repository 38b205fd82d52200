// The embedded blob store: a folder (`file:/path/to/tenant/documents`). A blob is written to a temp
// file under `.ferry/tmp/`, hashed as it is written and only then renamed to its key, so a killed
// process never leaves a partial blob under the final name (at worst an orphan temp file).
//
// Durability is batched: `sync()` fsyncs every blob (and its folder, and the index) put since the
// last call, concurrently, and the uploader calls it before it records a batch of outcomes as
// uploaded. A SIGKILL loses nothing the page cache holds; a power loss loses at most blobs whose
// outcomes were not recorded yet, which the next pass uploads again. One fsync per file in the
// upload's critical path made it wait on the disk once per file (3× slower than rclone, which never
// fsyncs); concurrent fsyncs of a batch share the file system's journal commits.
//
// Each blob's sha256 is kept in an append-only index, `.ferry/index.jsonl` (one line per put or
// delete, appended in batches before the rename), with the size and mtime it was computed for. An
// entry that is missing, torn by a kill, or stale (the blob changed behind Ferry's back, or another
// process wrote it) is detected by that size/mtime and the sha256 is recomputed from the blob.
// Local files are copied and hashed on worker threads (file-copy-pool.ts); other sources stream.

import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { appendFile, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { FerryError } from '../domain/errors.ts';
import type {
  BlobHead,
  BlobListItem,
  BlobListOptions,
  BlobListPage,
  BlobSource,
  BlobStore,
  PutExpectation,
  PutResult,
  VerifyOptions,
  VerifyResult,
} from './blob-store.ts';
import { assertBlobKey } from './blob-store.ts';
import { forEachBounded } from './bounded-pool.ts';
import { FileCopyPool } from './file-copy-pool.ts';
import { sha256File } from './sha256.ts';

export interface FilesystemStoreOptions {
  /** `sync()` makes the blobs put so far durable with fsync (default true; false: it does nothing). */
  durable?: boolean;
  /** Sources other than local files up to this many bytes are read whole, larger ones streamed (default 1 MiB). */
  wholeFileBytes?: number;
}

interface IndexEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
  metadata: Record<string, string>;
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

function storeError(action: string, key: string, cause: unknown): FerryError {
  if ((cause as NodeJS.ErrnoException | null)?.code === 'ENOSPC') {
    return new FerryError('FERRY_DISK_FULL', `no space left to ${action} document ${key}`, { cause });
  }
  return new FerryError('FERRY_BLOB_STORE_ERROR', `could not ${action} document ${key}`, {
    cause,
    details: { key, errno: (cause as NodeJS.ErrnoException | null)?.code },
  });
}

export class FilesystemBlobStore implements BlobStore {
  readonly location: string;
  private readonly root: string;
  private readonly durable: boolean;
  private readonly wholeFileBytes: number;
  private readonly folders = new Map<string, Promise<unknown>>();
  /** The index as read from disk plus this process's own appends; null until first needed. */
  private index: Map<string, IndexEntry> | null = null;
  private indexRead = 0;
  private indexLoad: Promise<Map<string, IndexEntry>> | null = null;
  private pendingLines: string[] = [];
  /** Blobs put since the last `sync()`. */
  private unsynced: string[] = [];
  private pendingFlush: Promise<void> | null = null;
  private readonly copier = new FileCopyPool();

  constructor(root: string, options: FilesystemStoreOptions = {}) {
    this.root = resolve(root);
    this.location = `file:${this.root}`;
    this.durable = options.durable ?? true;
    this.wholeFileBytes = options.wholeFileBytes ?? 1 << 20;
  }

  private get indexPath(): string {
    return join(this.root, '.ferry', 'index.jsonl');
  }

  private pathOf(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  private ensureFolder(folder: string): Promise<unknown> {
    let made = this.folders.get(folder);
    if (made === undefined) {
      made = mkdir(folder, { recursive: true });
      made.catch(() => this.folders.delete(folder));
      this.folders.set(folder, made);
    }
    return made;
  }

  async put(
    key: string,
    source: BlobSource,
    expected: PutExpectation,
    signal?: AbortSignal,
  ): Promise<PutResult> {
    assertBlobKey(key);
    const final = this.pathOf(key);
    const tmpFolder = join(this.root, '.ferry', 'tmp');
    const tmp = join(tmpFolder, randomUUID());
    if (source.path !== undefined) return this.putFile(key, source.path, final, tmp, expected);
    let sha256: string;
    let size = 0;
    let mtimeMs: number;
    try {
      await Promise.all([
        this.ensureFolder(tmpFolder),
        this.ensureFolder(dirname(final)),
        this.ensureIndex(),
      ]);
      const file = await open(tmp, 'wx');
      try {
        const hash = createHash('sha256');
        const write = async (buffer: Buffer): Promise<void> => {
          hash.update(buffer);
          size += buffer.length;
          for (let offset = 0; offset < buffer.length;) {
            const { bytesWritten } = await file.write(buffer, offset, buffer.length - offset);
            offset += bytesWritten;
          }
        };
        if (source.readAll !== undefined && source.size <= this.wholeFileBytes)
          await write(await source.readAll());
        else {
          for await (const chunk of source.open()) {
            signal?.throwIfAborted();
            await write(chunk as Buffer);
          }
        }
        sha256 = hash.digest('hex');
        mtimeMs = (await file.stat()).mtimeMs;
      } finally {
        await file.close();
      }
      if (size !== expected.size || (expected.sha256 !== undefined && sha256 !== expected.sha256)) {
        throw new FerryError(
          'FERRY_BLOB_CHECKSUM_MISMATCH',
          `document ${key} read as ${size} bytes with sha256 ${sha256}, expected ${expected.size} bytes` +
            (expected.sha256 === undefined ? '' : ` with sha256 ${expected.sha256}`),
          { details: { key, size, sha256, expected } },
        );
      }
      // The index entry goes first: it names the temp file's size and mtime, which the rename
      // keeps, so a kill between the two leaves an entry that simply matches no blob.
      await this.appendIndex(key, { size, mtimeMs, sha256, metadata: expected.metadata ?? {} });
      await rename(tmp, final);
      this.unsynced.push(final);
    } catch (error) {
      await rm(tmp, { force: true });
      if (error instanceof FerryError || signal?.aborted === true) throw error;
      throw storeError('write', key, error);
    }
    return { size, sha256, multipart: false };
  }

  /** A local file: copied and hashed on a worker thread (file-copy-pool.ts). */
  private async putFile(
    key: string,
    path: string,
    final: string,
    tmp: string,
    expected: PutExpectation,
  ): Promise<PutResult> {
    try {
      await Promise.all([
        this.ensureFolder(dirname(tmp)),
        this.ensureFolder(dirname(final)),
        this.ensureIndex(),
      ]);
      const copied = await this.copier.copy(path, tmp);
      if (
        copied.size !== expected.size ||
        (expected.sha256 !== undefined && copied.sha256 !== expected.sha256)
      ) {
        throw new FerryError(
          'FERRY_BLOB_CHECKSUM_MISMATCH',
          `document ${key} read as ${copied.size} bytes with sha256 ${copied.sha256}, expected ${expected.size} bytes` +
            (expected.sha256 === undefined ? '' : ` with sha256 ${expected.sha256}`),
          { details: { key, size: copied.size, sha256: copied.sha256, expected } },
        );
      }
      // The index entry goes first (see put).
      await this.appendIndex(key, {
        size: copied.size,
        mtimeMs: copied.mtimeMs,
        sha256: copied.sha256,
        metadata: expected.metadata ?? {},
      });
      renameSync(tmp, final);
      this.unsynced.push(final);
      return { size: copied.size, sha256: copied.sha256, multipart: false };
    } catch (error) {
      rmSync(tmp, { force: true });
      if (error instanceof FerryError) throw error;
      throw storeError('write', key, error);
    }
  }

  /** The index, read from disk on first use. */
  private ensureIndex(): Promise<Map<string, IndexEntry>> {
    return this.index === null ? this.loadIndex() : Promise.resolve(this.index);
  }

  /** Read the index (first call) or the lines other processes appended since; one read at a time. */
  private loadIndex(): Promise<Map<string, IndexEntry>> {
    this.indexLoad ??= this.readIndexTail().finally(() => (this.indexLoad = null));
    return this.indexLoad;
  }

  private async readIndexTail(): Promise<Map<string, IndexEntry>> {
    const index = this.index ?? new Map<string, IndexEntry>();
    this.index = index;
    let file;
    try {
      file = await open(this.indexPath, 'r');
    } catch (error) {
      if (isNotFound(error)) return index;
      throw storeError('read the index of', '.ferry/index.jsonl', error);
    }
    try {
      const { size } = await file.stat();
      if (size <= this.indexRead) return index;
      const buffer = Buffer.allocUnsafe(size - this.indexRead);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, this.indexRead);
      const text = buffer.subarray(0, bytesRead).toString('utf8');
      const end = text.lastIndexOf('\n') + 1;
      this.indexRead += Buffer.byteLength(text.slice(0, end));
      for (const line of text.slice(0, end).split('\n')) {
        if (line === '') continue;
        try {
          const entry = JSON.parse(line) as { k: string; deleted?: true } & Partial<IndexEntry>;
          if (entry.deleted === true) index.delete(entry.k);
          else if (typeof entry.sha256 === 'string' && typeof entry.size === 'number') {
            index.set(entry.k, {
              size: entry.size,
              mtimeMs: entry.mtimeMs ?? -1,
              sha256: entry.sha256,
              metadata: entry.metadata ?? {},
            });
          }
        } catch {
          // A line torn by a kill: its blob's sha256 is recomputed when asked for.
        }
      }
      return index;
    } finally {
      await file.close();
    }
  }

  /** Append one index line; lines of puts running at the same time go out in one write. */
  private async appendIndex(key: string, entry: IndexEntry | null): Promise<void> {
    const index = await this.ensureIndex();
    if (entry === null) index.delete(key);
    else index.set(key, entry);
    this.pendingLines.push(JSON.stringify(entry === null ? { k: key, deleted: true } : { k: key, ...entry }));
    this.pendingFlush ??= (async () => {
      await new Promise((resolveTick) => setImmediate(resolveTick));
      const lines = this.pendingLines;
      this.pendingLines = [];
      this.pendingFlush = null;
      await this.ensureFolder(join(this.root, '.ferry'));
      await appendFile(this.indexPath, `\n${lines.join('\n')}\n`);
    })();
    try {
      await this.pendingFlush;
    } catch (error) {
      throw storeError('record the checksum of', key, error);
    }
  }

  async head(key: string, signal?: AbortSignal): Promise<BlobHead | null> {
    assertBlobKey(key);
    let info;
    try {
      info = statSync(this.pathOf(key));
    } catch (error) {
      if (isNotFound(error)) return null;
      throw storeError('read', key, error);
    }
    if (!info.isFile()) return null;
    const matches = (e: IndexEntry | undefined): e is IndexEntry =>
      e !== undefined && e.size === info.size && e.mtimeMs === info.mtimeMs;
    let entry = (await this.ensureIndex()).get(key);
    if (!matches(entry)) entry = (await this.loadIndex()).get(key);
    if (!matches(entry)) {
      const { sha256 } = await sha256File(this.pathOf(key), signal).catch((error: unknown) => {
        throw storeError('read', key, error);
      });
      entry = { size: info.size, mtimeMs: info.mtimeMs, sha256, metadata: {} };
      await this.appendIndex(key, entry);
    }
    return { key, size: info.size, sha256: entry.sha256, metadata: entry.metadata };
  }

  sizeOf(key: string): number | null {
    assertBlobKey(key);
    const info = statSync(this.pathOf(key), { throwIfNoEntry: false });
    return info?.isFile() === true ? info.size : null;
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    try {
      await rm(this.pathOf(key), { force: true });
      await this.appendIndex(key, null);
    } catch (error) {
      throw storeError('delete', key, error);
    }
  }

  async list(prefix: string, options: BlobListOptions = {}): Promise<BlobListPage> {
    const limit = Math.max(1, options.limit ?? 1000);
    const cursor = options.cursor ?? '';
    const items: BlobListItem[] = [];
    let more = false;
    // Depth-first in key order: entries are sorted by name, folders as "name/", so the walk
    // yields keys in the same order as comparing whole keys. The store is a local folder whose
    // metadata sits in the kernel's caches: synchronous readdir/stat cost microseconds, where a
    // round trip through libuv's thread pool per entry would dominate a listing of many files.
    const walk = async (folder: string, keyPrefix: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = readdirSync(folder, { withFileTypes: true });
      } catch (error) {
        if (isNotFound(error)) return;
        throw storeError('list', keyPrefix, error);
      }
      const sorted = entries
        .filter((e) => !(keyPrefix === '' && e.name === '.ferry') && (e.isFile() || e.isDirectory()))
        .map((e) => ({ entry: e, sortKey: e.isDirectory() ? `${e.name}/` : e.name }))
        .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
      for (const { entry, sortKey } of sorted) {
        if (more) return;
        options.signal?.throwIfAborted();
        const key = keyPrefix + sortKey;
        if (entry.isDirectory()) {
          const related = key.startsWith(prefix) || prefix.startsWith(key);
          const beforeCursor = key < cursor && !cursor.startsWith(key);
          if (related && !beforeCursor) await walk(join(folder, entry.name), key);
        } else if (key.startsWith(prefix) && key > cursor) {
          if (items.length === limit) {
            more = true;
            return;
          }
          const info = statSync(join(folder, entry.name), { throwIfNoEntry: false }) ?? null;
          if (info !== null) items.push({ key, size: info.size });
        }
      }
    };
    await walk(this.root, '');
    return { items, cursor: more ? (items.at(-1)?.key ?? null) : null };
  }

  async verify(
    key: string,
    expected: { size: number; sha256: string },
    options: VerifyOptions = {},
  ): Promise<VerifyResult> {
    const head = await this.head(key, options.signal);
    if (head === null) return { ok: false, reason: 'absent', actual: null };
    let sha256 = head.sha256;
    if (options.deep === true) {
      sha256 = (
        await sha256File(this.pathOf(key), options.signal).catch((error: unknown) => {
          throw storeError('read', key, error);
        })
      ).sha256;
    }
    if (head.size !== expected.size)
      return { ok: false, reason: 'size', actual: { size: head.size, sha256 } };
    if (sha256 !== expected.sha256)
      return { ok: false, reason: 'sha256', actual: { size: head.size, sha256 } };
    return { ok: true };
  }

  /** fsync every blob put since the last call, their folders and the index (see the header). */
  /**
   * Makes the blobs put since the last call durable. On Linux one `syncfs(2)` of the store's
   * filesystem (`sync --file-system`, coreutils) commits their data, their directory entries and
   * the index in one journal commit; an fsync per file costs a journal commit each, which on the
   * document benchmark doubled the upload time (20,000 files: 8.6 s without durability, 16.5 s with
   * an fsync per file). Elsewhere, or when `sync` cannot run, every file and folder is fsynced.
   */
  async sync(): Promise<void> {
    if (!this.durable || this.unsynced.length === 0) return;
    const files = this.unsynced;
    this.unsynced = [];
    try {
      if (!(await syncFileSystem(this.root))) await this.syncEach(files);
    } catch (error) {
      this.unsynced.push(...files);
      throw storeError('sync', files[0]!, error);
    }
  }

  private async syncEach(files: string[]): Promise<void> {
    const paths = [...files, ...new Set(files.map((f) => dirname(f))), this.indexPath];
    await forEachBounded(paths, 16, async (path) => {
      let handle;
      try {
        handle = await open(path, 'r');
      } catch (error) {
        if (isNotFound(error)) return; // replaced or deleted since: nothing of it to keep
        throw error;
      }
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
  }

  close(): Promise<void> {
    return this.copier.close();
  }
}

let syncfsWorks: boolean | null = process.platform === 'linux' ? null : false;

/**
 * `syncfs(2)` of the filesystem holding `path`, through coreutils' `sync --file-system`: true when
 * it ran and succeeded; false when it is not available here (then the caller fsyncs each file).
 * A failure of an available `sync` (an I/O error it reports) is thrown: the blobs are not durable.
 */
function syncFileSystem(path: string): Promise<boolean> {
  if (syncfsWorks === false) return Promise.resolve(false);
  return new Promise((resolvePromise, reject) => {
    const child = spawn('sync', ['--file-system', path], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', () => {
      syncfsWorks = false;
      resolvePromise(false);
    });
    child.on('close', (code) => {
      if (code === 0) {
        syncfsWorks = true;
        resolvePromise(true);
      } else if (syncfsWorks === null) {
        // The first call failed: an old `sync` without --file-system. Fall back for good.
        syncfsWorks = false;
        resolvePromise(false);
      } else reject(new Error(`sync --file-system failed: ${stderr.trim() || `exit code ${code}`}`));
    });
  });
}
