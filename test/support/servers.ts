// Test servers: a preflight that says exactly which server is missing and how to start it, and a
// fresh database per test file that is dropped afterwards (kept, with its name printed, on failure).
//
// Without CI, a missing server skips the tests that need it with a loud message (printed when the
// file starts, and again in the summary of `npm test`); with CI set (`CI=true`, `CI=1`…) it fails
// them, because CI must start every server it needs (.ci/run does).

import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import mysql from 'mysql2/promise';

export const POSTGRES_ADMIN_URL =
  process.env.FERRY_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_ADMIN_URL = process.env.FERRY_TEST_MYSQL ?? 'mysql://root@127.0.0.1:3306/test';

const startHints = {
  postgres: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  mysql: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
};

export type ServerKind = keyof typeof startHints;

/** CI is set to anything but empty, `0` or `false` (CI services set `true` or `1`). */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== '0' && value !== 'false';
}

/** Records a skip for the summary `scripts/run-tests.mjs` prints after every file has run. */
function recordSkip(reason: string): void {
  const log = process.env.FERRY_TEST_SKIP_LOG;
  if (log === undefined || log === '') return;
  appendFileSync(log, `${process.argv[1] ?? 'a test file'}: ${reason}\n`);
}

const availability = new Map<ServerKind, Promise<string | null>>();

/** Null when the server answers; otherwise the reason, printed loudly once. */
function probe(kind: ServerKind): Promise<string | null> {
  let pending = availability.get(kind);
  if (pending === undefined) {
    pending = (async () => {
      try {
        if (kind === 'postgres') {
          const client = new pg.Client({
            connectionString: POSTGRES_ADMIN_URL,
            connectionTimeoutMillis: 3000,
          });
          await client.connect();
          await client.end();
        } else {
          const conn = await mysql.createConnection({ uri: MYSQL_ADMIN_URL, connectTimeout: 3000 });
          await conn.end();
        }
        return null;
      } catch (error) {
        const reason = `${kind} is not reachable (${(error as Error).message}); start it with: ${startHints[kind]}`;
        if (inCi()) throw new Error(`CI is set and ${reason}`, { cause: error });
        console.error(`\n!!! SKIPPING ${kind} TESTS: ${reason}\n`);
        recordSkip(reason);
        return reason;
      }
    })();
    availability.set(kind, pending);
  }
  return pending;
}

/** For `describe(name, { skip: await skipUnless('postgres') }, …)`. */
export async function skipUnless(...kinds: ServerKind[]): Promise<string | false> {
  for (const kind of kinds) {
    const reason = await probe(kind);
    if (reason !== null) return reason;
  }
  return false;
}

export interface TestDatabase {
  kind: ServerKind;
  name: string;
  /** URL of the fresh database (PostgreSQL: schema `public`). */
  url: string;
  /** Drop the database; call from `after`. Keeps it and prints its name when `keep` is true. */
  drop(keep?: boolean): Promise<void>;
}

function freshName(prefix: string): string {
  return `ferry_t_${prefix.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
}

export async function freshDatabase(kind: ServerKind, prefix: string): Promise<TestDatabase> {
  const name = freshName(prefix);
  if (kind === 'postgres') {
    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${name}"`);
    } finally {
      await admin.end();
    }
    const url = POSTGRES_ADMIN_URL.replace(/\/[^/?]*(\?.*)?$/, `/${name}`);
    return {
      kind,
      name,
      url,
      async drop(keep = false) {
        if (keep) return void console.error(`kept PostgreSQL database ${name} for inspection`);
        const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
        await c.connect();
        try {
          await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        } finally {
          await c.end();
        }
      },
    };
  }
  const admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await admin.end();
  }
  const url = MYSQL_ADMIN_URL.replace(/\/[^/?]*(\?.*)?$/, `/${name}`);
  return {
    kind,
    name,
    url,
    async drop(keep = false) {
      if (keep) return void console.error(`kept MariaDB database ${name} for inspection`);
      const c = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await c.end();
      }
    },
  };
}

/** A temporary directory removed by the returned function. */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `ferry-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
