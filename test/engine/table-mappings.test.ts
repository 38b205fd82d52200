// Table mappings on the data path: a MariaDB and a SQLite source, each migrated into PostgreSQL
// and SQLite with a renamed table, an excluded column, columns moved into a table of their own
// and an excluded table. The target's tables and rows are checked exactly; verification passes,
// and a row tampered with on the target fails verification of that target table only.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { openSource } from '../../src/connectors/registry.ts';
import type { Row } from '../../src/connectors/types.ts';
import { isFerryError } from '../../src/domain/errors.ts';
import { parseTableMappings } from '../../src/domain/table-mappings.ts';
import { defaultRunOptions, planCopy, startCopyRun } from '../../src/services/copy-runs.ts';
import { verifyDatabases } from '../../src/services/verify-databases.ts';
import { openStore } from '../../src/store/open-store.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';

const mappings = parseTableMappings({
  excludeTables: ['audit_log'],
  tables: {
    companies: { rename: 'organisations' },
    persons: {
      excludeColumns: ['phone'],
      moveColumns: [{ into: 'person_details', columns: ['score', 'notes'] }],
    },
  },
});

const ddl = [
  'CREATE TABLE companies (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(100) NOT NULL, city VARCHAR(100))',
  'CREATE TABLE persons (id INTEGER NOT NULL PRIMARY KEY, company_id INTEGER, first_name VARCHAR(100) NOT NULL, ' +
    'phone VARCHAR(40), score DECIMAL(10,2), notes TEXT, FOREIGN KEY (company_id) REFERENCES companies (id))',
  'CREATE INDEX persons_company ON persons (company_id)',
  'CREATE INDEX persons_score ON persons (score)',
  'CREATE TABLE audit_log (id INTEGER NOT NULL PRIMARY KEY, action VARCHAR(40))',
  "INSERT INTO companies VALUES (1, 'Acme', 'Berlin'), (2, 'Globex', NULL)",
  "INSERT INTO persons VALUES (1, 1, 'Ada', '+49 30 1', 12.50, 'first'), (2, 1, 'Bob', NULL, NULL, NULL), " +
    "(3, 2, 'Cleo', '555', 7.25, 'third')",
  "INSERT INTO audit_log VALUES (1, 'login')",
];

/** What the target must hold, in key order, per table (canonical cells). */
const expected: Record<string, { columns: string[]; rows: Row[] }> = {
  organisations: {
    columns: ['id', 'name', 'city'],
    rows: [
      ['1', 'Acme', 'Berlin'],
      ['2', 'Globex', null],
    ],
  },
  persons: {
    columns: ['id', 'company_id', 'first_name'],
    rows: [
      ['1', '1', 'Ada'],
      ['2', '1', 'Bob'],
      ['3', '2', 'Cleo'],
    ],
  },
  person_details: {
    columns: ['id', 'score', 'notes'],
    rows: [
      ['1', '12.50', 'first'],
      ['2', null, null],
      ['3', '7.25', 'third'],
    ],
  },
};

async function targetContents(url: string): Promise<Record<string, { columns: string[]; rows: Row[] }>> {
  const target = await openSource(url);
  try {
    const out: Record<string, { columns: string[]; rows: Row[] }> = {};
    for (const table of await target.listTables()) {
      const columns = table.columns.map((c) => c.name);
      const rows: Row[] = [];
      const batches = target.read(
        table,
        columns,
        { key: ['id'], lower: null, upper: null },
        { batchRows: 100, batchBytes: 1 << 20 },
        { invalidUtf8: 0, zeroDates: 0 },
      );
      for await (const batch of batches) rows.push(...batch.rows);
      out[table.name] = { columns, rows };
    }
    return out;
  } finally {
    await target.close();
  }
}

async function tamper(targetUrl: string, pgSchema: string | null): Promise<void> {
  if (pgSchema === null) {
    const db = new Database(targetUrl.replace(/^sqlite:/, ''));
    db.prepare(`UPDATE person_details SET notes = 'edited' WHERE id = 3`).run();
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: targetUrl.replace(/\?.*$/, '') });
  await client.connect();
  try {
    await client.query(`UPDATE "${pgSchema}".person_details SET notes = 'edited' WHERE id = 3`);
  } finally {
    await client.end();
  }
}

interface TargetCase {
  name: string;
  skip: string | false;
  url(): string;
  pgSchema: string | null;
}

function migrateWithMappings(sourceUrl: () => string, targets: TargetCase[], home: () => string): void {
  for (const t of targets) {
    describe(`into ${t.name}`, { skip: t.skip }, () => {
      it('writes the renamed, split and narrowed tables, leaves the excluded table out', async () => {
        const store = await openStore(home());
        try {
          const outcome = await startCopyRun({
            from: sourceUrl(),
            to: t.url(),
            options: { ...defaultRunOptions, chunkRows: 2, replace: true, mappings },
            store,
            onEvent: () => undefined,
            signal: new AbortController().signal,
          });
          // MariaDB decimals in SQLite carry a type-mapping warning; nothing fails.
          assert.ok(
            outcome.tables.every((r) => r.status === 'migrated' || r.status === 'warning'),
            JSON.stringify(outcome.tables, null, 1),
          );
          assert.deepEqual(outcome.tables.map((r) => r.table).sort(), [
            'organisations',
            'person_details',
            'persons',
          ]);
          const details = outcome.tables.find((r) => r.table === 'person_details')!;
          assert.equal(details.rowsWritten, 3);
          assert.ok(
            details.messages.some((m) => m.level === 'info' && /source table "persons"/.test(m.text)),
            JSON.stringify(details.messages),
          );
          // Chunks are recorded per target table: the split table has its own.
          const chunks = await store.listChunks(outcome.runId);
          assert.ok(chunks.some((c) => c.table === 'person_details' && c.status === 'verified'));
          assert.ok(chunks.every((c) => c.table !== 'companies' && c.table !== 'audit_log'));
        } finally {
          await store.close();
        }
        assert.deepEqual(await targetContents(t.url()), expected);
      });

      it('moves indexes with their columns and points foreign keys to the new names', async () => {
        const target = await openSource(t.url());
        try {
          const tables = await target.listTables();
          // The index over a moved column moved with it; the one over company_id stayed.
          const indexed = (name: string) =>
            tables
              .find((x) => x.name === name)!
              // (SQLite tenants carry the primary key as a unique index too.)
              .indexes.filter((i) => !i.unique)
              .map((i) => i.columns.join(','));
          assert.deepEqual(indexed('person_details'), ['score']);
          assert.deepEqual(indexed('persons'), ['company_id']);
          // SQLite tenants get no foreign keys (sqlite/dialect.ts); PostgreSQL ones do.
          if (t.pgSchema === null) return;
          const fks = (name: string) =>
            tables.find((x) => x.name === name)!.foreignKeys.map((fk) => [fk.columns, fk.referencedTable]);
          assert.deepEqual(fks('persons'), [[['company_id'], 'organisations']]);
          assert.deepEqual(fks('person_details'), [[['id'], 'persons']]);
        } finally {
          await target.close();
        }
      });

      it('verifies, and a tampered target row fails the right target table', async () => {
        const verify = () =>
          verifyDatabases({ from: sourceUrl(), to: t.url(), mappings, parallel: 2, chunkRows: 2 });
        const clean = await verify();
        assert.deepEqual(
          clean.map((r) => [r.table, r.status]),
          [
            ['organisations', 'migrated'],
            ['person_details', 'migrated'],
            ['persons', 'migrated'],
          ],
        );
        await tamper(t.url(), t.pgSchema);
        const tampered = await verify();
        assert.deepEqual(
          tampered.map((r) => [r.table, r.status]),
          [
            ['organisations', 'migrated'],
            ['person_details', 'failed'],
            ['persons', 'migrated'],
          ],
        );
        const failed = tampered.find((r) => r.table === 'person_details')!;
        assert.ok(failed.messages.some((m) => m.code === 'FERRY_VERIFY_MISMATCH' && /id > 2/.test(m.text)));
      });
    });
  }
}

const pgSkip = await skipUnless('postgres');
const mysqlSkip = await skipUnless('mysql');

describe('table mappings in a run', () => {
  const dir = tempDir('table-mappings-engine');
  let pgTarget: TestDatabase | null = null;
  before(async () => {
    if (!pgSkip) pgTarget = await freshDatabase('postgres', 'mappings_target');
  });
  after(async () => {
    await pgTarget?.drop();
    dir.remove();
  });
  const targets = (prefix: string): TargetCase[] => [
    {
      name: 'PostgreSQL',
      skip: pgSkip,
      url: () => `${pgTarget!.url}?schema=${prefix}_tenant`,
      pgSchema: `${prefix}_tenant`,
    },
    { name: 'SQLite', skip: false, url: () => `sqlite:${dir.path}/${prefix}-tenant.db`, pgSchema: null },
  ];

  describe('from MariaDB', { skip: mysqlSkip }, () => {
    let source: TestDatabase | null = null;
    before(async () => {
      source = await freshDatabase('mysql', 'mappings_source');
      const conn = await mysql.createConnection({ uri: source.url });
      try {
        for (const statement of ddl) await conn.query(statement);
      } finally {
        await conn.end();
      }
    });
    after(async () => source?.drop());
    migrateWithMappings(
      () => source!.url,
      targets('maria'),
      () => `${dir.path}/home-maria`,
    );
  });

  describe('from SQLite', () => {
    before(() => {
      const db = new Database(`${dir.path}/source.db`);
      for (const statement of ddl) db.exec(statement);
      db.close();
    });
    migrateWithMappings(
      () => `sqlite:${dir.path}/source.db`,
      targets('lite'),
      () => `${dir.path}/home-lite`,
    );

    it('refuses mappings that do not fit the source before touching the target', async () => {
      await assert.rejects(
        planCopy(`sqlite:${dir.path}/source.db`, `sqlite:${dir.path}/never.db`, {
          mappings: parseTableMappings({ tables: { persons: { excludeColumns: ['fax'] } } }),
        }),
        (error: unknown) =>
          isFerryError(error, 'FERRY_TABLE_MAPPING_INVALID') &&
          /table "persons" has no column "fax"/.test(error.message),
      );
    });
  });
});
