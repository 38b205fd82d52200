// The blob-store port: where a tenant's documents go. Services talk to blob storage only through
// this interface, so the embedded filesystem store and the S3-compatible store are swapped by URL,
// and faults are injected in tests by wrapping a real store (never by a test mode in a store).
//
// Keys are '/'-separated paths relative to the store's root or prefix (`so_arc/c001/1/2019/x.pdf`).
// Every blob carries its size and sha256; `put` refuses content that differs from the expected
// sha256 (when given) and never leaves a partial blob under the final key.

import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { FerryError } from '../domain/errors.ts';

/** A re-openable byte source (a file): stores may read it more than once or in ranges (multipart). */
export interface BlobSource {
  /** Size in bytes. */
  readonly size: number;
  /** A fresh stream of bytes `start` (inclusive, default 0) to `end` (exclusive, default size). */
  open(start?: number, end?: number): Readable;
  /**
   * The whole content in one buffer, for small sources only (stores call it below their own
   * threshold, so memory stays bounded); fewer system calls than a stream.
   */
  readAll?(): Promise<Buffer>;
  /** The local file behind the source, when there is one (a local store may copy it directly). */
  readonly path?: string;
}

export interface PutExpectation {
  /** Size in bytes; a source of another size is refused. */
  size: number;
  /** Hex sha256 of the content when known beforehand; a store that needs it first hashes the source. */
  sha256?: string;
  /** Extra metadata stored with the blob (keys: lower-case letters, digits, '-'). */
  metadata?: Record<string, string>;
}

export interface PutResult {
  size: number;
  sha256: string;
  /** Whether the store used a multipart upload. */
  multipart: boolean;
}

export interface BlobHead {
  key: string;
  size: number;
  /** Hex sha256 recorded with the blob; null for a blob not written by Ferry. */
  sha256: string | null;
  metadata: Record<string, string>;
}

export interface BlobListItem {
  key: string;
  size: number;
}

export interface BlobListPage {
  items: BlobListItem[];
  /** Pass to the next `list` call; null on the last page. */
  cursor: string | null;
}

export interface BlobListOptions {
  /** Continue after a previous page. */
  cursor?: string | null;
  /** Items per page at most (default 1000). */
  limit?: number;
  signal?: AbortSignal;
}

export interface VerifyOptions {
  /** Re-read the whole blob and hash it instead of trusting the recorded sha256. Default false. */
  deep?: boolean;
  signal?: AbortSignal;
}

export type VerifyResult =
  | { ok: true }
  | {
      ok: false;
      reason: 'absent' | 'size' | 'sha256';
      actual: { size: number; sha256: string | null } | null;
    };

export interface BlobStore {
  /** Where the store writes, safe to print (no credentials). */
  readonly location: string;
  /**
   * Stream `source` into `key`, atomically: the key holds either its previous blob or the complete
   * new one. Throws FERRY_BLOB_CHECKSUM_MISMATCH when the content is not `expected`.
   */
  put(key: string, source: BlobSource, expected: PutExpectation, signal?: AbortSignal): Promise<PutResult>;
  /** Size and sha256 of `key`, or null when there is no such blob. */
  head(key: string, signal?: AbortSignal): Promise<BlobHead | null>;
  /** Remove `key`; removing an absent key is not an error. */
  delete(key: string, signal?: AbortSignal): Promise<void>;
  /** Blobs whose key starts with `prefix`, in key order, one page at a time. */
  list(prefix: string, options?: BlobListOptions): Promise<BlobListPage>;
  /** Check that `key` holds exactly `expected` (after an upload, or at any time). */
  verify(
    key: string,
    expected: { size: number; sha256: string },
    options?: VerifyOptions,
  ): Promise<VerifyResult>;
  /**
   * The size of the blob under `key`, or null when there is none — for stores where looking one
   * key up is cheaper than a listing (a local folder: one stat, where a listing walks every
   * folder). Stores without it (S3) are listed once by the uploader instead.
   */
  sizeOf?(key: string): number | null;
  /**
   * Make every blob put so far durable (filesystem: fsync them as a batch). Absent when a put is
   * durable once it returns (S3). The uploader calls it before recording a batch of outcomes.
   */
  sync?(): Promise<void>;
  /** Release connections. */
  close(): Promise<void>;
}

/** Every blob under `prefix`, page by page. */
export async function* listAll(
  store: BlobStore,
  prefix: string,
  options: Omit<BlobListOptions, 'cursor'> = {},
): AsyncIterable<BlobListItem> {
  let cursor: string | null = null;
  do {
    const page: BlobListPage = await store.list(prefix, { ...options, cursor });
    yield* page.items;
    cursor = page.cursor;
  } while (cursor !== null);
}

/** A file as a blob source (read in 1 MiB chunks; ranges for multipart parts). */
export function fileSource(path: string, size: number): BlobSource {
  return {
    size,
    path,
    open(start = 0, end = size) {
      if (end <= start) return Readable.from([]);
      return createReadStream(path, { start, end: end - 1, highWaterMark: 1 << 20 });
    },
    async readAll() {
      const file = await open(path, 'r');
      try {
        // One byte more than expected: a file that grew is noticed by its length.
        const buffer = Buffer.allocUnsafe(size + 1);
        let filled = 0;
        for (;;) {
          const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, filled);
          filled += bytesRead;
          if (bytesRead === 0 || filled === buffer.length) break;
        }
        return buffer.subarray(0, filled);
      } finally {
        await file.close();
      }
    },
  };
}

/** Metadata key under which a blob's sha256 is kept. */
export const SHA256_METADATA = 'sha256';

/** Lower-case hex sha256, 64 characters. */
export function isSha256Hex(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}

/**
 * Refuse keys that could escape the store's root or collide with Ferry's own bookkeeping: empty,
 * absolute, '.', '..' or empty segments, backslashes, NUL, or the reserved `.ferry/` folder.
 */
export function assertBlobKey(key: string): void {
  const segments = key.split('/');
  const bad =
    key === '' ||
    key.length > 1024 ||
    /[\\\0]/.test(key) ||
    segments.some((s) => s === '' || s === '.' || s === '..') ||
    segments[0] === '.ferry';
  if (bad) {
    throw new FerryError('FERRY_INVALID_ARGUMENT', `"${key}" is not a valid document key`, {
      hint: "Document keys are relative '/'-separated paths without '.', '..' or empty segments.",
      details: { key },
    });
  }
}
