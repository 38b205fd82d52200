// `node --import tsx bench/incremental.ts`: an incremental run against a full run on the CRM
// installation in MariaDB → PostgreSQL, with 1% of the rows changed (updates, inserts and deletes
// spread over the tables that have a primary key; the key-less audit_log would be copied again as
// a whole). Target: incremental time ≤ 10% of full time.
//
// The generated installation `ferry_bench_<size>` (FERRY_BENCH_SIZE, default large) is reused and
// never dropped; the benchmark works on a copy, `ferry_bench_incr`, which gets Ferry's change
// tracking installed. Also importable: `benchIncremental({ size })` returns the figures.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { initInstallation } from '../src/profiles/crm/init-installation.ts';
import { defaultRunOptions, startCopyRun } from '../src/services/copy-runs.ts';
import {
  enableChangeTracking,
  readChangeLogPosition,
  recordChangeLogStart,
  startIncrementalRun,
} from '../src/services/incremental-runs.ts';
import { openStore } from '../src/store/open-store.ts';

type Size = 'small' | 'medium' | 'large';

export interface IncrementalBenchResult {
  size: Size;
  rows: number;
  changedRows: number;
  fullSeconds: number;
  incrementalSeconds: number;
  ratio: number;
  checksumSeconds: number | null;
  rowsMoved: number;
}

const mysqlAdmin = process.env.FERRY_BENCH_MYSQL ?? 'mysql://root@127.0.0.1:3306';
const pgAdmin = process.env.FERRY_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432';
const COPY_DB = 'ferry_bench_incr';
const TARGET_DB = 'ferry_bench_incr_target';

function log(text: string): void {
  process.stderr.write(`bench incremental: ${text}\n`);
}

async function pgQuery(db: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${pgAdmin}/${db}` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The generated installation, reused when present (never dropped here). */
async function ensureInstallation(admin: mysql.Connection, size: Size): Promise<string> {
  const db = `ferry_bench_${size}`;
  const [rows] = await admin.query(
    'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
    [db],
  );
  if (Number((rows as { n: number }[])[0]?.n ?? 0) > 0) {
    log(`reusing the ${size} installation in MariaDB database ${db}`);
    return db;
  }
  log(`generating the ${size} installation into ${db} (once; bench/run.ts reuses it too)`);
  await admin.query(`CREATE DATABASE IF NOT EXISTS \`${db}\` CHARACTER SET utf8mb4`);
  const dir = resolve('bench/data', size);
  await initInstallation({ dir, size, seed: 1, db: `${mysqlAdmin}/${db}`, replace: true });
  return db;
}

/** A copy of the installation to change freely: CREATE TABLE … LIKE + INSERT … SELECT. */
async function copyInstallation(admin: mysql.Connection, from: string): Promise<string[]> {
  await admin.query(`DROP DATABASE IF EXISTS \`${COPY_DB}\``);
  await admin.query(`CREATE DATABASE \`${COPY_DB}\` CHARACTER SET utf8mb4`);
  const [rows] = await admin.query(
    `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'`,
    [from],
  );
  const tables = (rows as { name: string }[]).map((r) => r.name);
  for (const t of tables) {
    await admin.query(`CREATE TABLE \`${COPY_DB}\`.\`${t}\` LIKE \`${from}\`.\`${t}\``);
    await admin.query(`INSERT INTO \`${COPY_DB}\`.\`${t}\` SELECT * FROM \`${from}\`.\`${t}\``);
  }
  await admin.query(`ANALYZE TABLE ${tables.map((t) => `\`${COPY_DB}\`.\`${t}\``).join(', ')}`);
  return tables;
}

interface KeyedTable {
  name: string;
  key: string;
  rows: number;
  columns: string[];
  /** A non-key text column to update (null: update the key-less way, SET key = key). */
  text: string | null;
}

async function keyedTables(admin: mysql.Connection): Promise<KeyedTable[]> {
  const [rows] = await admin.query(
    `SELECT c.TABLE_NAME AS t, c.COLUMN_NAME AS c, c.COLUMN_KEY AS k, c.DATA_TYPE AS d, c.EXTRA AS e
       FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA = ? ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION`,
    [COPY_DB],
  );
  const byTable = new Map<string, { t: string; c: string; k: string; d: string; e: string }[]>();
  for (const r of rows as { t: string; c: string; k: string; d: string; e: string }[]) {
    if (r.t.startsWith('ferry_')) continue;
    byTable.set(r.t, [...(byTable.get(r.t) ?? []), r]);
  }
  const result: KeyedTable[] = [];
  for (const [name, columns] of byTable) {
    const keys = columns.filter((c) => c.k === 'PRI');
    if (keys.length !== 1 || !/int/.test(keys[0]!.d)) continue;
    const text = columns.find((c) => c.k === '' && /char|text/.test(c.d) && !c.e.includes('GENERATED'));
    const [count] = await admin.query(`SELECT COUNT(*) AS n FROM \`${COPY_DB}\`.\`${name}\``);
    result.push({
      name,
      key: keys[0]!.c,
      rows: Number((count as { n: number }[])[0]!.n),
      columns: columns.filter((c) => !c.e.includes('GENERATED')).map((c) => c.c),
      text: text?.c ?? null,
    });
  }
  return result;
}

/**
 * Change each keyed table by 1.3% (0.9% updated, 0.2% inserted, 0.2% deleted): about 1% of all
 * rows, since the key-less `audit_log` (a fifth of the rows) is left alone. Returns rows changed.
 */
async function changeOnePercent(admin: mysql.Connection, tables: KeyedTable[]): Promise<number> {
  let changed = 0;
  for (const t of tables) {
    if (t.rows < 500) continue;
    const q = (n: string) => `\`${n}\``;
    const table = `${q(COPY_DB)}.${q(t.name)}`;
    const k = q(t.key);
    const set = t.text === null ? `${k} = ${k}` : `${q(t.text)} = REVERSE(${q(t.text)})`;
    const [upd] = await admin.query(`UPDATE ${table} SET ${set} WHERE ${k} % 1000 < 9`);
    const [max] = await admin.query(`SELECT MAX(${k}) AS m FROM ${table}`);
    const offset = BigInt((max as { m: string | number }[])[0]!.m) + 1n;
    const list = t.columns.map(q).join(', ');
    const select = t.columns.map((c) => (c === t.key ? `${k} + ${offset}` : q(c))).join(', ');
    const [ins] = await admin.query(
      `INSERT IGNORE INTO ${table} (${list}) SELECT ${select} FROM ${table} WHERE ${k} % 500 = 1`,
    );
    const [del] = await admin.query(`DELETE FROM ${table} WHERE ${k} % 500 = 3`);
    changed +=
      (upd as { affectedRows: number }).affectedRows +
      (ins as { affectedRows: number }).affectedRows +
      (del as { affectedRows: number }).affectedRows;
  }
  return changed;
}

export async function benchIncremental(
  options: { size?: Size; parallel?: number; checksum?: boolean } = {},
): Promise<IncrementalBenchResult> {
  const size = options.size ?? 'large';
  const parallel = options.parallel ?? 4;
  const admin = await mysql.createConnection({ uri: mysqlAdmin, multipleStatements: false });
  try {
    const installation = await ensureInstallation(admin, size);
    log(`copying ${installation} to ${COPY_DB}`);
    await copyInstallation(admin, installation);
    const from = `${mysqlAdmin}/${COPY_DB}`;
    await pgQuery('postgres', `DROP DATABASE IF EXISTS "${TARGET_DB}" WITH (FORCE)`);
    await pgQuery('postgres', `CREATE DATABASE "${TARGET_DB}"`);
    const to = `${pgAdmin}/${TARGET_DB}?schema=crm`;
    const home = resolve('bench/data/incr-home');
    rmSync(home, { recursive: true, force: true });
    mkdirSync(home, { recursive: true });
    const store = await openStore({ home });
    try {
      await enableChangeTracking(from);
      const position = await readChangeLogPosition(from);
      log(`full run, --parallel ${parallel}`);
      const fullStarted = Date.now();
      const full = await startCopyRun({
        from,
        to,
        options: { ...defaultRunOptions, parallel, replace: false },
        store,
        onEvent: () => undefined,
        signal: new AbortController().signal,
      });
      const fullSeconds = (Date.now() - fullStarted) / 1000;
      await recordChangeLogStart({ store, runId: full.runId, position });
      const rows = full.tables.reduce((n, t) => n + t.rowsWritten, 0);
      log(`full run ${full.status}: ${rows} rows in ${fullSeconds.toFixed(1)} s`);

      const keyed = await keyedTables(admin);
      const changedRows = await changeOnePercent(admin, keyed);
      log(
        `changed ${changedRows} rows (${((100 * changedRows) / rows).toFixed(2)}%) in ${keyed.length} tables`,
      );

      const incStarted = Date.now();
      const inc = await startIncrementalRun({
        store,
        previousRunId: full.runId,
        from,
        to,
        method: 'change-log',
        onEvent: () => undefined,
        signal: new AbortController().signal,
      });
      const incrementalSeconds = (Date.now() - incStarted) / 1000;
      const rowsMoved = inc.tables.reduce((n, t) => n + t.rowsWritten, 0);
      log(`incremental run ${inc.status}: ${rowsMoved} rows moved in ${incrementalSeconds.toFixed(1)} s`);
      if (inc.tables.some((t) => t.status === 'failed'))
        throw new Error(`incremental run failed: ${JSON.stringify(inc.tables)}`);

      let checksumSeconds: number | null = null;
      if (options.checksum !== false) {
        await changeOnePercent(admin, keyed);
        const started = Date.now();
        const sum = await startIncrementalRun({
          store,
          previousRunId: inc.runId,
          from,
          to,
          method: 'checksum',
          onEvent: () => undefined,
          signal: new AbortController().signal,
        });
        checksumSeconds = (Date.now() - started) / 1000;
        log(`checksum-method run ${sum.status} in ${checksumSeconds.toFixed(1)} s`);
      }
      return {
        size,
        rows,
        changedRows,
        fullSeconds,
        incrementalSeconds,
        ratio: incrementalSeconds / fullSeconds,
        checksumSeconds,
        rowsMoved,
      };
    } finally {
      await store.close();
    }
  } finally {
    await admin.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const size = (process.env.FERRY_BENCH_SIZE ?? 'large') as Size;
  const r = await benchIncremental({
    size,
    parallel: Number(process.env.FERRY_BENCH_PARALLEL ?? '4'),
    // FERRY_BENCH_CHECKSUM=0 skips the (slow) checksum-method run.
    checksum: process.env.FERRY_BENCH_CHECKSUM !== '0',
  });
  const lines = [
    `## ${new Date().toISOString().slice(0, 10)} — incremental, size ${r.size}, ${r.rows.toLocaleString('en-US')} rows`,
    '',
    '| run | seconds | note |',
    '| --- | ---: | --- |',
    `| full run (copy, keys, verify) | ${r.fullSeconds.toFixed(1)} | ${r.rows.toLocaleString('en-US')} rows |`,
    `| incremental, change log | ${r.incrementalSeconds.toFixed(1)} | ${r.changedRows.toLocaleString('en-US')} rows changed, ${r.rowsMoved.toLocaleString('en-US')} moved, verified |`,
    ...(r.checksumSeconds === null
      ? []
      : [
          `| incremental, checksum method | ${r.checksumSeconds.toFixed(1)} | no change tracking; compares every range |`,
        ]),
    '',
    `- changed rows: ${((100 * r.changedRows) / r.rows).toFixed(2)}% of all rows`,
    `- incremental / full: ${r.ratio.toFixed(3)} (target ≤ 0.10)`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(join('bench/results', `incremental-${r.size}.md`), lines.join('\n') + '\n');
}
