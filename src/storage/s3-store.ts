// The scale-out blob store: an S3-compatible bucket through @aws-sdk/client-s3.
//
//   s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1
//   s3://KEY_ID:SECRET@bucket/prefix?…   (else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, else the
//                                        SDK's default chain); credentials are never printed.
//
// Small files go up in one PutObject with their sha256 as metadata and as `x-amz-checksum-sha256`
// (S3 rejects a body that does not match it), files up to 1 MiB read once and sent with their
// Content-MD5, larger ones streamed after a hashing pass; large ones in a multipart upload whose parts are read
// as file ranges, several at a time, each part retried on its own. Bodies are always streams, so
// memory does not grow with the file. After an upload the ETag is checked against the MD5 of the
// bytes actually sent (single part: MD5 of the body; multipart: MD5 of the parts' MD5s, "-N"). The
// SDK's own retries are off: a consumed stream cannot be replayed; Ferry retries with a fresh one.

import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import type * as S3Sdk from '@aws-sdk/client-s3';
import { FerryError } from '../domain/errors.ts';
import type {
  BlobHead,
  BlobListOptions,
  BlobListPage,
  BlobSource,
  BlobStore,
  PutExpectation,
  PutResult,
  VerifyOptions,
  VerifyResult,
} from './blob-store.ts';
import { assertBlobKey, SHA256_METADATA } from './blob-store.ts';
import { withRetry } from './retry.ts';
import { HashingTap, hexToBase64 } from './sha256.ts';

// The SDK takes about 250 ms to load; loaded on first use so commands that never touch S3 do not pay it.
const requireModule = createRequire(import.meta.url);
let loadedSdk: typeof S3Sdk | null = null;
function s3Sdk(): typeof S3Sdk {
  loadedSdk ??= requireModule('@aws-sdk/client-s3') as typeof S3Sdk;
  return loadedSdk;
}

export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing '/', possibly empty. */
  prefix: string;
  endpoint: string | null;
  region: string;
  forcePathStyle: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string } | null;
  /** The URL without credentials, safe to print. */
  redacted: string;
}

export interface S3StoreOptions {
  /** Files of at least this many bytes go up as multipart uploads (default 16 MiB, minimum 5 MiB). */
  multipartThreshold?: number;
  /** Bytes per part (default 8 MiB, minimum 5 MiB as S3 requires). */
  partSize?: number;
  /** Parts of one file uploaded at once (default 4). */
  partConcurrency?: number;
  /** HTTP connections kept open to the endpoint (default 64). */
  maxSockets?: number;
  /** Attempts per part before a multipart upload gives up (default 5). */
  partAttempts?: number;
  /** Files up to this many bytes are read once into memory, hashed and sent (default 1 MiB). */
  wholeFileBytes?: number;
}

const MIB = 1024 * 1024;

function invalidUrl(redacted: string, message: string): FerryError {
  return new FerryError('FERRY_URL_INVALID', `"${redacted}" ${message}`, {
    hint: 'Use s3://bucket/prefix?endpoint=http://host:port&region=us-east-1 (credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or s3://KEY:SECRET@bucket/…).',
  });
}

export function parseS3Url(raw: string, env: NodeJS.ProcessEnv = process.env): S3Location {
  let url: URL;
  const roughlyRedacted = raw.replace(/^(s3:\/\/)[^@/]*@/i, '$1***@');
  try {
    url = new URL(raw);
  } catch {
    throw invalidUrl(roughlyRedacted, 'is not a valid s3:// URL');
  }
  if (url.protocol !== 's3:') throw invalidUrl(roughlyRedacted, 'is not an s3:// URL');
  const bucket = url.hostname;
  if (bucket === '') throw invalidUrl(roughlyRedacted, 'names no bucket');
  const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  const endpoint = url.searchParams.get('endpoint');
  const region = url.searchParams.get('region') ?? env.AWS_REGION ?? 'us-east-1';
  const pathStyle = url.searchParams.get('forcePathStyle');
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  let credentials: S3Location['credentials'] = null;
  if (user !== '' && password !== '') credentials = { accessKeyId: user, secretAccessKey: password };
  else if (env.AWS_ACCESS_KEY_ID !== undefined && env.AWS_SECRET_ACCESS_KEY !== undefined) {
    credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
  }
  const query = new URLSearchParams();
  if (endpoint !== null) query.set('endpoint', endpoint);
  query.set('region', region);
  return {
    bucket,
    prefix,
    endpoint,
    region,
    forcePathStyle: pathStyle === null ? endpoint !== null : pathStyle !== 'false',
    credentials,
    redacted: `s3://${bucket}/${prefix}?${decodeURIComponent(query.toString())}`,
  };
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = (error as Error | null)?.name;
  return name === 'NotFound' || name === 'NoSuchKey' || statusOf(error) === 404;
}

function storeError(action: string, key: string, cause: unknown): FerryError {
  if (cause instanceof FerryError) return cause;
  return new FerryError(
    'FERRY_BLOB_STORE_ERROR',
    `could not ${action} document ${key}: ${(cause as Error).name}`,
    {
      cause,
      details: { key, s3Error: (cause as Error).name, httpStatus: statusOf(cause) },
    },
  );
}

function mismatch(key: string, message: string, details: Record<string, unknown>): FerryError {
  return new FerryError('FERRY_BLOB_CHECKSUM_MISMATCH', `document ${key}: ${message}`, {
    details: { key, ...details },
  });
}

const unquote = (etag: string | undefined): string => (etag ?? '').replace(/"/g, '').toLowerCase();

/** A source stream piped through a tap; errors of the source reach the tap's reader. */
function tapped(stream: Readable, tap: HashingTap): HashingTap {
  stream.on('error', (error) => tap.destroy(error));
  return stream.pipe(tap);
}

export class S3BlobStore implements BlobStore {
  readonly location: string;
  private readonly sdk = s3Sdk();
  private readonly client: S3Sdk.S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly threshold: number;
  private readonly partSize: number;
  private readonly partConcurrency: number;
  private readonly partAttempts: number;
  private readonly wholeFileBytes: number;

  constructor(where: S3Location, options: S3StoreOptions = {}) {
    this.location = where.redacted;
    this.bucket = where.bucket;
    this.prefix = where.prefix === '' ? '' : `${where.prefix}/`;
    this.partSize = Math.max(5 * MIB, options.partSize ?? 8 * MIB);
    this.threshold = Math.max(5 * MIB, options.multipartThreshold ?? 16 * MIB);
    this.partConcurrency = Math.max(1, options.partConcurrency ?? 4);
    this.partAttempts = options.partAttempts ?? 5;
    this.wholeFileBytes = Math.min(options.wholeFileBytes ?? 1 << 20, this.threshold);
    this.client = new this.sdk.S3Client({
      region: where.region,
      ...(where.endpoint === null ? {} : { endpoint: where.endpoint }),
      forcePathStyle: where.forcePathStyle,
      ...(where.credentials === null ? {} : { credentials: where.credentials }),
      maxAttempts: 1,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { httpAgent: { keepAlive: true, maxSockets: options.maxSockets ?? 64 } },
    });
  }

  private objectKey(key: string): string {
    assertBlobKey(key);
    return this.prefix + key;
  }

  async put(
    key: string,
    source: BlobSource,
    expected: PutExpectation,
    signal?: AbortSignal,
  ): Promise<PutResult> {
    const objectKey = this.objectKey(key);
    if (source.size !== expected.size) {
      throw mismatch(key, `the file has ${source.size} bytes, expected ${expected.size}`, {
        size: source.size,
      });
    }
    const metadataWith = (sha256: string) => ({ ...expected.metadata, [SHA256_METADATA]: sha256 });
    try {
      // A small file is read once, whole: hashed, then sent from memory with its Content-MD5.
      if (source.readAll !== undefined && source.size <= this.wholeFileBytes) {
        const bytes = await source.readAll();
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        if (bytes.length !== expected.size || (expected.sha256 !== undefined && sha256 !== expected.sha256)) {
          throw mismatch(key, `the file read as ${bytes.length} bytes with sha256 ${sha256}`, { expected });
        }
        await this.putBuffer(key, objectKey, bytes, sha256, metadataWith(sha256), signal);
        return { size: bytes.length, sha256, multipart: false };
      }
      let sha256 = expected.sha256;
      if (sha256 === undefined) {
        const hash = createHash('sha256');
        for await (const chunk of source.open()) hash.update(chunk as Buffer);
        sha256 = hash.digest('hex');
      }
      if (source.size < this.threshold) {
        await this.putSingle(key, objectKey, source, sha256, metadataWith(sha256), signal);
        return { size: source.size, sha256, multipart: false };
      }
      await this.putMultipart(key, objectKey, source, metadataWith(sha256), signal);
      return { size: source.size, sha256, multipart: true };
    } catch (error) {
      throw storeError('upload', key, error);
    }
  }

  private async putBuffer(
    key: string,
    objectKey: string,
    bytes: Buffer,
    sha256: string,
    metadata: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<void> {
    const md5 = createHash('md5').update(bytes).digest();
    const response = await this.client.send(
      new this.sdk.PutObjectCommand({
        Bucket: this.bucket,
        Key: objectKey,
        Body: bytes,
        ContentLength: bytes.length,
        ContentMD5: md5.toString('base64'),
        Metadata: metadata,
        ChecksumSHA256: hexToBase64(sha256),
      }),
      { abortSignal: signal },
    );
    const etag = unquote(response.ETag);
    if (etag !== '' && !etag.includes('-') && etag !== md5.toString('hex')) {
      throw mismatch(key, `the store's ETag ${etag} is not the MD5 of the bytes sent`, { etag });
    }
  }

  private async putSingle(
    key: string,
    objectKey: string,
    source: BlobSource,
    sha256: string,
    metadata: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<void> {
    const md5 = createHash('md5');
    const sha = createHash('sha256');
    const body = tapped(source.open(), new HashingTap(md5, sha));
    const response = await this.client.send(
      new this.sdk.PutObjectCommand({
        Bucket: this.bucket,
        Key: objectKey,
        Body: body,
        ContentLength: source.size,
        Metadata: metadata,
        ChecksumSHA256: hexToBase64(sha256),
      }),
      { abortSignal: signal },
    );
    const sent = sha.digest('hex');
    if (sent !== sha256 || body.bytes !== source.size) {
      // The file changed between hashing and uploading: do not leave a blob that lies.
      await this.delete(key).catch(() => undefined);
      throw mismatch(key, 'the file changed while it was uploaded', { sent, expected: sha256 });
    }
    const etag = unquote(response.ETag);
    const md5Hex = md5.digest('hex');
    if (etag !== '' && !etag.includes('-') && etag !== md5Hex) {
      throw mismatch(key, `the store's ETag ${etag} is not the MD5 of the bytes sent (${md5Hex})`, { etag });
    }
  }

  private async putMultipart(
    key: string,
    objectKey: string,
    source: BlobSource,
    metadata: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<void> {
    const created = await this.client.send(
      new this.sdk.CreateMultipartUploadCommand({ Bucket: this.bucket, Key: objectKey, Metadata: metadata }),
      { abortSignal: signal },
    );
    const uploadId = created.UploadId;
    if (uploadId === undefined) throw new Error('CreateMultipartUpload returned no UploadId');
    const count = Math.ceil(source.size / this.partSize);
    const parts: { PartNumber: number; ETag: string; md5: Buffer }[] = [];
    try {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < count) {
          const index = next++;
          const start = index * this.partSize;
          const end = Math.min(source.size, start + this.partSize);
          const part = await withRetry(
            async () => {
              const md5 = createHash('md5');
              const body = tapped(source.open(start, end), new HashingTap(md5));
              const response = await this.client.send(
                new this.sdk.UploadPartCommand({
                  Bucket: this.bucket,
                  Key: objectKey,
                  UploadId: uploadId,
                  PartNumber: index + 1,
                  Body: body,
                  ContentLength: end - start,
                }),
                { abortSignal: signal },
              );
              const digest = md5.digest();
              const etag = unquote(response.ETag);
              if (etag !== digest.toString('hex')) {
                throw mismatch(key, `part ${index + 1}'s ETag ${etag} is not the MD5 of the bytes sent`, {
                  etag,
                });
              }
              return { PartNumber: index + 1, ETag: response.ETag ?? etag, md5: digest };
            },
            { attempts: this.partAttempts, signal },
          );
          parts.push(part);
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.partConcurrency, count) }, worker));
      parts.sort((a, b) => a.PartNumber - b.PartNumber);
      const response = await this.client.send(
        new this.sdk.CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: objectKey,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map(({ PartNumber, ETag }) => ({ PartNumber, ETag })) },
        }),
        { abortSignal: signal },
      );
      const wanted = `${createHash('md5')
        .update(Buffer.concat(parts.map((p) => p.md5)))
        .digest('hex')}-${count}`;
      const etag = unquote(response.ETag);
      // S3 answers MD5-of-part-MD5s "-N"; some compatible servers (s3rver) the whole body's MD5,
      // which only a second read could check: each part's MD5 was checked above either way.
      if (etag.includes('-') && etag !== wanted) {
        throw mismatch(key, `the multipart ETag ${etag} is not the one of the parts sent (${wanted})`, {
          etag,
        });
      }
    } catch (error) {
      await this.client
        .send(
          new this.sdk.AbortMultipartUploadCommand({
            Bucket: this.bucket,
            Key: objectKey,
            UploadId: uploadId,
          }),
        )
        .catch(() => undefined);
      throw error;
    }
  }

  async head(key: string, signal?: AbortSignal): Promise<BlobHead | null> {
    const objectKey = this.objectKey(key);
    try {
      const response = await this.client.send(
        new this.sdk.HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }),
        {
          abortSignal: signal,
        },
      );
      const metadata = response.Metadata ?? {};
      const sha256 = metadata[SHA256_METADATA];
      return { key, size: response.ContentLength ?? 0, sha256: sha256 ?? null, metadata };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw storeError('read', key, error);
    }
  }

  async delete(key: string, signal?: AbortSignal): Promise<void> {
    const objectKey = this.objectKey(key);
    try {
      await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }), {
        abortSignal: signal,
      });
    } catch (error) {
      if (!isNotFound(error)) throw storeError('delete', key, error);
    }
  }

  /**
   * ListObjects (version 1) with `Marker` = the last key seen: every S3-compatible server supports
   * it (s3rver's ListObjectsV2 continuation tokens need DES, which OpenSSL 3 no longer ships).
   */
  async list(prefix: string, options: BlobListOptions = {}): Promise<BlobListPage> {
    try {
      const response = await this.client.send(
        new this.sdk.ListObjectsCommand({
          Bucket: this.bucket,
          Prefix: this.prefix + prefix,
          MaxKeys: options.limit ?? 1000,
          ...(options.cursor == null ? {} : { Marker: this.prefix + options.cursor }),
        }),
        { abortSignal: options.signal },
      );
      const items = (response.Contents ?? []).flatMap((o) =>
        o.Key === undefined ? [] : [{ key: o.Key.slice(this.prefix.length), size: o.Size ?? 0 }],
      );
      const last = items.at(-1)?.key;
      return { items, cursor: response.IsTruncated === true && last !== undefined ? last : null };
    } catch (error) {
      throw storeError('list', prefix, error);
    }
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
      try {
        const response = await this.client.send(
          new this.sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
          { abortSignal: options.signal },
        );
        const hash = createHash('sha256');
        for await (const chunk of response.Body as Readable) hash.update(chunk as Buffer);
        sha256 = hash.digest('hex');
      } catch (error) {
        throw storeError('read', key, error);
      }
    }
    if (head.size !== expected.size)
      return { ok: false, reason: 'size', actual: { size: head.size, sha256 } };
    if (sha256 !== expected.sha256)
      return { ok: false, reason: 'sha256', actual: { size: head.size, sha256 } };
    return { ok: true };
  }

  close(): Promise<void> {
    this.client.destroy();
    return Promise.resolve();
  }
}
