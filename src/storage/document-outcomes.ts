// Where upload sessions and each document's outcome are recorded: a narrow port the uploader uses,
// and its implementation over the control-plane store (Kysely: the same code on SQLite and
// PostgreSQL). Outcomes are written in batches, each batch one transaction.

import type { Kysely, Selectable } from 'kysely';
import type { StoreDatabase } from '../store/database.ts';

/** What happened to one referenced document in a session. */
export type DocumentOutcome = 'uploaded' | 'unchanged' | 'missing' | 'failed';
export const documentOutcomes: readonly DocumentOutcome[] = ['uploaded', 'unchanged', 'missing', 'failed'];

/**
 * `initial`: the first upload of the archive. `missing-files`: documents missing or failed in the
 * previous session and now present, plus changed ones. `overwrite-test`: new or changed documents.
 */
export type UploadMode = 'initial' | 'missing-files' | 'overwrite-test';
export const uploadModes: readonly UploadMode[] = ['initial', 'missing-files', 'overwrite-test'];

export type UploadSessionStatus = 'running' | 'finished' | 'failed' | 'cancelled';

export interface UploadSessionRecord {
  id: string;
  mode: UploadMode;
  archiveRoot: string;
  /** The blob store's printable location (never credentials). */
  storeLocation: string;
  previousSessionId: string | null;
  status: UploadSessionStatus;
  startedAt: string;
  finishedAt: string | null;
}

export interface DocumentOutcomeRecord {
  /** The document's id in the application database, as text (64-bit safe). */
  documentId: string;
  /** Path relative to the archive root, '/'-separated; also the blob key. */
  path: string;
  outcome: DocumentOutcome;
  /** Size of the archive file in bytes (null when missing). */
  size: number | null;
  /** Hex sha256 of the archive file (null when missing or never hashed). */
  sha256: string | null;
  /** The file's mtime when it was hashed: a later run trusts `sha256` while size and mtime match. */
  mtimeMs: number | null;
  attempts: number;
  /** For `failed`: what went wrong (never a secret). */
  error: string | null;
}

export interface DocumentOutcomeStore {
  getSession(id: string): Promise<UploadSessionRecord | null>;
  createSession(session: Omit<UploadSessionRecord, 'startedAt' | 'finishedAt' | 'status'>): Promise<void>;
  setSessionStatus(id: string, status: UploadSessionStatus): Promise<void>;
  /** Every recorded outcome of a session, by document id. */
  outcomes(sessionId: string): Promise<Map<string, DocumentOutcomeRecord>>;
  /** Insert or replace outcomes, atomically. */
  record(sessionId: string, outcomes: readonly DocumentOutcomeRecord[]): Promise<void>;
}

const now = () => new Date().toISOString();
const ROWS_PER_STATEMENT = 500;

/** A `document_outcomes` row as the record the uploader and the reports read. */
export function outcomeRecordOf(row: Selectable<StoreDatabase['document_outcomes']>): DocumentOutcomeRecord {
  return {
    documentId: row.document_id,
    path: row.path,
    outcome: row.outcome as DocumentOutcome,
    size: row.size === null ? null : Number(row.size),
    sha256: row.sha256,
    mtimeMs: row.mtime_ms === null ? null : Number(row.mtime_ms),
    attempts: Number(row.attempts),
    error: row.error,
  };
}

export class DocumentOutcomeRepository implements DocumentOutcomeStore {
  constructor(private readonly db: Kysely<StoreDatabase>) {}

  async getSession(id: string): Promise<UploadSessionRecord | null> {
    const row = await this.db
      .selectFrom('document_sessions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (row === undefined) return null;
    return {
      id: row.id,
      mode: row.mode as UploadMode,
      archiveRoot: row.archive_root,
      storeLocation: row.store_location,
      previousSessionId: row.previous_session_id,
      status: row.status as UploadSessionStatus,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
    };
  }

  async createSession(
    session: Omit<UploadSessionRecord, 'startedAt' | 'finishedAt' | 'status'>,
  ): Promise<void> {
    await this.db
      .insertInto('document_sessions')
      .values({
        id: session.id,
        mode: session.mode,
        archive_root: session.archiveRoot,
        store_location: session.storeLocation,
        previous_session_id: session.previousSessionId,
        status: 'running',
        started_at: now(),
        finished_at: null,
      })
      .execute();
  }

  async setSessionStatus(id: string, status: UploadSessionStatus): Promise<void> {
    await this.db
      .updateTable('document_sessions')
      .set({ status, finished_at: status === 'running' ? null : now() })
      .where('id', '=', id)
      .execute();
  }

  async outcomes(sessionId: string): Promise<Map<string, DocumentOutcomeRecord>> {
    const rows = await this.db
      .selectFrom('document_outcomes')
      .selectAll()
      .where('session_id', '=', sessionId)
      .execute();
    const out = new Map<string, DocumentOutcomeRecord>();
    for (const row of rows) out.set(row.document_id, outcomeRecordOf(row));
    return out;
  }

  async record(sessionId: string, outcomes: readonly DocumentOutcomeRecord[]): Promise<void> {
    if (outcomes.length === 0) return;
    const updatedAt = now();
    await this.db.transaction().execute(async (tx) => {
      for (let i = 0; i < outcomes.length; i += ROWS_PER_STATEMENT) {
        const rows = outcomes.slice(i, i + ROWS_PER_STATEMENT).map((o) => ({
          session_id: sessionId,
          document_id: o.documentId,
          path: o.path,
          outcome: o.outcome,
          size: o.size,
          sha256: o.sha256,
          mtime_ms: o.mtimeMs,
          attempts: o.attempts,
          error: o.error,
          updated_at: updatedAt,
        }));
        await tx
          .insertInto('document_outcomes')
          .values(rows)
          .onConflict((oc) =>
            oc.columns(['session_id', 'document_id']).doUpdateSet((eb) => ({
              path: eb.ref('excluded.path'),
              outcome: eb.ref('excluded.outcome'),
              size: eb.ref('excluded.size'),
              sha256: eb.ref('excluded.sha256'),
              mtime_ms: eb.ref('excluded.mtime_ms'),
              attempts: eb.ref('excluded.attempts'),
              error: eb.ref('excluded.error'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
    });
  }
}
