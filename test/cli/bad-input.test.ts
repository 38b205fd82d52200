// Bad input gets one clear line that names the problem and what to do, a non-zero exit code, no
// password in the output, and nothing half-written left unreported.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { defaultRunOptions, startCopyRun } from '../../src/services/copy-runs.ts';
import { openStore } from '../../src/store/open-store.ts';
import {
  freshDatabase,
  MYSQL_ADMIN_URL,
  skipUnless,
  tempDir,
  type TestDatabase,
} from '../support/servers.ts';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function ferry(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/ferry.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The last line of stderr: Ferry's one-line error. */
function errorLine(r: Result): string {
  return r.stderr.trim().split('\n').at(-1) ?? '';
}

const dir = tempDir('bad-input');
after(() => dir.remove());
const home = () => ['--home', `${dir.path}/home`];

function sqliteSource(name: string, statements: string[]): string {
  const path = `${dir.path}/${name}.db`;
  const db = new Database(path);
  for (const s of statements) db.exec(s);
  db.close();
  return `sqlite:${path}`;
}

describe('bad input to ferry migrate', () => {
  it('names an unknown URL scheme', async () => {
    const r = await ferry(
      ...home(),
      'migrate',
      '--from',
      'oracle://scott:tiger@db/x',
      '--to',
      `sqlite:${dir.path}/t.db`,
    );
    assert.equal(r.code, 1);
    assert.match(errorLine(r), /unknown URL scheme .*oracle.*\[FERRY_URL_INVALID\]/);
    assert.doesNotMatch(r.stderr, /tiger/);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  });

  it('refuses a MySQL target, which is a source only', async () => {
    const r = await ferry(
      ...home(),
      'migrate',
      '--from',
      `sqlite:${dir.path}/x.db`,
      '--to',
      'mysql://root@127.0.0.1/test',
    );
    assert.equal(r.code, 1);
    assert.match(errorLine(r), /\[FERRY_TARGET_UNSUPPORTED\]/);
  });

  it('names an unknown table given to --tables', async () => {
    const from = sqliteSource('tables', ['CREATE TABLE a (id INTEGER PRIMARY KEY)']);
    const r = await ferry(
      ...home(),
      'migrate',
      '--from',
      from,
      '--to',
      `sqlite:${dir.path}/t-tables.db`,
      '--tables',
      'a,nope',
    );
    assert.equal(r.code, 1);
    assert.match(errorLine(r), /no table named "nope".*\[FERRY_TABLE_NOT_FOUND\]/);
  });

  it('stops with FERRY_DISK_FULL when the SQLite target is full, and the run is left resumable', async () => {
    const from = sqliteSource('big', [
      'CREATE TABLE big (id INTEGER PRIMARY KEY, payload TEXT)',
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) INSERT INTO big SELECT i, printf('%.500c', 'x') FROM n",
    ]);
    const r = await ferry(
      ...home(),
      'migrate',
      '--from',
      from,
      '--to',
      `sqlite:${dir.path}/full.db?max_page_count=40`,
    );
    assert.equal(r.code, 1);
    assert.match(errorLine(r), /\[FERRY_DISK_FULL\]/);
    const runs = JSON.parse((await ferry(...home(), '--json', 'runs')).stdout) as { status: string }[];
    assert.equal(runs[0]?.status, 'failed');
  });

  it('replaces invalid UTF-8 with U+FFFD and reports it as a warning', async () => {
    const from = sqliteSource('utf8', [
      'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)',
      "INSERT INTO notes VALUES (1, CAST(x'41c328' AS TEXT)), (2, 'fine')",
    ]);
    const r = await ferry(
      ...home(),
      '--json',
      'migrate',
      '--from',
      from,
      '--to',
      `sqlite:${dir.path}/utf8-target.db`,
    );
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      tables: { table: string; status: string; messages: { text: string }[] }[];
    };
    const notes = report.tables.find((t) => t.table === 'notes')!;
    assert.equal(notes.status, 'warning');
    assert.match(notes.messages.map((m) => m.text).join('\n'), /1 text values held invalid UTF-8.*U\+FFFD/);
  });
});

describe('bad input involving servers', async () => {
  const skip = await skipUnless('mysql', 'postgres');
  let source: TestDatabase | null = null;
  let target: TestDatabase | null = null;

  before(async () => {
    if (skip) return;
    source = await freshDatabase('mysql', 'bad_src');
    target = await freshDatabase('postgres', 'bad_dst');
    const conn = await mysql.createConnection({ uri: source.url, multipleStatements: true });
    await conn.query(`
      CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(50));
      INSERT INTO customers SELECT seq, CONCAT('c', seq) FROM seq_1_to_3000;
      CREATE TABLE shifts (id INT PRIMARY KEY, length TIME);
      INSERT INTO shifts VALUES (1, '08:00:00'), (2, '838:59:59');
      CREATE TABLE later (id INT PRIMARY KEY, v INT);
      INSERT INTO later SELECT seq, seq FROM seq_1_to_100;`);
    await conn.end();
  });
  after(async () => {
    await source?.drop();
    await target?.drop();
  });

  it('reports an unreachable host without the password', { skip }, async () => {
    const r = await ferry(
      ...home(),
      'migrate',
      '--from',
      'mysql://root:s3cretpw@127.0.0.1:1/db',
      '--to',
      `sqlite:${dir.path}/u.db`,
    );
    assert.equal(r.code, 1);
    assert.match(errorLine(r), /\[FERRY_HOST_UNREACHABLE\]/);
    assert.doesNotMatch(r.stderr + r.stdout, /s3cretpw/);
  });

  it('reports a wrong password without the password', { skip }, async () => {
    const url = MYSQL_ADMIN_URL.replace('mysql://root@', 'mysql://root:wr0ngpass@');
    const r = await ferry(
      ...home(),
      '--verbose',
      'migrate',
      '--from',
      url,
      '--to',
      `sqlite:${dir.path}/p.db`,
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\[FERRY_AUTH_FAILED\]/);
    assert.doesNotMatch(r.stderr + r.stdout, /wr0ngpass/, 'not even in --verbose stack traces');
  });

  it('reports a missing database', { skip }, async () => {
    const r = await ferry(
      ...home(),
      'migrate',
      '--from',
      'postgres://postgres@127.0.0.1:5432/ferry_no_such_db',
      '--to',
      `sqlite:${dir.path}/m.db`,
    );
    assert.equal(r.code, 1);
    assert.match(errorLine(r), /ferry_no_such_db.*\[FERRY_DATABASE_NOT_FOUND\]/);
  });

  it('refuses a target schema that already has tables unless --replace', { skip }, async () => {
    const to = `${target!.url}?schema=tenant_twice`;
    const first = await ferry(
      ...home(),
      'migrate',
      '--from',
      source!.url,
      '--to',
      to,
      '--tables',
      'customers',
    );
    assert.equal(first.code, 0, first.stderr);
    const again = await ferry(
      ...home(),
      'migrate',
      '--from',
      source!.url,
      '--to',
      to,
      '--tables',
      'customers',
    );
    assert.equal(again.code, 1);
    assert.match(
      errorLine(again),
      /already has 1 table\(s\) \("customers"\).*--replace.*\[FERRY_TARGET_NOT_EMPTY\]/,
    );
    const replaced = await ferry(
      ...home(),
      'migrate',
      '--from',
      source!.url,
      '--to',
      to,
      '--tables',
      'customers',
      '--replace',
    );
    assert.equal(replaced.code, 0, replaced.stderr);
  });

  it(
    'fails only the table whose value does not fit the target type, naming table and column',
    { skip },
    async () => {
      const r = await ferry(
        ...home(),
        '--json',
        'migrate',
        '--from',
        source!.url,
        '--to',
        `${target!.url}?schema=tenant_range`,
        '--tables',
        'shifts,customers',
      );
      assert.equal(r.code, 1);
      const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
        tables: { table: string; status: string; messages: { code?: string; text: string }[] }[];
      };
      const shifts = report.tables.find((t) => t.table === 'shifts')!;
      assert.equal(shifts.status, 'failed');
      const error = shifts.messages.find((m) => m.code === 'FERRY_VALUE_OUT_OF_RANGE');
      assert.ok(error, JSON.stringify(shifts.messages));
      assert.match(error.text, /shifts/);
      assert.match(error.text, /length/);
      assert.equal(report.tables.find((t) => t.table === 'customers')?.status, 'migrated');
    },
  );

  it('fails a table dropped from the source mid-run and finishes the others', { skip }, async () => {
    const store = await openStore(`${dir.path}/home-dropped`);
    let dropped = false;
    try {
      const outcome = await startCopyRun({
        from: source!.url,
        to: `${target!.url}?schema=tenant_dropped`,
        options: {
          ...defaultRunOptions,
          replace: false,
          parallel: 1,
          chunkRows: 500,
          tables: ['customers', 'later'],
        },
        store,
        signal: new AbortController().signal,
        onEvent: (event) => {
          // Chunks are planned (the table was seen) but nothing is copied yet: drop it now,
          // synchronously, so the copy meets a table that is gone.
          if (event.type === 'run-started' && !dropped) {
            dropped = true;
            execFileSync('mysql', ['-uroot', '-h127.0.0.1', source!.name, '-e', 'DROP TABLE later']);
          }
        },
      });
      assert.ok(dropped);
      const later = outcome.tables.find((t) => t.table === 'later')!;
      assert.equal(later.status, 'failed');
      assert.ok(
        later.messages.some((m) => m.code === 'FERRY_SOURCE_TABLE_DROPPED'),
        JSON.stringify(later.messages),
      );
      assert.equal(outcome.tables.find((t) => t.table === 'customers')?.status, 'migrated');
      assert.equal(outcome.status, 'failed');
    } finally {
      await store.close();
    }
  });
});

describe('the Ferry home', () => {
  it('is created private, because it keeps URLs for resume', async () => {
    await ferry('--home', `${dir.path}/home-private`, 'runs');
    assert.equal(statSync(`${dir.path}/home-private/ferry.db`).mode & 0o777, 0o600);
  });
});
