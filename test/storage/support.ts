// Shared by the storage tests: a real S3-compatible server (s3rver, in-process, random port, temp
// dir), a generated CRM installation with its referenced documents, and a store home.

import { join } from 'node:path';
import S3rver from 's3rver';
import { openSource } from '../../src/connectors/registry.ts';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import { readCrmReferencedDocuments } from '../../src/storage/crm-referenced-documents.ts';
import type { ReferencedDocument } from '../../src/storage/manifest.ts';
import { tempDir } from '../support/servers.ts';

export interface TestS3 {
  /** `s3://bucket/prefix?endpoint=…&region=…` without credentials. */
  url(prefix: string): string;
  port: number;
  close(): Promise<void>;
}

export const S3_BUCKET = 'ferry-docs';

/** s3rver accepts the key pair S3RVER/S3RVER; tests pass it through the environment. */
export function s3Env(): NodeJS.ProcessEnv {
  return { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
}

export async function startS3(): Promise<TestS3> {
  const dir = tempDir('s3rver');
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: dir.path,
    configureBuckets: [{ name: S3_BUCKET, configs: [] }],
  });
  const address = (await server.run()) as { port: number };
  return {
    port: address.port,
    url: (prefix) => `s3://${S3_BUCKET}/${prefix}?endpoint=http://127.0.0.1:${address.port}&region=us-east-1`,
    async close() {
      await server.close();
      dir.remove();
    },
  };
}

export interface TestInstallation {
  dir: string;
  archiveRoot: string;
  referenced: ReferencedDocument[];
  remove(): void;
}

/** A small generated CRM installation (400 documents, 5 planted as missing from the archive). */
export async function crmInstallation(prefix: string): Promise<TestInstallation> {
  const dir = tempDir(prefix);
  const summary = await initInstallation({ dir: join(dir.path, 'crm'), size: 'small', seed: 7 });
  const source = await openSource(summary.installation.database);
  try {
    const referenced = await readCrmReferencedDocuments(source);
    return { dir: dir.path, archiveRoot: summary.installation.archive, referenced, remove: dir.remove };
  } finally {
    await source.close();
  }
}
