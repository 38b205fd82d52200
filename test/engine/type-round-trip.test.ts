// Every row of docs/type-mapping.md: for each source dialect, a table with one column per source
// type (edge values, NULL in every type) is migrated into each target dialect; the target must read
// back exactly the source's canonical cells, and the run's own verification must pass.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { parseConnectionUrl } from '../../src/connectors/connection-url.ts';
import { openSource, openTarget } from '../../src/connectors/registry.ts';
import type { Cell, Dialect, Row } from '../../src/connectors/types.ts';
import { targetTableSchema } from '../../src/engine/plan.ts';
import { defaultRunOptions, startCopyRun } from '../../src/services/copy-runs.ts';
import { openStore } from '../../src/store/open-store.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';
import { typeFixtures } from './type-fixtures.ts';

async function readAll(
  url: string,
  asTarget: boolean,
  table: string,
  plan: Parameters<typeof targetTableSchema>[0],
): Promise<Row[]> {
  const conn = asTarget ? await openTarget(url) : await openSource(url);
  try {
    const schema = asTarget ? targetTableSchema(plan) : plan.source;
    const rows: Row[] = [];
    const warnings = { invalidUtf8: 0, zeroDates: 0 };
    for await (const batch of conn.read(
      schema,
      plan.copyColumns,
      { key: ['id'], lower: null, upper: null },
      { batchRows: 100, batchBytes: 1 << 26 },
      warnings,
    )) {
      rows.push(...batch.rows);
    }
    assert.equal(schema.name, table);
    return rows;
  } finally {
    await conn.close();
  }
}

async function createSource(dialect: Dialect, db: { url: string }, statements: string[]): Promise<void> {
  if (dialect === 'mysql') {
    const conn = await mysql.createConnection({ uri: db.url, multipleStatements: false });
    for (const s of statements) await conn.query(s);
    await conn.end();
  } else if (dialect === 'postgres') {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    for (const s of statements) await client.query(s);
    await client.end();
  } else {
    const file = parseConnectionUrl(db.url).path!;
    const sqlite = new Database(file);
    for (const s of statements) sqlite.exec(s);
    sqlite.close();
  }
}

const sources: Dialect[] = ['mysql', 'postgres', 'sqlite'];
const targets: Dialect[] = ['postgres', 'sqlite'];

for (const sourceDialect of sources) {
  const needs = [...new Set([sourceDialect, 'postgres'].filter((d) => d !== 'sqlite'))] as (
    'mysql' | 'postgres'
  )[];
  const skip = await skipUnless(...needs);
  describe(`type round trip from ${sourceDialect}`, { skip }, () => {
    const fixture = typeFixtures[sourceDialect];
    let sourceDb: TestDatabase | null = null;
    let targetDb: TestDatabase | null = null;
    const dir = tempDir(`types-${sourceDialect}`);
    let sourceUrl = '';
    let failed = false;

    before(async () => {
      if (sourceDialect === 'sqlite') sourceUrl = `sqlite:${dir.path}/source.db`;
      else {
        sourceDb = await freshDatabase(sourceDialect, `types_${sourceDialect}`);
        sourceUrl = sourceDb.url;
      }
      await createSource(sourceDialect, { url: sourceUrl }, fixture.statements);
      targetDb = await freshDatabase('postgres', `types_${sourceDialect}_dst`);
    });

    after(async () => {
      await sourceDb?.drop(failed);
      await targetDb?.drop(failed);
      dir.remove();
    });

    it('reads every type as the documented canonical cells', async () => {
      try {
        const source = await openSource(sourceUrl);
        try {
          const table = (await source.listTables()).find((t) => t.name === fixture.table)!;
          const columns = Object.keys(fixture.expected);
          const rows: Row[] = [];
          for await (const b of source.read(
            table,
            columns,
            { key: ['id'], lower: null, upper: null },
            { batchRows: 100, batchBytes: 1 << 26 },
            { invalidUtf8: 0, zeroDates: 0 },
          ))
            rows.push(...b.rows);
          columns.forEach((column, i) => {
            const actual = rows
              .map((r) => r[i] ?? null)
              .map((c: Cell) => (Buffer.isBuffer(c) ? `0x${c.toString('hex')}` : c));
            assert.deepEqual(actual, fixture.expected[column], `column ${column}`);
          });
        } finally {
          await source.close();
        }
      } catch (error) {
        failed = true;
        throw error;
      }
    });

    for (const targetDialect of targets) {
      it(`carries every type into ${targetDialect} exactly and verifies it`, async () => {
        try {
          const to =
            targetDialect === 'postgres'
              ? `${targetDb!.url}?schema=from_${sourceDialect}`
              : `sqlite:${dir.path}/tenant.db`;
          const home = tempDir('types-home');
          const store = await openStore(home.path);
          try {
            const outcome = await startCopyRun({
              from: sourceUrl,
              to,
              options: { ...defaultRunOptions, replace: true, chunkRows: 2 },
              store,
              onEvent: () => undefined,
              signal: new AbortController().signal,
            });
            const result = outcome.tables.find((t) => t.table === fixture.table)!;
            assert.ok(['migrated', 'warning'].includes(result.status), JSON.stringify(result.messages));
            const run = (await store.getRun(outcome.runId))!;
            const plan = run.plan!.tables.find((t) => t.source.name === fixture.table)!;
            const fromSource = await readAll(sourceUrl, false, fixture.table, plan);
            const fromTarget = await readAll(to, true, fixture.table, plan);
            assert.equal(fromTarget.length, fromSource.length);
            fromSource.forEach((row, r) =>
              plan.copyColumns.forEach((column, c) =>
                assert.deepEqual(
                  fromTarget[r]![c],
                  row[c],
                  `row ${r + 1}, column ${column} into ${targetDialect}`,
                ),
              ),
            );
          } finally {
            await store.close();
            home.remove();
          }
        } catch (error) {
          failed = true;
          throw error;
        }
      });
    }
  });
}
