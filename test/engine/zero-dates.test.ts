// MySQL zero dates are carried as NULL and counted as a warning in the table result (the
// documented choice in docs/type-mapping.md); the run still verifies and exits 0.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { defaultRunOptions, startCopyRun } from '../../src/services/copy-runs.ts';
import { openStore } from '../../src/store/open-store.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';

const skip = await skipUnless('mysql');

describe('MySQL zero dates', { skip }, () => {
  let source: TestDatabase;
  const dir = tempDir('zero-dates');

  before(async () => {
    source = await freshDatabase('mysql', 'zero_dates');
    const conn = await mysql.createConnection({ uri: source.url, multipleStatements: true });
    await conn.query(`
      SET SESSION sql_mode = '';
      CREATE TABLE visits (id INT PRIMARY KEY, day DATE, at DATETIME);
      INSERT INTO visits VALUES (1, '0000-00-00', '0000-00-00 00:00:00'), (2, '2024-05-01', '2024-05-01 10:00:00'),
                                (3, '2024-00-10', NULL);`);
    await conn.end();
  });
  after(async () => {
    await source?.drop();
    dir.remove();
  });

  it('carries them as NULL, counts them, and still verifies', async () => {
    const store = await openStore(`${dir.path}/home`);
    try {
      const outcome = await startCopyRun({
        from: source.url,
        to: `sqlite:${dir.path}/tenant.db`,
        options: { ...defaultRunOptions, replace: false },
        store,
        onEvent: () => undefined,
        signal: new AbortController().signal,
      });
      const visits = outcome.tables.find((t) => t.table === 'visits')!;
      assert.equal(visits.status, 'warning');
      assert.ok(
        visits.messages.some((m) => /3 zero dates \(0000-00-00\) were carried as NULL/.test(m.text)),
        JSON.stringify(visits.messages),
      );
      assert.equal(outcome.status, 'succeeded-with-warnings');
    } finally {
      await store.close();
    }
    const tenant = new Database(`${dir.path}/tenant.db`, { readonly: true });
    const rows = tenant.prepare('SELECT id, day, at FROM visits ORDER BY id').all();
    tenant.close();
    assert.deepEqual(rows, [
      { id: 1, day: null, at: null },
      { id: 2, day: '2024-05-01', at: '2024-05-01 10:00:00' },
      { id: 3, day: null, at: null },
    ]);
  });
});
