// Incremental runs, for every source dialect into a PostgreSQL and a SQLite target: a full run,
// then inserts, updates, deletes and a key update on the source; the incremental run moves only
// the changed rows and leaves a target equal to the source. The checksum method (no change
// tracking) finds an edit made directly on the target and overwrites it.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSource } from '../../../src/connectors/registry.ts';
import { isFerryError } from '../../../src/domain/errors.ts';
import type { TableResult } from '../../../src/domain/table-result.ts';
import { defaultRunOptions, startCopyRun } from '../../../src/services/copy-runs.ts';
import {
  changeTrackingStatus,
  disableChangeTracking,
  enableChangeTracking,
  readChangeLogPosition,
  reconcileByChecksum,
  recordChangeLogStart,
  startIncrementalRun,
} from '../../../src/services/incremental-runs.ts';
import { verifyDatabases } from '../../../src/services/verify-databases.ts';
import { openStore, type Store } from '../../../src/store/open-store.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../../support/servers.ts';
import { changeStatements, createStatements, expectedMoves, runSql, type SourceDialect } from './fixture.ts';

const skip = await skipUnless('mysql', 'postgres');
const quiet = () => undefined;
const options = { ...defaultRunOptions, parallel: 2, chunkRows: 400, replace: true };

/** Plan notes (`audit` has no primary key; SQLite type notes) make warnings, never failures. */
function assertSucceeded(outcome: { status: string; tables: TableResult[] }): void {
  assert.equal(outcome.status, 'succeeded-with-warnings', JSON.stringify(outcome.tables, null, 1));
  for (const t of outcome.tables) {
    assert.ok(t.status === 'migrated' || t.status === 'warning', `${t.table}: ${JSON.stringify(t.messages)}`);
    assert.ok(!t.messages.some((m) => m.level === 'error'), `${t.table}: ${JSON.stringify(t.messages)}`);
  }
}

function byTable(tables: TableResult[]): Map<string, TableResult> {
  return new Map(tables.map((t) => [t.table, t]));
}

async function assertEqual(from: string, to: string): Promise<void> {
  const results = await verifyDatabases({ from, to, parallel: 2, chunkRows: 500 });
  assert.equal(results.length, 3, 'the change-tracking tables are not listed as source tables');
  for (const r of results) assert.equal(r.status, 'migrated', `${r.table}: ${JSON.stringify(r.messages)}`);
}

describe('incremental run', { skip }, () => {
  const sources = new Map<SourceDialect, string>();
  let mysqlDb: TestDatabase;
  let pgSource: TestDatabase;
  let pgTarget: TestDatabase;
  let dir: { path: string; remove(): void };
  let store: Store;
  let failed = false;

  before(async () => {
    mysqlDb = await freshDatabase('mysql', 'incr_src');
    pgSource = await freshDatabase('postgres', 'incr_src');
    pgTarget = await freshDatabase('postgres', 'incr_dst');
    dir = tempDir('incremental');
    store = await openStore({ home: join(dir.path, 'home') });
    sources.set('mysql', mysqlDb.url);
    sources.set('postgres', pgSource.url);
    sources.set('sqlite', `sqlite:${join(dir.path, 'source.db')}`);
  });

  after(async () => {
    await store?.close();
    await mysqlDb?.drop(failed);
    await pgSource?.drop(failed);
    await pgTarget?.drop(failed);
    if (!failed) dir?.remove();
  });

  /** Keep the databases for inspection when a test fails. */
  const guard = async (body: () => Promise<void>): Promise<void> => {
    try {
      await body();
    } catch (error) {
      failed = true;
      throw error;
    }
  };

  for (const dialect of ['mysql', 'postgres', 'sqlite'] as const) {
    describe(`from ${dialect}`, () => {
      // Each source gets its own fixture per target (tables re-created), so the two targets do not
      // see each other's changes.
      for (const targetKind of ['postgres', 'sqlite'] as const) {
        it(`into ${targetKind}: moves only the changed rows, deletes included, and the target equals the source`, () =>
          guard(async () => {
            const from = sources.get(dialect)!;
            const to =
              targetKind === 'postgres'
                ? `${pgTarget.url}?schema=${dialect}_changes`
                : `sqlite:${join(dir.path, `${dialect}-target.db`)}`;
            await disableChangeTracking(from).catch(() => undefined);
            await runSql(dialect, from, [
              'DROP TABLE IF EXISTS orders',
              `DROP TABLE IF EXISTS ${dialect === 'mysql' ? '`Order Lines`' : '"Order Lines"'}`,
              'DROP TABLE IF EXISTS audit',
            ]);
            await runSql(dialect, from, createStatements(dialect));

            const tracked = await enableChangeTracking(from);
            assert.deepEqual(tracked.map((x) => [x.table, x.key]).sort(), [
              ['Order Lines', ['code']],
              ['audit', []],
              ['orders', ['id']],
            ]);
            const position = await readChangeLogPosition(from);
            assert.equal(position, '0');
            const full = await startCopyRun({
              from,
              to,
              options,
              store,
              onEvent: quiet,
              signal: new AbortController().signal,
            });
            assertSucceeded(full);
            assert.equal(await recordChangeLogStart({ store, runId: full.runId, position }), '0');

            await runSql(dialect, from, changeStatements(dialect));
            const status = await changeTrackingStatus(from);
            assert.ok(Number(status.lastSeq) >= 30, `change log position ${status.lastSeq}`);

            const incremental = await startIncrementalRun({
              store,
              previousRunId: full.runId,
              from,
              to,
              onEvent: quiet,
              signal: new AbortController().signal,
            });
            assertSucceeded(incremental);
            const tables = byTable(incremental.tables);
            for (const [table, rows] of Object.entries(expectedMoves)) {
              assert.equal(tables.get(table)?.rowsRead, rows, `${table} rows read`);
              assert.equal(tables.get(table)?.rowsWritten, rows, `${table} rows written`);
            }
            await assertEqual(from, to);

            // Nothing changed since: the next incremental run (from this one) moves nothing.
            const idle = await startIncrementalRun({
              store,
              previousRunId: incremental.runId,
              from,
              to,
              onEvent: quiet,
              signal: new AbortController().signal,
              method: 'change-log',
            });
            assertSucceeded(idle);
            assert.equal(
              idle.tables.reduce((n, x) => n + x.rowsWritten, 0),
              0,
            );

            // An edit made directly on the target: the checksum method finds and overwrites it.
            const targetDialect = targetKind === 'postgres' ? 'postgres' : 'sqlite';
            await runSql(targetDialect, to, [
              `UPDATE orders SET note = 'edited in the tenant' WHERE id = 1500`,
              `DELETE FROM orders WHERE id = 1501`,
              `INSERT INTO orders VALUES (777777, 'tenant only', 1.00, NULL)`,
              `UPDATE "Order Lines" SET qty = -1 WHERE code = 'line-00100'`,
            ]);
            const reconciled = await reconcileByChecksum({
              store,
              previousRunId: idle.runId,
              from,
              to,
              onEvent: quiet,
              signal: new AbortController().signal,
            });
            assertSucceeded(reconciled);
            const moved = byTable(reconciled.tables);
            // Only small ranges around the edits were copied again, not the table.
            const ordersMoved = moved.get('orders')?.rowsWritten ?? 0;
            assert.ok(ordersMoved > 0 && ordersMoved <= 2 * 1000, `orders rows copied again: ${ordersMoved}`);
            const [[note]] = (
              await runSql(targetDialect, to, [`SELECT note FROM orders WHERE id = 1500`])
            )[0] as [[string]];
            assert.notEqual(note, 'edited in the tenant');
            await assertEqual(from, to);
          }));
      }
    });
  }

  it('refuses a change-log run when the previous run recorded no position', async () => {
    const from = sources.get('sqlite')!;
    const to = `sqlite:${join(dir.path, 'no-position.db')}`;
    const full = await startCopyRun({
      from,
      to,
      options,
      store,
      onEvent: quiet,
      signal: new AbortController().signal,
    });
    await assert.rejects(
      startIncrementalRun({
        store,
        previousRunId: full.runId,
        from,
        to,
        onEvent: quiet,
        signal: new AbortController().signal,
        method: 'change-log',
      }),
      (error) => isFerryError(error) && error.code === 'FERRY_CHANGE_TRACKING_UNAVAILABLE',
    );
  });

  it('uninstalls every trigger and the change log', async () => {
    const from = sources.get('postgres')!;
    await disableChangeTracking(from);
    assert.equal((await changeTrackingStatus(from)).installed, false);
    const source = await openSource(from);
    try {
      assert.deepEqual((await source.listTables()).map((t) => t.name).sort(), [
        'Order Lines',
        'audit',
        'orders',
      ]);
    } finally {
      await source.close();
    }
    const [triggers] = await runSql('postgres', from, [
      `SELECT count(*)::int FROM pg_trigger WHERE tgname = 'ferry_change_trigger'`,
    ]);
    assert.deepEqual(triggers, [[0]]);
  });
});
