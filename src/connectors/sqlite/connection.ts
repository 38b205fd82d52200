// Opening one SQLite database file from a ConnectionUrl, and translating driver errors.
//
// A source is opened read-only and must exist; its journal mode is left alone (a test run never
// touches the source). A target file is created when missing (its folder must exist) and switched
// to WAL, with foreign keys off during loads. Both wait up to BUSY_TIMEOUT_MS for a lock.
// `?max_page_count=N` caps a target file at N pages (PRAGMA max_page_count), e.g. to bound a
// tenant's size; writes past it fail with FERRY_DISK_FULL.

import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { FerryError } from '../../domain/errors.ts';
import type { ConnectionUrl } from '../types.ts';

export type SqliteDatabase = Database.Database;

/** How long a statement waits for another connection's lock before failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 10_000;

/** The driver's error code (`SQLITE_FULL`, …), when there is one. */
export function sqliteCode(error: unknown): string | undefined {
  if (error instanceof Database.SqliteError) return error.code;
  return undefined;
}

export function openDatabase(url: ConnectionUrl, role: 'source' | 'target'): SqliteDatabase {
  const path = url.path;
  if (path === null) throw new FerryError('FERRY_URL_INVALID', `${url.redacted} names no SQLite file`);
  let db: SqliteDatabase;
  try {
    db =
      role === 'source'
        ? new Database(path, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS })
        : new Database(path, { timeout: BUSY_TIMEOUT_MS });
  } catch (cause) {
    throw openError(url, path, role, cause);
  }
  try {
    // Reading the schema fails here, not later, when the file is not a database.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (role === 'target') {
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = OFF');
      const maxPages = url.params.max_page_count;
      if (maxPages !== undefined) {
        if (!/^[1-9]\d*$/.test(maxPages)) {
          throw new FerryError(
            'FERRY_URL_INVALID',
            `${url.redacted}: max_page_count must be a positive integer, got "${maxPages}"`,
          );
        }
        db.pragma(`max_page_count = ${maxPages}`);
      }
    }
  } catch (cause) {
    db.close();
    if (cause instanceof FerryError) throw cause;
    const code = sqliteCode(cause);
    if (code === 'SQLITE_NOTADB') {
      throw notFound(
        url,
        `${url.redacted}: the file is not a SQLite database`,
        cause,
        'Check the path in the URL.',
      );
    }
    throw new FerryError(
      role === 'source' ? 'FERRY_SOURCE_ERROR' : 'FERRY_TARGET_ERROR',
      `${url.redacted}: cannot use the SQLite file (${(cause as Error).message})`,
      { cause, details: { code } },
    );
  }
  return db;
}

function notFound(url: ConnectionUrl, message: string, cause: unknown, hint: string): FerryError {
  return new FerryError('FERRY_DATABASE_NOT_FOUND', message, {
    cause,
    hint,
    details: { code: sqliteCode(cause), path: url.path },
  });
}

function openError(url: ConnectionUrl, path: string, role: 'source' | 'target', cause: unknown): FerryError {
  if (role === 'source' && !existsSync(path)) {
    return notFound(
      url,
      `${url.redacted}: the SQLite file does not exist`,
      cause,
      'Correct the path in the URL.',
    );
  }
  if (role === 'target' && !existsSync(dirname(path))) {
    return notFound(
      url,
      `${url.redacted}: the folder ${dirname(path)} does not exist, so the SQLite file cannot be created`,
      cause,
      `Create the folder ${dirname(path)} first, or correct the path in the URL.`,
    );
  }
  return new FerryError(
    role === 'source' ? 'FERRY_SOURCE_ERROR' : 'FERRY_TARGET_ERROR',
    `${url.redacted}: cannot open the SQLite file (${(cause as Error).message})`,
    { cause, details: { code: sqliteCode(cause) } },
  );
}
