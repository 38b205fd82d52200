// `initInstallation` on every dialect: every table with the expected row counts, every planted
// problem present and countable with SQL, the archive and installation.yaml consistent.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { isFerryError } from '../../../src/domain/errors.ts';
import type { InitInstallationSummary } from '../../../src/profiles/crm/init-installation.ts';
import { initInstallation } from '../../../src/profiles/crm/init-installation.ts';
import { generateRows } from '../../../src/profiles/crm/generate-rows.ts';
import {
  invalidCharacterColumns,
  invalidCharacterPattern,
  resolveProblems,
} from '../../../src/profiles/crm/planted-problems.ts';
import { crmRowCounts, crmTableNames } from '../../../src/profiles/crm/schema.ts';
import { readInstallation } from '../../../src/services/installation-file.ts';
import type { ServerKind, TestDatabase } from '../../support/servers.ts';
import { freshDatabase, skipUnless, tempDir } from '../../support/servers.ts';

type Kind = 'sqlite' | ServerKind;

interface Sql {
  rows(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

async function connect(kind: Kind, url: string): Promise<Sql> {
  if (kind === 'sqlite') {
    const db = new Database(url.replace(/^sqlite:/, ''), { readonly: true });
    db.defaultSafeIntegers(true);
    return {
      rows: async (sql) => db.prepare(sql).all() as Record<string, unknown>[],
      close: async () => void db.close(),
    };
  }
  if (kind === 'mysql') {
    const conn = await mysql.createConnection({ uri: url, supportBigNumbers: true, bigNumberStrings: true });
    return {
      rows: async (sql) => (await conn.query(sql))[0] as Record<string, unknown>[],
      close: () => conn.end(),
    };
  }
  const client = new pg.Client({ connectionString: url.replace(/\?.*$/, '') });
  await client.connect();
  await client.query('SET search_path TO crm');
  return {
    rows: async (sql) => (await client.query(sql)).rows as Record<string, unknown>[],
    close: () => client.end(),
  };
}

const count = async (sql: Sql, query: string): Promise<number> =>
  Number(Object.values((await sql.rows(query))[0] ?? {})[0]);

/** The SQL each planted problem's check would run, with the count it must find in `small`. */
const problemQueries: Record<string, string> = {
  'duplicate-user-emails':
    'SELECT COUNT(*) AS n FROM user_emails e JOIN users u ON u.id = e.user_id WHERE e.is_primary AND u.plan IS NOT NULL ' +
    'AND e.email IN (SELECT email FROM user_emails WHERE is_primary GROUP BY email HAVING COUNT(*) > 1)',
  'licensed-user-without-valid-email':
    'SELECT COUNT(*) AS n FROM users u WHERE u.plan IS NOT NULL AND NOT EXISTS ' +
    "(SELECT 1 FROM user_emails e WHERE e.user_id = u.id AND e.email LIKE '%_@_%._%')",
  'users-on-travel': 'SELECT COUNT(*) AS n FROM users WHERE on_travel',
  'active-satellite': 'SELECT COUNT(*) AS n FROM satellites WHERE is_active',
  'sentry-addon-preferences':
    "SELECT COUNT(*) AS n FROM user_preferences WHERE pref_key = 'SentryAddonNames'",
  'missing-companion-records':
    'SELECT COUNT(*) AS n FROM companies c WHERE NOT EXISTS (SELECT 1 FROM company_extensions x WHERE x.company_id = c.id)',
};

const kinds: Kind[] = ['sqlite', 'mysql', 'postgres'];

for (const kind of kinds) {
  void describe(`demo init on ${kind}`, { skip: kind === 'sqlite' ? false : await skipUnless(kind) }, () => {
    const dir = tempDir(`crm-init-${kind}`);
    let database: TestDatabase | undefined;
    let summary: InitInstallationSummary;
    let sql: Sql;
    let url: string;

    before(async () => {
      if (kind !== 'sqlite') database = await freshDatabase(kind, 'crm_init');
      url =
        database === undefined
          ? `sqlite:${join(dir.path, 'crm.db')}`
          : `${database.url}${kind === 'postgres' ? '?schema=crm' : ''}`;
      const events: string[] = [];
      summary = await initInstallation({
        dir: dir.path,
        seed: 11,
        db: kind === 'sqlite' ? undefined : url,
        onProgress: (e) => events.push(`${e.phase}:${e.table ?? ''}`),
      });
      assert.ok(events.includes('rows:appointments') && events.at(-1) === 'done:');
      sql = await connect(kind, url);
    });

    after(async () => {
      await sql?.close();
      await database?.drop();
      dir.remove();
    });

    void it('creates every table with the expected row counts', async () => {
      assert.deepEqual(
        summary.tables.map((t) => t.name),
        crmTableNames,
      );
      for (const table of summary.tables) {
        // user_emails and company_extensions are derived from users and companies.
        if (table.name !== 'user_emails' && table.name !== 'company_extensions')
          assert.equal(table.rows, crmRowCounts.small[table.name], table.name);
        if (table.name === 'company_extensions') {
          const missing = summary.problems.find((p) => p.id === 'missing-companion-records')?.count;
          assert.equal(table.rows, (crmRowCounts.small.companies ?? 0) - (missing ?? -1), table.name);
        }
        assert.equal(await count(sql, `SELECT COUNT(*) AS n FROM ${table.name}`), table.rows, table.name);
      }
      assert.ok(summary.totalRows > 4_500 && summary.totalRows < 5_500);
    });

    void it('plants every problem, countable with SQL', async () => {
      const expected = Object.fromEntries(summary.problems.map((p) => [p.id, p.count]));
      for (const [id, query] of Object.entries(problemQueries))
        assert.equal(await count(sql, query), expected[id], id);

      let invalid = 0;
      for (const { table, column } of invalidCharacterColumns) {
        for (const row of await sql.rows(`SELECT ${column} AS v FROM ${table}`)) {
          if (invalidCharacterPattern.test(String(row.v))) invalid++;
        }
      }
      assert.equal(invalid, expected['invalid-characters']);

      const documents = await sql.rows('SELECT file_path, sha256 FROM documents');
      const missing = documents.filter((d) => !existsSync(join(summary.archive.root, String(d.file_path))));
      assert.equal(missing.length, expected['documents-missing-from-archive']);
      assert.equal(summary.archive.files, documents.length - missing.length);

      const versions = await sql.rows('SELECT version FROM app_version');
      assert.deepEqual(
        versions.map((v) => v.version),
        ['6.4'],
      );
    });

    void it('writes archive files whose size and sha256 match the documents rows', async () => {
      const documents = await sql.rows('SELECT file_path, size_bytes, sha256 FROM documents WHERE id <= 50');
      let checked = 0;
      for (const d of documents) {
        const path = join(summary.archive.root, String(d.file_path));
        if (!existsSync(path)) continue;
        const bytes = readFileSync(path);
        assert.equal(bytes.length, Number(d.size_bytes));
        assert.equal(createHash('sha256').update(bytes).digest('hex'), d.sha256);
        checked++;
      }
      assert.ok(checked > 40);
    });

    void it('keeps exact values: 64-bit integers, decimals, non-ASCII text', async () => {
      const ctx = { seed: 11, size: 'small' as const, problems: resolveProblems(true) };
      const expected = [...generateRows('companies', ctx)].find(
        (r) => typeof r[10] === 'bigint' && r[10] > 2n ** 53n,
      );
      assert.ok(expected !== undefined);
      const rows = await sql.rows(
        `SELECT external_ref, revenue FROM companies WHERE id = ${String(expected[0])}`,
      );
      assert.equal(String(rows[0]?.external_ref), String(expected[10]));
      assert.equal(Number(rows[0]?.revenue), Number(expected[6]));
      const big = await count(
        sql,
        'SELECT COUNT(*) AS n FROM companies WHERE external_ref > 9007199254740993',
      );
      assert.ok(big > 50, `values above 2^53: ${big}`);
      const nonAscii = await sql.rows(
        "SELECT COUNT(*) AS n FROM companies WHERE city IN ('Ærøskøbing', 'Zürich', '東京')",
      );
      assert.ok(Number(nonAscii[0]?.n) > 10);
    });

    void it('writes installation.yaml and the service config', async () => {
      const installation = await readInstallation(summary.installationFile);
      assert.equal(installation.profile, 'crm');
      assert.equal(installation.database, url);
      assert.equal(installation.archive, summary.archive.root);
      assert.deepEqual(installation.generated, { size: 'small', seed: 11 });
      assert.match(readFileSync(installation.serviceConfig, 'utf8'), /^Frozen = false$/m);
    });

    void it('refuses a database that already holds CRM tables unless replace is set', async () => {
      await assert.rejects(
        initInstallation({ dir: dir.path, seed: 11, db: kind === 'sqlite' ? undefined : url }),
        (e: unknown) => isFerryError(e, 'FERRY_TARGET_NOT_EMPTY'),
      );
    });
  });
}

void describe('demo init options', () => {
  const dir = tempDir('crm-init-options');
  after(() => dir.remove());

  void it('generates a clean installation with problems: false, identical data for the same seed', async () => {
    const a = await initInstallation({ dir: join(dir.path, 'a'), seed: 5, problems: false });
    const b = await initInstallation({ dir: join(dir.path, 'b'), seed: 5, problems: false });
    assert.deepEqual(a.problems, []);
    assert.equal(a.archive.missing, 0);
    const dump = (path: string) => {
      const db = new Database(path, { readonly: true });
      try {
        const hash = createHash('sha256');
        for (const table of crmTableNames) {
          for (const row of db.prepare(`SELECT * FROM "${table}"`).raw().iterate())
            hash.update(JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
        }
        return hash.digest('hex');
      } finally {
        db.close();
      }
    };
    assert.equal(dump(join(a.dir, 'crm.db')), dump(join(b.dir, 'crm.db')));
    const db = new Database(join(a.dir, 'crm.db'), { readonly: true });
    const one = (q: string) => Object.values(db.prepare(q).get() as object)[0];
    assert.equal(one('SELECT version FROM app_version'), '10.3');
    assert.equal(one('SELECT COUNT(*) FROM users WHERE on_travel'), 0);
    assert.equal(one('SELECT COUNT(*) FROM satellites WHERE is_active'), 0);
    db.close();
  });

  void it('switches the old version off on its own', async () => {
    const summary = await initInstallation({ dir: join(dir.path, 'c'), problems: { 'old-version': false } });
    assert.ok(!summary.problems.some((p) => p.id === 'old-version'));
    assert.ok(summary.problems.some((p) => p.id === 'users-on-travel'));
  });

  void it('names an unreachable database without its password', async () => {
    await assert.rejects(
      initInstallation({ dir: join(dir.path, 'e'), db: 'postgres://crm:s3cr3t-pw@127.0.0.1:1/crm' }),
      (e: unknown) =>
        isFerryError(e, 'FERRY_HOST_UNREACHABLE') &&
        !e.message.includes('s3cr3t-pw') &&
        e.message.includes('***'),
    );
  });

  void it('rejects an unknown size with FERRY_INVALID_ARGUMENT', async () => {
    await assert.rejects(
      initInstallation({ dir: join(dir.path, 'd'), size: 'huge' as 'small' }),
      (e: unknown) => isFerryError(e, 'FERRY_INVALID_ARGUMENT'),
    );
  });
});
