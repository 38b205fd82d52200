// SIGKILL an incremental run in the middle of applying changes, then resume it: the target ends
// exactly equal to the source (no lost change, no duplicate row).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultRunOptions, startCopyRun } from '../../../src/services/copy-runs.ts';
import {
  enableChangeTracking,
  readChangeLogPosition,
  recordChangeLogStart,
  resumeIncrementalRun,
} from '../../../src/services/incremental-runs.ts';
import { verifyDatabases } from '../../../src/services/verify-databases.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../../support/servers.ts';
import { runSql } from './fixture.ts';

const skip = await skipUnless('mysql', 'postgres');

function startChild(
  args: string[],
): Promise<{ signal: NodeJS.Signals | null; runId: string | null; progress: number }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'kill-child.ts'), ...args],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let buffer = '';
    let runId: string | null = null;
    let progress = 0;
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const event = JSON.parse(buffer.slice(0, nl)) as { type: string; runId?: string };
        buffer = buffer.slice(nl + 1);
        if (event.type === 'created') runId = event.runId ?? null;
        // Several batches applied (each a checkpoint), the next one in flight: kill.
        if (event.type === 'progress' && ++progress === 25) child.kill('SIGKILL');
      }
    });
    child.on('close', (_code, signal) => resolve({ signal, runId, progress }));
  });
}

describe('incremental run killed with SIGKILL', { skip }, () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let home: { path: string; remove(): void };
  let failed = false;

  before(async () => {
    source = await freshDatabase('mysql', 'incr_kill_src');
    target = await freshDatabase('postgres', 'incr_kill_dst');
    home = tempDir('incr-kill');
    await runSql('mysql', source.url, [
      `CREATE TABLE orders (id BIGINT PRIMARY KEY, customer VARCHAR(64) NOT NULL, amount DECIMAL(18,4), note TEXT)`,
      `INSERT INTO orders SELECT seq, CONCAT('customer ', seq % 977), seq * 1.2345, REPEAT('x', 100 + seq % 50) FROM seq_1_to_40000`,
      `CREATE TABLE \`Order Lines\` (code VARCHAR(32) PRIMARY KEY, qty INT)`,
      `INSERT INTO \`Order Lines\` SELECT CONCAT('line-', LPAD(seq, 8, '0')), seq % 13 FROM seq_1_to_10000`,
    ]);
  });

  after(async () => {
    await source?.drop(failed);
    await target?.drop(failed);
    home?.remove();
  });

  it('resumes from its per-table checkpoints and ends with an exact target', async () => {
    try {
      const from = source.url;
      const to = `${target.url}?schema=tenant`;
      const store = await openStore({ home: home.path });
      try {
        await enableChangeTracking(from);
        const position = await readChangeLogPosition(from);
        const full = await startCopyRun({
          from,
          to,
          options: { ...defaultRunOptions, parallel: 2, chunkRows: 10_000, replace: false },
          store,
          onEvent: () => undefined,
          signal: new AbortController().signal,
        });
        await recordChangeLogStart({ store, runId: full.runId, position });
        await runSql('mysql', from, [
          `UPDATE orders SET amount = amount + 1, note = 'changed' WHERE id % 3 = 0`,
          `DELETE FROM orders WHERE id % 7 = 0`,
          `INSERT INTO orders SELECT 100000 + seq, 'new', seq, 'inserted' FROM seq_1_to_3000`,
          `UPDATE orders SET id = id + 500000 WHERE id BETWEEN 1 AND 50`,
          `UPDATE \`Order Lines\` SET qty = qty + 100 WHERE qty = 5`,
          `DELETE FROM \`Order Lines\` WHERE qty = 6`,
        ]);
      } finally {
        await store.close();
      }

      const killed = await startChild([home.path, (await firstRun(home.path))!, from, to]);
      assert.equal(
        killed.signal,
        'SIGKILL',
        `the incremental run finished before it could be killed (${killed.progress} batches)`,
      );
      assert.ok(killed.runId !== null);

      const again = await openStore({ home: home.path });
      try {
        const outcome = await resumeIncrementalRun({
          store: again,
          runId: killed.runId,
          onEvent: () => undefined,
          signal: new AbortController().signal,
        });
        assert.equal(outcome.status, 'succeeded', JSON.stringify(outcome.tables));
      } finally {
        await again.close();
      }
      const results = await verifyDatabases({ from, to, parallel: 2, chunkRows: 5000 });
      for (const r of results)
        assert.equal(r.status, 'migrated', `${r.table}: ${JSON.stringify(r.messages)}`);
      const [[count]] = (await runSql('postgres', to, ['SELECT count(*)::int FROM orders']))[0] as [[number]];
      const [[expected]] = (await runSql('mysql', from, ['SELECT COUNT(*) FROM orders']))[0] as [[number]];
      assert.equal(count, Number(expected));
    } catch (error) {
      failed = true;
      throw error;
    }
  });
});

async function firstRun(home: string): Promise<string | undefined> {
  const store = await openStore({ home });
  try {
    return (await store.listRuns(10)).find((r) => r.kind === 'full')?.id;
  } finally {
    await store.close();
  }
}
