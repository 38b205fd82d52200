// Blob-store URL → store. The only place that lists the kinds of blob store.
//
//   file:/path/to/tenant/documents            (also file:///path, or a relative file:path)
//   s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FerryError } from '../domain/errors.ts';
import type { BlobStore } from './blob-store.ts';
import type { FilesystemStoreOptions } from './filesystem-store.ts';
import { FilesystemBlobStore } from './filesystem-store.ts';
import type { S3StoreOptions } from './s3-store.ts';
import { parseS3Url, S3BlobStore } from './s3-store.ts';

export interface OpenBlobStoreOptions {
  filesystem?: FilesystemStoreOptions;
  s3?: S3StoreOptions;
  /** Environment to take S3 credentials from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export function openBlobStore(url: string, options: OpenBlobStoreOptions = {}): BlobStore {
  if (/^file:/i.test(url)) {
    const path = url.startsWith('file://') ? fileURLToPath(url) : resolve(decodeURIComponent(url.slice(5)));
    if (path === '') throw new FerryError('FERRY_URL_INVALID', `"${url}" names no folder`);
    return new FilesystemBlobStore(path, options.filesystem);
  }
  if (/^s3:/i.test(url)) return new S3BlobStore(parseS3Url(url, options.env), options.s3);
  throw new FerryError(
    'FERRY_URL_INVALID',
    'unknown document store URL: expected file:/path or s3://bucket/prefix',
    {
      hint: 'Use file:/path/to/tenant/documents or s3://bucket/prefix?endpoint=http://host:port&region=us-east-1.',
    },
  );
}
