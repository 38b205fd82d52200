// One MySQL / MariaDB session opened from a ConnectionUrl, with driver errors translated to
// FerryError. The session is set up so reads are exact and deterministic:
//   time_zone '+00:00'   TIMESTAMP values come out in UTC (canonical '…Z'); DATETIME has no zone
//   sql_mode fixed       no ANSI_QUOTES / NO_BACKSLASH_ESCAPES / PAD_CHAR_TO_FULL_LENGTH surprises
//   utf8mb4 results      every character column arrives as UTF-8, whatever its own charset
//   net_write_timeout    a paused stream (slow consumer) is not cut off by the server after 60 s

import mysql from 'mysql2';
import type { Connection, ConnectionOptions, QueryError } from 'mysql2';
import { FerryError } from '../../domain/errors.ts';
import type { ErrorCode } from '../../domain/errors.ts';
import { redactSecrets } from '../connection-url.ts';
import type { ConnectionUrl } from '../types.ts';

/** Seconds the server waits on a paused client before aborting a result stream. */
const NET_TIMEOUT_SECONDS = 24 * 3600;

export interface MysqlSession {
  readonly url: ConnectionUrl;
  readonly conn: Connection;
  readonly options: ConnectionOptions;
  /** True for MariaDB (its catalog conventions differ from MySQL's). */
  readonly mariadb: boolean;
  /**
   * Run a statement; every cell as text (UTF-8) or null, never through a JS number. Errors are
   * translated; `table` names the table the statement reads (a missing one → dropped).
   */
  queryText(sql: string, values?: unknown[], table?: string): Promise<(string | null)[][]>;
  close(): Promise<void>;
}

export function sessionOptions(url: ConnectionUrl): ConnectionOptions {
  return {
    host: url.host ?? 'localhost',
    port: url.port ?? 3306,
    user: url.user ?? undefined,
    password: url.password ?? undefined,
    database: url.database ?? undefined,
    charset: 'UTF8MB4_GENERAL_CI',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    jsonStrings: true,
    rowsAsArray: true,
    connectTimeout: Number(url.params.connectTimeout ?? 10_000),
  };
}

function connect(options: ConnectionOptions): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const conn = mysql.createConnection(options);
    conn.connect((error) => {
      if (error) {
        conn.destroy();
        reject(error);
      } else {
        resolve(conn);
      }
    });
  });
}

export async function openSession(url: ConnectionUrl): Promise<MysqlSession> {
  const options = sessionOptions(url);
  let conn: Connection;
  try {
    conn = await connect(options);
  } catch (error) {
    throw translateConnectError(error, url);
  }
  // Errors after the handshake (server gone) surface on the next query; keep them off 'error'.
  conn.on('error', () => {});
  const queryText = (sql: string, values?: unknown[], table?: string): Promise<(string | null)[][]> =>
    new Promise((resolve, reject) => {
      conn.query({ sql, values, typeCast: false, rowsAsArray: true }, (error, rows) => {
        if (error) return reject(translateQueryError(error, url, table));
        if (!Array.isArray(rows)) return resolve([]);
        resolve(
          (rows as unknown as (Buffer | null)[][]).map((row) =>
            row.map((cell) => (cell === null ? null : cell.toString('utf8'))),
          ),
        );
      });
    });
  try {
    await queryText(
      `SET time_zone = '+00:00', sql_mode = 'NO_ENGINE_SUBSTITUTION', ` +
        `net_write_timeout = ${NET_TIMEOUT_SECONDS}, net_read_timeout = ${NET_TIMEOUT_SECONDS}`,
    );
  } catch (error) {
    conn.destroy();
    throw error;
  }
  const version = (await queryText('SELECT VERSION()'))[0]?.[0] ?? '';
  return {
    url,
    conn,
    options,
    mariadb: /mariadb/i.test(version),
    queryText,
    close: () =>
      new Promise<void>((resolve) => {
        conn.end(() => {
          conn.destroy();
          resolve();
        });
      }),
  };
}

function driverDetails(error: unknown): Record<string, unknown> {
  const e = error as Partial<QueryError> & { errno?: number; sqlState?: string; code?: string };
  const details: Record<string, unknown> = {};
  if (e.code !== undefined) details.code = e.code;
  if (e.errno !== undefined) details.errno = e.errno;
  if (e.sqlState !== undefined) details.sqlState = e.sqlState;
  return details;
}

function driverMessage(error: unknown, url: ConnectionUrl): string {
  const text = error instanceof Error ? error.message : String(error);
  return redactSecrets(text, [url.password]);
}

const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
]);

/** Translate a failure to open a session. */
export function translateConnectError(error: unknown, url: ConnectionUrl): FerryError {
  const e = error as { code?: string; errno?: number };
  const details = { url: url.redacted, ...driverDetails(error) };
  const why = driverMessage(error, url);
  let code: ErrorCode = 'FERRY_SOURCE_ERROR';
  let what = 'could not open a session on';
  let hint: string | undefined;
  if (e.code !== undefined && unreachableCodes.has(e.code)) {
    code = 'FERRY_HOST_UNREACHABLE';
    what = 'cannot reach the MySQL server of';
  } else if (e.errno === 1045 || e.errno === 1698 || e.code === 'AUTH_SWITCH_PLUGIN_ERROR') {
    code = 'FERRY_AUTH_FAILED';
    what = 'the MySQL server refused the user name or password of';
  } else if (e.errno === 1049) {
    code = 'FERRY_DATABASE_NOT_FOUND';
    what = `database "${url.database ?? ''}" does not exist on`;
  } else if (e.errno === 1044) {
    code = 'FERRY_DATABASE_NOT_FOUND';
    what = `the user may not use database "${url.database ?? ''}" (or it does not exist) on`;
    hint = 'Create the database, or GRANT SELECT on it to the user in the URL.';
  }
  return new FerryError(code, `${what} ${url.redacted}: ${why}`, { cause: error, details, hint });
}

/** Translate an error of a statement run on an open session. */
export function translateQueryError(error: unknown, url: ConnectionUrl, table?: string): FerryError {
  if (error instanceof FerryError) return error;
  const e = error as { code?: string; errno?: number };
  const details: Record<string, unknown> = { url: url.redacted, ...driverDetails(error) };
  if (table !== undefined) details.table = table;
  const why = driverMessage(error, url);
  if (e.errno === 1146 && table !== undefined) {
    return new FerryError(
      'FERRY_SOURCE_TABLE_DROPPED',
      `table "${table}" no longer exists in ${url.redacted}: ${why}`,
      { cause: error, details },
    );
  }
  if (e.code !== undefined && unreachableCodes.has(e.code)) {
    return new FerryError('FERRY_HOST_UNREACHABLE', `lost the connection to ${url.redacted}: ${why}`, {
      cause: error,
      details,
    });
  }
  const where = table === undefined ? '' : ` reading table "${table}"`;
  return new FerryError('FERRY_SOURCE_ERROR', `MySQL error${where} in ${url.redacted}: ${why}`, {
    cause: error,
    details,
  });
}
