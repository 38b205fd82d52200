// What the document archive of a migration holds, and what a run did with it — the same answers
// for `ferry documents` and /api/v1/…/documents:
//
//   documentManifest(cp, migrationId)  the archive (path, size, mtime, sha256 with `hash`) set
//                                       against the documents the database references, through the
//                                       profile's documents hook (as a run's upload lists them):
//                                       referenced, present, missing (id + path), unreferenced,
//                                       differing; lists bounded by `limit`, totals always whole
//   runDocuments(cp, runId)             the run's upload session (its id is the run's id): files and
//                                       bytes per outcome, and the documents with some outcomes
//                                       (the missing ones, the failed ones with their error)

import { openSource } from '../connectors/registry.ts';
import { FerryError } from '../domain/errors.ts';
import type { RunRecord } from '../engine/run-store.ts';
import {
  listSessionOutcomes,
  sessionOutcomeCounts,
  type OutcomeCount,
} from '../storage/document-outcome-report.ts';
import {
  DocumentOutcomeRepository,
  type DocumentOutcome,
  type UploadSessionRecord,
} from '../storage/document-outcomes.ts';
import { buildManifest } from '../storage/manifest.ts';
import type { ControlPlane } from './control-plane.ts';
import { readInstallation } from './installation-file.ts';
import { getMigration } from './migrations.ts';

/** Documents listed per list when no limit is given. */
export const defaultDocumentLimit = 100;
/** The most documents one answer lists. */
export const maxDocumentLimit = 10_000;

export interface DocumentManifestOptions {
  /** Compute each file's sha256 (reads every file; default false: path, size and mtime only). */
  hash?: boolean;
  /** Documents per list (default 100, at most 10,000); the totals always count everything. */
  limit?: number;
  signal?: AbortSignal;
}

export interface DocumentManifestReport {
  migrationId: string;
  /** The installation's archive root, as the control plane reads it. */
  archiveRoot: string;
  /** Whether sha256 was computed (only then can `differing` name sha256 differences). */
  hashed: boolean;
  limit: number;
  totals: {
    /** Documents the database references. */
    referenced: number;
    /** Referenced and in the archive. */
    present: number;
    /** Referenced but not in the archive. */
    missing: number;
    /** In the archive but referenced by no row. */
    unreferenced: number;
    /** Present, but size (or, with hash, sha256) differs from what the database records. */
    differing: number;
    /** Bytes of the present documents. */
    presentBytes: number;
    /** Bytes of the unreferenced files. */
    unreferencedBytes: number;
    /** Bytes of every file of the archive. */
    archiveBytes: number;
  };
  /** Referenced but missing, in the database's order (first `limit`). */
  missing: { id: string; path: string }[];
  /** Files no row references, by path (first `limit`). */
  unreferenced: { path: string; size: number }[];
  /** Present documents that differ from what the database records (first `limit`). */
  differing: { id: string; path: string; differs: 'size' | 'sha256'; size: number }[];
}

export interface RunDocumentsOptions {
  /** Only documents with one of these outcomes (default: every outcome). */
  outcomes?: readonly DocumentOutcome[];
  /** Documents listed (default 100, at most 10,000). */
  limit?: number;
}

export interface RunDocumentsReport {
  runId: string;
  migrationId: string | null;
  kind: string;
  /** The run's status (the session's own status is in `session`). */
  status: string;
  session: Pick<
    UploadSessionRecord,
    'mode' | 'status' | 'archiveRoot' | 'storeLocation' | 'previousSessionId' | 'startedAt' | 'finishedAt'
  > & { id: string };
  /** Files and bytes per outcome over the whole session. */
  outcomes: Record<DocumentOutcome, OutcomeCount>;
  /** Every recorded document of the session. */
  total: OutcomeCount;
  /** The outcomes asked for; null: every outcome. */
  filter: DocumentOutcome[] | null;
  /** Documents with the outcomes asked for (all of them, whatever the limit). */
  matching: number;
  limit: number;
  /** The documents with the outcomes asked for, by path (first `limit`). */
  documents: {
    id: string;
    path: string;
    outcome: DocumentOutcome;
    size: number | null;
    sha256: string | null;
    attempts: number;
    error: string | null;
  }[];
}

function checkedLimit(limit: number | undefined): number {
  if (limit === undefined) return defaultDocumentLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxDocumentLimit)
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `the limit must be a whole number from 1 to ${maxDocumentLimit}, not ${limit}`,
      {
        hint: `Pass --limit N (API: ?limit=N) with 1 ≤ N ≤ ${maxDocumentLimit}; the totals always count every document.`,
        details: { limit },
      },
    );
  return limit;
}

/** The archive of a migration's installation set against the documents its database references. */
export async function documentManifest(
  cp: ControlPlane,
  migrationId: string,
  options: DocumentManifestOptions = {},
): Promise<DocumentManifestReport> {
  const limit = checkedLimit(options.limit);
  const migration = await getMigration(cp, migrationId);
  const installation = await readInstallation(migration.installationPath);
  const profile = await cp.profiles(migration.profileId);
  const hook = profile.documents;
  if (hook === undefined)
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `migration ${migrationId}: the application profile "${migration.profileId}" has no document archive, so there is no manifest`,
      {
        hint: 'Only applications whose profile declares a documents hook have a manifest (docs/profiles.md).',
        details: { migrationId, profileId: migration.profileId },
      },
    );
  const signal = options.signal;
  const source = await openSource(installation.database);
  let referenced;
  try {
    referenced = await hook.referenced({
      installation,
      source,
      tables: await source.listTables(),
      ...(signal === undefined ? {} : { signal }),
    });
  } finally {
    await source.close();
  }
  const hashed = options.hash === true;
  const manifest = await buildManifest({
    archiveRoot: installation.archive,
    referenced,
    hash: hashed,
    ...(signal === undefined ? {} : { signal }),
  });
  const differing = manifest.present.filter((p) => p.differs !== null);
  const unreferencedBytes = manifest.unreferenced.reduce((sum, f) => sum + f.size, 0);
  return {
    migrationId,
    archiveRoot: installation.archive,
    hashed,
    limit,
    totals: {
      ...manifest.totals,
      differing: differing.length,
      unreferencedBytes,
      archiveBytes: manifest.totals.presentBytes + unreferencedBytes,
    },
    missing: manifest.missing.slice(0, limit).map((d) => ({ id: d.id, path: d.path })),
    unreferenced: manifest.unreferenced.slice(0, limit).map((f) => ({ path: f.path, size: f.size })),
    differing: differing.slice(0, limit).map((p) => ({
      id: p.document.id,
      path: p.document.path,
      differs: p.differs as 'size' | 'sha256',
      size: p.file.size,
    })),
  };
}

/** Kinds whose run uploads documents (after its data loaded). */
const uploadingKinds = [
  'test',
  'full',
  'final',
  'incremental',
  'recovery-missing-files',
  'recovery-overwrite-test',
];

function noUpload(run: RunRecord): FerryError {
  const uploads = uploadingKinds.includes(run.kind);
  return new FerryError(
    'FERRY_INVALID_ARGUMENT',
    uploads
      ? `run ${run.id} (${run.kind}, ${run.status}) has no document upload: documents are uploaded once its data has loaded`
      : `run ${run.id} is a ${run.kind} run: it uploads no documents, so it has no document report`,
    {
      hint: uploads
        ? 'Wait for the run to finish loading (`ferry runs show RUN`); a run that failed before its upload has none. `ferry documents MIGRATION` shows the archive itself.'
        : `Test, full, final, incremental and recovery runs upload documents; \`ferry runs\` lists the runs, \`ferry documents MIGRATION\` shows the archive itself.`,
      details: { runId: run.id, kind: run.kind, status: run.status },
    },
  );
}

/** A run's upload session: totals per outcome and the documents with the outcomes asked for. */
export async function runDocuments(
  cp: ControlPlane,
  runId: string,
  options: RunDocumentsOptions = {},
): Promise<RunDocumentsReport> {
  const limit = checkedLimit(options.limit);
  const run = await cp.store.getRun(runId);
  if (run === null)
    throw new FerryError('FERRY_RUN_NOT_FOUND', `there is no run ${runId} in this store`, {
      details: { runId },
    });
  // A run's upload session has the run's id (services/document-uploads.ts).
  const session = await new DocumentOutcomeRepository(cp.store.kysely).getSession(run.id);
  if (session === null) throw noUpload(run);
  const db = cp.store.kysely;
  const outcomes = await sessionOutcomeCounts(db, session.id);
  const counted = Object.values(outcomes);
  const filter = options.outcomes === undefined ? null : [...new Set(options.outcomes)];
  const records = await listSessionOutcomes(db, session.id, {
    ...(filter === null ? {} : { outcomes: filter }),
    limit,
  });
  return {
    runId: run.id,
    migrationId: run.migrationId,
    kind: run.kind,
    status: run.status,
    session: {
      id: session.id,
      mode: session.mode,
      status: session.status,
      archiveRoot: session.archiveRoot,
      storeLocation: session.storeLocation,
      previousSessionId: session.previousSessionId,
      startedAt: session.startedAt,
      finishedAt: session.finishedAt,
    },
    outcomes,
    total: {
      files: counted.reduce((sum, c) => sum + c.files, 0),
      bytes: counted.reduce((sum, c) => sum + c.bytes, 0),
    },
    filter,
    matching: (filter ?? (Object.keys(outcomes) as DocumentOutcome[])).reduce(
      (sum, o) => sum + outcomes[o].files,
      0,
    ),
    limit,
    documents: records.map((r) => ({
      id: r.documentId,
      path: r.path,
      outcome: r.outcome,
      size: r.size,
      sha256: r.sha256,
      attempts: r.attempts,
      error: r.error,
    })),
  };
}
