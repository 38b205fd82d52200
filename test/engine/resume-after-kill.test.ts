// SIGKILL `ferry migrate` (and `ferry resume`) at random moments; the final resume must leave an
// exact, verified target: no duplicate and no missing row.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';

const skip = await skipUnless('mysql', 'postgres');

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run ferry; with `killAfterMs`, SIGKILL it that long after it reported the run started. */
function ferry(args: string[], killAfterMs?: number): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/ferry.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (killAfterMs !== undefined && timer === null && stdout.includes('"type":"run-started"')) {
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => {
      if (timer !== null) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('resume after SIGKILL', { skip }, () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let home: { path: string; remove(): void };
  let failed = false;

  before(async () => {
    source = await freshDatabase('mysql', 'kill_src');
    target = await freshDatabase('postgres', 'kill_dst');
    home = tempDir('kill-home');
    const conn = await mysql.createConnection({ uri: source.url, multipleStatements: true });
    await conn.query(`
      CREATE TABLE orders (
        id BIGINT PRIMARY KEY, customer VARCHAR(64) NOT NULL, amount DECIMAL(18,4), note TEXT,
        created DATETIME(3), flag BOOLEAN);
      INSERT INTO orders
        SELECT seq, CONCAT('customer ', seq % 977), seq * 1.2345, IF(seq % 10 = 0, NULL, REPEAT('ø', 200 + seq % 50)),
               TIMESTAMPADD(SECOND, seq, '2024-01-01 00:00:00.125'), seq % 2
        FROM seq_1_to_120000;
      CREATE TABLE \`Order Lines\` (code VARCHAR(32) PRIMARY KEY, qty INT);
      INSERT INTO \`Order Lines\` SELECT CONCAT('line-', LPAD(seq, 8, '0')), seq % 13 FROM seq_1_to_40000;
      CREATE TABLE audit (at DATETIME, what VARCHAR(100));
      INSERT INTO audit SELECT TIMESTAMPADD(MINUTE, seq, '2024-01-01'), CONCAT('event ', seq % 7) FROM seq_1_to_20000;
      ANALYZE TABLE orders, \`Order Lines\`, audit;
    `);
    await conn.end();
  });

  after(async () => {
    await source?.drop(failed);
    await target?.drop(failed);
    home?.remove();
  });

  it('finishes with an exact, verified target after several kills', async () => {
    const to = `${target.url}?schema=tenant_kill`;
    const common = ['--home', home.path, '--json'];
    const first = await ferry(
      [...common, 'migrate', '--from', source.url, '--to', to, '--chunk-rows', '4000', '--parallel', '3'],
      200 + Math.floor(Math.random() * 800),
    );
    try {
      assert.equal(first.signal, 'SIGKILL', `migrate finished before it could be killed:\n${first.stderr}`);
      const runs = await ferry([...common, 'runs']);
      const [run] = JSON.parse(runs.stdout.trim()) as { id: string }[];
      assert.ok(run, 'the killed migrate left a run behind');
      // Kill the resumes too, at different moments, before letting one finish. A resume that
      // finishes before its kill is the final one.
      let final: Exit | null = null;
      for (const ms of [Math.floor(Math.random() * 1000), 200 + Math.floor(Math.random() * 1000)]) {
        const attempt = await ferry([...common, 'resume', run.id], ms);
        if (attempt.signal !== 'SIGKILL') {
          final = attempt;
          break;
        }
      }
      final ??= await ferry([...common, 'resume', run.id]);
      const report = JSON.parse(final.stdout.trim().split('\n').at(-1)!) as {
        verified: boolean;
        tables: { table: string; rowsWritten: number; status: string }[];
      };
      assert.equal(final.code, 0, `final resume failed:\n${final.stderr}\n${final.stdout.slice(-3000)}`);
      assert.equal(report.verified, true);

      const client = new pg.Client({ connectionString: target.url });
      await client.connect();
      try {
        const count = async (table: string) =>
          Number((await client.query(`SELECT count(*) AS n FROM tenant_kill."${table}"`)).rows[0].n);
        assert.equal(await count('orders'), 120000);
        assert.equal(await count('Order Lines'), 40000);
        assert.equal(await count('audit'), 20000);
        const dupes = await client.query(
          'SELECT id FROM tenant_kill.orders GROUP BY id HAVING count(*) > 1 LIMIT 1',
        );
        assert.equal(dupes.rowCount, 0);
      } finally {
        await client.end();
      }
      const verify = await ferry(['--json', 'verify', '--from', source.url, '--to', to]);
      assert.equal(verify.code, 0, verify.stdout);
    } catch (error) {
      failed = true;
      throw error;
    }
  });
});
