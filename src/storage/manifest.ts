// The document manifest: what the archive holds (path, size, mtime, sha256) set against what the
// application database references. Three sets come out: referenced and present, referenced but
// missing from the archive, present but referenced by no row. Hashing is streamed with a bounded
// number of files open at once, so neither large files nor many files grow memory per file.

import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FerryError } from '../domain/errors.ts';
import { forEachBounded } from './bounded-pool.ts';
import { sha256File } from './sha256.ts';

/** A document the application database references (from the profile, e.g. crm `documents`). */
export interface ReferencedDocument {
  /** The row's id, as text (64-bit safe). */
  id: string;
  /** Path relative to the archive root, '/'-separated. */
  path: string;
  /** Size the database records, when it records one. */
  size?: number | null;
  /** Hex sha256 the database records, when it records one. */
  sha256?: string | null;
}

export interface ArchiveFile {
  /** Relative to the archive root, '/'-separated. */
  path: string;
  size: number;
  mtimeMs: number;
  /** Hex sha256; null when the scan was asked not to hash. */
  sha256: string | null;
}

export interface PresentDocument {
  document: ReferencedDocument;
  file: ArchiveFile;
  /** How the file differs from what the database records about it, if it does. */
  differs: 'size' | 'sha256' | null;
}

export interface DocumentManifest {
  present: PresentDocument[];
  missing: ReferencedDocument[];
  unreferenced: ArchiveFile[];
  totals: {
    referenced: number;
    present: number;
    missing: number;
    unreferenced: number;
    presentBytes: number;
  };
}

export interface ScanArchiveOptions {
  root: string;
  /** Files stat'ed and hashed at once (default 8). */
  concurrency?: number;
  /** Compute sha256 (default true). */
  hash?: boolean;
  /** A sha256 already known for a file of this path, size and mtime (skips hashing it again). */
  knownSha256?: (path: string, size: number, mtimeMs: number) => string | null;
  signal?: AbortSignal;
  onProgress?: (progress: { files: number; bytes: number }) => void;
}

/** Relative paths of every regular file under `root`, depth first ('/'-separated). */
export async function* walkArchive(root: string, signal?: AbortSignal): AsyncIterable<string> {
  const pending: string[] = [''];
  while (pending.length > 0) {
    signal?.throwIfAborted();
    const relative = pending.pop() as string;
    let entries: Dirent[];
    try {
      entries = await readdir(relative === '' ? root : join(root, ...relative.split('/')), {
        withFileTypes: true,
      });
    } catch (cause) {
      if (relative === '') {
        throw new FerryError('FERRY_INVALID_ARGUMENT', `the document archive ${root} cannot be read`, {
          cause,
          hint: 'Check the archive path in installation.yaml and that Ferry may read it.',
        });
      }
      throw cause;
    }
    for (const entry of entries) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) yield path;
    }
  }
}

/** Every file of the archive with size, mtime and (streamed) sha256. */
export async function scanArchive(options: ScanArchiveOptions): Promise<ArchiveFile[]> {
  const files: ArchiveFile[] = [];
  let bytes = 0;
  await forEachBounded(
    walkArchive(options.root, options.signal),
    options.concurrency ?? 8,
    async (path) => {
      const full = join(options.root, ...path.split('/'));
      const info = await stat(full);
      let sha256: string | null = null;
      if (options.hash !== false) {
        sha256 =
          options.knownSha256?.(path, info.size, info.mtimeMs) ??
          (await sha256File(full, options.signal)).sha256;
      }
      files.push({ path, size: info.size, mtimeMs: info.mtimeMs, sha256 });
      bytes += info.size;
      options.onProgress?.({ files: files.length, bytes });
    },
    options.signal,
  );
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Pure: the archive's files set against the referenced documents. */
export function compareManifest(
  files: readonly ArchiveFile[],
  referenced: readonly ReferencedDocument[],
): DocumentManifest {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const referencedPaths = new Set<string>();
  const present: PresentDocument[] = [];
  const missing: ReferencedDocument[] = [];
  let presentBytes = 0;
  for (const document of referenced) {
    referencedPaths.add(document.path);
    const file = byPath.get(document.path);
    if (file === undefined) {
      missing.push(document);
      continue;
    }
    let differs: PresentDocument['differs'] = null;
    if (document.size != null && document.size !== file.size) differs = 'size';
    else if (document.sha256 != null && file.sha256 !== null && document.sha256 !== file.sha256)
      differs = 'sha256';
    present.push({ document, file, differs });
    presentBytes += file.size;
  }
  const unreferenced = files.filter((f) => !referencedPaths.has(f.path));
  return {
    present,
    missing,
    unreferenced,
    totals: {
      referenced: referenced.length,
      present: present.length,
      missing: missing.length,
      unreferenced: unreferenced.length,
      presentBytes,
    },
  };
}

export interface BuildManifestOptions extends Omit<ScanArchiveOptions, 'root'> {
  archiveRoot: string;
  referenced: readonly ReferencedDocument[];
}

/** Scan the archive and set it against the referenced documents. */
export async function buildManifest(options: BuildManifestOptions): Promise<DocumentManifest> {
  const files = await scanArchive({ ...options, root: options.archiveRoot });
  return compareManifest(files, options.referenced);
}
