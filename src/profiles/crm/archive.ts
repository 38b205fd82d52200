// The CRM's document archive: one file per `documents` row, in nested folders, with contents and
// sizes that are a pure function of (seed, size, document id). The `documents` rows and the files
// are produced from the same function, so the sha256 in the database matches the file on disk,
// except for the documents planted as missing from the archive.

import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Random } from './random.ts';
import type { CrmSize } from './schema.ts';
import { crmRowCounts } from './schema.ts';
import { companyWords, mimeTypes, words } from './vocabulary.ts';

export interface DocumentFile {
  id: number;
  /** Path relative to the archive root, '/'-separated. */
  relativePath: string;
  title: string;
  mimeType: string;
  bytes: Buffer;
}

const sizeRange: Record<CrmSize, [number, number]> = {
  small: [200, 4_000],
  medium: [500, 16_000],
  large: [200, 3_000],
};

export function documentFile(seed: number, size: CrmSize, id: number): DocumentFile {
  const rng = new Random(seed, `document:${id}`);
  const [ext, mimeType] = rng.pick(mimeTypes);
  const title = `${rng.pick(companyWords)} ${rng.pick(words)} ${id}`;
  const companies = crmRowCounts[size].companies ?? 1;
  const company = rng.int(1, companies);
  const year = rng.int(2008, 2024);
  const slug = title.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '-');
  const relativePath = `so_arc/c${String(company % 1000).padStart(3, '0')}/${company}/${year}/${String(id).padStart(7, '0')}-${slug}.${ext}`;
  const [min, max] = sizeRange[size];
  const length = rng.int(min, max);
  const header = Buffer.from(`FERRY-CRM document ${id}: ${title}\n`, 'utf8');
  const bytes = Buffer.concat([header, rng.bytes(Math.max(0, length - header.length))]);
  return { id, relativePath, title, mimeType, bytes };
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface ArchiveSummary {
  root: string;
  files: number;
  bytes: number;
  /** Documents in the database that were deliberately not written. */
  missing: number;
}

export interface WriteArchiveOptions {
  root: string;
  seed: number;
  size: CrmSize;
  /** Document ids not to write (planted as missing). */
  missingIds: ReadonlySet<number>;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Writes every document's file under `root` (several files in flight, bounded). */
export async function writeArchive(options: WriteArchiveOptions): Promise<ArchiveSummary> {
  const total = crmRowCounts[options.size].documents ?? 0;
  const folders = new Map<string, Promise<unknown>>();
  let files = 0;
  let bytes = 0;
  const inFlight = new Set<Promise<void>>();
  for (let id = 1; id <= total; id++) {
    options.signal?.throwIfAborted();
    if (options.missingIds.has(id)) continue;
    const doc = documentFile(options.seed, options.size, id);
    const path = join(options.root, ...doc.relativePath.split('/'));
    const folder = dirname(path);
    const task = (async () => {
      let made = folders.get(folder);
      if (made === undefined) {
        made = mkdir(folder, { recursive: true });
        folders.set(folder, made);
      }
      await made;
      await writeFile(path, doc.bytes);
    })();
    files++;
    bytes += doc.bytes.length;
    const tracked: Promise<void> = task.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= 32) await Promise.race(inFlight);
    if (id % 1000 === 0) options.onProgress?.(id, total);
  }
  await Promise.all(inFlight);
  options.onProgress?.(total, total);
  return { root: options.root, files, bytes, missing: options.missingIds.size };
}
