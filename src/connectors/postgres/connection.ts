// One PostgreSQL session opened from a ConnectionUrl, with the settings canonical text relies on,
// and the translation of driver errors into Ferry's catalogue.

import pg from 'pg';
import { FerryError } from '../../domain/errors.ts';
import { redactSecrets } from '../connection-url.ts';
import type { ConnectionUrl } from '../types.ts';
import { quoteIdentifier } from './dialect.ts';

/**
 * Settings every session runs with: timestamps print in UTC ('+00', turned into 'Z'), dates as ISO,
 * intervals in PostgreSQL's default style, floats in shortest round-trip form.
 */
const SESSION_OPTIONS = [
  '-c TimeZone=UTC',
  '-c DateStyle=ISO',
  '-c IntervalStyle=postgres',
  '-c extra_float_digits=1',
  '-c client_encoding=UTF8',
].join(' ');

export interface PgSession {
  readonly client: pg.Client;
  readonly url: ConnectionUrl;
  /** The schema tables live in (`?schema=`, default `public`). */
  readonly schema: string;
  /** The server process of this session, for cancelling a running COPY. */
  readonly backendPid: number;
  /**
   * `server_version_num`. From 12 on, `float8out`/`float4out` print the shortest round-trip digits
   * (Ryu), which is canonical float text, so float columns are checksummed in SQL.
   */
  readonly serverVersion: number;
  /** Set when the driver reported the connection broken outside a query. */
  brokenBy: Error | null;
}

export type Role = 'source' | 'target';

interface DriverError {
  code?: string;
  errno?: number;
  message?: string;
}

function driverFields(error: unknown): DriverError {
  return typeof error === 'object' && error !== null ? (error as DriverError) : {};
}

const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ECONNRESET',
]);

/** Translate an error raised while connecting. */
export function connectError(error: unknown, url: ConnectionUrl, role: Role): FerryError {
  const { code, message = String(error) } = driverFields(error);
  const safe = redactSecrets(message, [url.password]);
  const details: Record<string, unknown> = { url: url.redacted };
  if (code !== undefined) details[/^[0-9A-Z]{5}$/.test(code) ? 'sqlstate' : 'errno'] = code;
  if (
    (code !== undefined && unreachableCodes.has(code)) ||
    /timeout expired|Connection terminated/i.test(message)
  ) {
    return new FerryError(
      'FERRY_HOST_UNREACHABLE',
      `cannot reach PostgreSQL at ${url.host ?? 'localhost'}:${url.port ?? 5432} for ${url.redacted}: ${safe}`,
      { cause: error, details },
    );
  }
  if (code === '28P01' || code === '28000' || /password must be a string|SASL/i.test(message)) {
    return new FerryError(
      'FERRY_AUTH_FAILED',
      `PostgreSQL refused the login of user "${url.user ?? ''}" for ${url.redacted}: ${safe}`,
      { cause: error, details },
    );
  }
  if (code === '3D000') {
    return new FerryError(
      'FERRY_DATABASE_NOT_FOUND',
      `PostgreSQL database "${url.database ?? ''}" does not exist (${url.redacted})`,
      { cause: error, details },
    );
  }
  return new FerryError(
    role === 'source' ? 'FERRY_SOURCE_ERROR' : 'FERRY_TARGET_ERROR',
    `cannot open a PostgreSQL session for ${url.redacted}: ${safe}`,
    { cause: error, details },
  );
}

/** Translate an error raised by a statement on an open session. */
export function queryError(error: unknown, session: PgSession, role: Role, doing: string): FerryError {
  if (error instanceof FerryError) return error;
  const { code, message = String(error) } = driverFields(error);
  const details: Record<string, unknown> = { url: session.url.redacted };
  if (code !== undefined) details.sqlstate = code;
  return new FerryError(
    role === 'source' ? 'FERRY_SOURCE_ERROR' : 'FERRY_TARGET_ERROR',
    `PostgreSQL failed while ${doing} (${session.url.redacted}): ${redactSecrets(message, [session.url.password])}`,
    { cause: error, details },
  );
}

export function sqlState(error: unknown): string | undefined {
  return driverFields(error).code;
}

function clientConfig(url: ConnectionUrl): pg.ClientConfig {
  return {
    host: url.host ?? 'localhost',
    port: url.port ?? 5432,
    user: url.user ?? undefined,
    password: url.password ?? undefined,
    database: url.database ?? undefined,
    options: SESSION_OPTIONS,
    connectionTimeoutMillis: Number(url.params.connect_timeout ?? 10) * 1000,
    application_name: 'ferry',
  };
}

export async function openSession(url: ConnectionUrl, role: Role): Promise<PgSession> {
  const client = new pg.Client(clientConfig(url));
  const schema = url.schema ?? 'public';
  let broken: Error | null = null;
  // Without a listener a dropped connection would crash the process; the next query reports it.
  client.on('error', (error) => {
    broken = error;
  });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw connectError(error, url, role);
  }
  try {
    const { rows } = await client.query<{ pid: number; version: string }>(
      `SELECT pg_backend_pid() AS pid, current_setting('server_version_num') AS version, ` +
        `set_config('search_path', $1, false)`,
      [quoteIdentifier(schema)],
    );
    const session: PgSession = {
      client,
      url,
      schema,
      backendPid: rows[0]!.pid,
      serverVersion: Number(rows[0]!.version),
      brokenBy: broken,
    };
    client.on('error', (error) => {
      session.brokenBy = error;
    });
    return session;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw connectError(error, url, role);
  }
}

/** Ask the server to cancel whatever `session` is running (used to stop a COPY TO early). */
export async function cancelRunningStatement(session: PgSession): Promise<void> {
  const canceller = new pg.Client(clientConfig(session.url));
  canceller.on('error', () => undefined);
  try {
    await canceller.connect();
    await canceller.query('SELECT pg_cancel_backend($1)', [session.backendPid]);
  } finally {
    await canceller.end().catch(() => undefined);
  }
}

export async function closeSession(session: PgSession): Promise<void> {
  await session.client.end().catch(() => undefined);
}

/** Cancel the running COPY on the server and drain what is still on its way. */
export async function stopCopy(session: PgSession, chunks: AsyncIterator<Buffer>): Promise<void> {
  const cancelled = cancelRunningStatement(session).catch(() => undefined);
  try {
    while ((await chunks.next()).done !== true) {
      // discard
    }
  } catch {
    // 57014 query_canceled is the expected end.
  }
  await cancelled;
}
