// Pausing from another process: `ferry migrate` copies MariaDB → PostgreSQL in one child process,
// `ferry runs pause RUN` in a second one asks it (through the store) to stop at a chunk boundary;
// `ferry runs resume RUN` in a third continues from the checkpoint to an exact target.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';

const skip = await skipUnless('mysql', 'postgres');
const ROWS = 400_000;

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function ferry(args: string[], onStdout?: (text: string) => void): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/ferry.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('pausing a run from another process', { skip }, () => {
  let source: TestDatabase;
  let target: TestDatabase;
  const home = tempDir('pause-cli');
  let failed = false;

  before(async () => {
    source = await freshDatabase('mysql', 'pause_src');
    target = await freshDatabase('postgres', 'pause_dst');
    const conn = await mysql.createConnection({ uri: source.url, multipleStatements: true });
    await conn.query(`
      CREATE TABLE orders (id BIGINT PRIMARY KEY, customer VARCHAR(64) NOT NULL, amount DECIMAL(18,4), note TEXT);
      INSERT INTO orders SELECT seq, CONCAT('customer ', seq % 977), seq * 1.2345, REPEAT('x', 100 + seq % 50)
        FROM seq_1_to_${ROWS};
      ANALYZE TABLE orders;`);
    await conn.end();
  });
  after(async () => {
    await source?.drop(failed);
    await target?.drop(failed);
    home.remove();
  });

  it('pauses `ferry migrate` with `ferry runs pause`, then `ferry runs resume` finishes an exact target', async () => {
    const to = `${target.url}?schema=tenant_pause`;
    const common = ['--home', home.path, '--json'];
    let runId = '';
    let pause: Promise<Exit> | null = null;
    const migrate = await ferry(
      [...common, 'migrate', '--from', source.url, '--to', to, '--chunk-rows', '10000', '--parallel', '1'],
      (stdout) => {
        runId ||= /"type":"run-started","runId":"(run-[0-9a-f]+)"/.exec(stdout)?.[1] ?? '';
        // Asked as soon as the run copies: a CLI child takes a moment to start.
        if (pause === null && runId !== '') pause = ferry(['--home', home.path, 'runs', 'pause', runId]);
      },
    );
    assert.ok(pause !== null, `the run started: ${migrate.stderr}`);
    const paused = await (pause as Promise<Exit>);
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(paused.stdout, /pauses at the next chunk boundary/);
    assert.match(migrate.stdout, /"type":"report","runId":"run-[0-9a-f]+","status":"paused"/);

    const store = await openStore({ home: home.path });
    try {
      assert.equal((await store.getRun(runId))?.status, 'paused');
      const chunks = await store.listChunks(runId);
      assert.ok(
        chunks.some((c) => c.status === 'copied'),
        'some chunks were copied',
      );
      assert.ok(
        chunks.some((c) => c.status === 'pending'),
        'some chunks were left',
      );
      assert.ok(
        chunks.every((c) => c.status !== 'copying'),
        'no chunk was left half-copied',
      );
    } finally {
      await store.close();
    }

    const resumed = await ferry([...common, 'runs', 'resume', runId]);
    failed = resumed.code !== 0;
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(
      resumed.stdout,
      /"type":"report","runId":"run-[0-9a-f]+","status":"succeeded","verified":true/,
    );

    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string; d: string; s: string }>(
        'SELECT count(*) AS n, count(DISTINCT id) AS d, sum(id) AS s FROM tenant_pause.orders',
      );
      assert.deepEqual(rows[0], { n: String(ROWS), d: String(ROWS), s: String((ROWS * (ROWS + 1)) / 2) });
    } finally {
      await client.end();
    }
    const show = await ferry([...common, 'runs', 'show', runId]);
    const detail = JSON.parse(show.stdout) as {
      status: string;
      throughput: { rowsDone: number; samples: number };
    };
    assert.equal(detail.status, 'succeeded');
    assert.equal(detail.throughput.rowsDone, ROWS);
  });
});
