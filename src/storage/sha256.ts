// Streamed sha256 (and MD5, for S3 ETags) of files and streams: bytes are hashed as they pass, so
// memory stays flat whatever the file size.

import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

/** Hex sha256 of a file, read in 1 MiB chunks. */
export async function sha256File(
  path: string,
  signal?: AbortSignal,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20, signal })) {
    const buffer = chunk as Buffer;
    hash.update(buffer);
    size += buffer.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** A pass-through that feeds every byte to the given hashes and counts them. */
export class HashingTap extends Transform {
  bytes = 0;
  private readonly hashes: Hash[];

  constructor(...hashes: Hash[]) {
    super();
    this.hashes = hashes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    for (const hash of this.hashes) hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

export function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}
