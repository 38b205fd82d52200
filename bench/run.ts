// `npm run bench`: Ferry against the tools a consultant would otherwise pick, on the same data in the
// same run, reported as ratios (the machines are shared and noisy; absolute times are not comparable).
//
//   1. MariaDB → PostgreSQL: Ferry vs pgloader vs the ingest limit (`psql \copy` of files exported
//      beforehand into the same bare tables; one stream, and as many streams as Ferry's --parallel).
//   2. PostgreSQL → PostgreSQL: Ferry vs `pg_dump | psql`.
//
// Data: the `large` CRM installation (≥ 3 M rows), generated once into MariaDB and reused while its
// marker matches. FERRY_BENCH_SIZE=small|medium gives a quick trial run.

import './thread-pool.ts';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { initInstallation } from '../src/profiles/crm/init-installation.ts';
import { runDocumentsBenchmark } from './documents.ts';
import { benchIncremental } from './incremental.ts';

const size = (process.env.FERRY_BENCH_SIZE ?? 'large') as 'small' | 'medium' | 'large';
const parallel = Number(process.env.FERRY_BENCH_PARALLEL ?? '4');
const mysqlAdmin = process.env.FERRY_BENCH_MYSQL ?? 'mysql://root@127.0.0.1:3306';
const pgAdmin = process.env.FERRY_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432';
const sourceDb = `ferry_bench_${size}`;
const sourceUrl = `${mysqlAdmin}/${sourceDb}`;
const dataDir = resolve('bench/data', size);
const home = resolve('bench/data/home');

interface Measure {
  name: string;
  seconds: number;
  rows: number;
  bytes: number;
  note?: string;
}

function log(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}

function need(command: string, apt: string): void {
  if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0) {
    throw new Error(`${command} is not installed: apt-get install -y ${apt}`);
  }
}

async function pgQuery(db: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: `${pgAdmin}/${db}` });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

async function freshPgDatabase(name: string): Promise<string> {
  await pgQuery('postgres', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await pgQuery('postgres', `CREATE DATABASE "${name}"`);
  return `${pgAdmin}/${name}`;
}

function timed(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ seconds: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0)
        reject(
          new Error(
            `${command} ${args.join(' ')} exited ${code}\n${stderr.slice(-2000)}\n${stdout.slice(-2000)}`,
          ),
        );
      else resolvePromise({ seconds, stdout, stderr });
    });
  });
}

async function ensureSource(): Promise<void> {
  const marker = join(dataDir, 'bench-marker.json');
  const want = JSON.stringify({ size, seed: 1, version: 1 });
  if (existsSync(marker) && readFileSync(marker, 'utf8') === want) {
    log(`reusing ${size} installation in MariaDB database ${sourceDb}`);
    return;
  }
  rmSync(dataDir, { recursive: true, force: true });
  spawnSync('mysql', [
    '-uroot',
    '-h127.0.0.1',
    '-e',
    `DROP DATABASE IF EXISTS \`${sourceDb}\`; CREATE DATABASE \`${sourceDb}\` CHARACTER SET utf8mb4`,
  ]);
  log(`generating the ${size} installation into MariaDB ${sourceDb} (once; reused afterwards)`);
  const started = Date.now();
  await initInstallation({ dir: dataDir, size, seed: 1, db: sourceUrl, replace: true });
  log(`generated in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  writeFileSync(marker, want);
}

interface FerryResult {
  seconds: number;
  copySeconds: number;
  keyedSeconds: number;
  rows: number;
  bytes: number;
  peakRssMb: number;
  verified: boolean;
}

async function runFerry(from: string, to: string): Promise<FerryResult> {
  rmSync(home, { recursive: true, force: true });
  const started = Date.now();
  let copiedAt = 0;
  let keyedAt = 0;
  interface Report {
    verified: boolean;
    peakRssMb: number;
    tables: { rowsWritten: number; bytes: number }[];
  }
  const box: { report: Report | null } = { report: null };
  // Run as a user runs it: the executable, so its shebang's Node flags (the heap cap) apply.
  const child = spawn(
    'bin/ferry.js',
    [
      '--json',
      '--home',
      home,
      'migrate',
      '--from',
      from,
      '--to',
      to,
      '--parallel',
      String(parallel),
      '--replace',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let buffer = '';
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const event = JSON.parse(line) as { type: string; step?: string };
      if (event.type === 'step' && event.step === 'copied') copiedAt = Date.now();
      if (event.type === 'step' && event.step === 'keyed') keyedAt = Date.now();
      if (event.type === 'report') box.report = event as unknown as Report;
    }
  });
  const code = await new Promise<number | null>((r) => child.on('close', r));
  const seconds = (Date.now() - started) / 1000;
  const r = box.report;
  if (r === null) throw new Error(`ferry migrate exited ${code} without a report`);
  return {
    seconds,
    copySeconds: (copiedAt - started) / 1000,
    keyedSeconds: (keyedAt - started) / 1000,
    rows: r.tables.reduce((n, t) => n + t.rowsWritten, 0),
    bytes: r.tables.reduce((n, t) => n + t.bytes, 0),
    peakRssMb: r.peakRssMb,
    verified: r.verified,
  };
}

async function ingestLimit(ferryDb: string, schema: string, streams: number): Promise<{ seconds: number }> {
  // Export Ferry's loaded tables to files (untimed), recreate them bare, then time parallel \copy.
  const exportDir = resolve('bench/data/export');
  rmSync(exportDir, { recursive: true, force: true });
  mkdirSync(exportDir, { recursive: true });
  spawnSync('chmod', ['777', exportDir]);
  const tables = (
    await pgQuery(
      ferryDb,
      `SELECT tablename FROM pg_tables WHERE schemaname = '${schema}' ORDER BY tablename`,
    )
  ).rows.map((r: { tablename: string }) => r.tablename);
  const limitUrl = await freshPgDatabase('ferry_bench_limit');
  for (const t of tables) {
    await pgQuery(ferryDb, `COPY "${schema}"."${t}" TO '${join(exportDir, t)}.tsv'`);
  }
  // Same column definitions, no keys or indexes.
  const ddl = spawnSync(
    'pg_dump',
    ['--schema-only', '--no-owner', '--section=pre-data', '-n', schema, `${pgAdmin}/${ferryDb}`],
    { encoding: 'utf8' },
  );
  if (ddl.status !== 0) throw new Error(ddl.stderr);
  const load = spawnSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', limitUrl], {
    input: ddl.stdout,
    encoding: 'utf8',
  });
  if (load.status !== 0) throw new Error(load.stderr);
  const started = process.hrtime.bigint();
  const queue = [...tables];
  await Promise.all(
    Array.from({ length: streams }, async () => {
      for (let t = queue.shift(); t !== undefined; t = queue.shift()) {
        await timed('psql', [
          '-q',
          '-v',
          'ON_ERROR_STOP=1',
          limitUrl,
          '-c',
          `\\copy "${schema}"."${t}" FROM '${join(exportDir, t)}.tsv'`,
        ]);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rmSync(exportDir, { recursive: true, force: true });
  return { seconds };
}

function row(m: Measure): string {
  const rps = m.rows / m.seconds;
  const mbps = m.bytes / m.seconds / 1024 / 1024;
  return `| ${m.name} | ${m.seconds.toFixed(1)} | ${Math.round(rps).toLocaleString('en-US')} | ${mbps.toFixed(1)} | ${m.note ?? ''} |`;
}

async function main(): Promise<void> {
  need('pgloader', 'pgloader');
  need('psql', 'postgresql-client');
  need('pg_dump', 'postgresql-client');
  await ensureSource();
  // Ferry runs compiled, as a release does (bin/ferry.js uses dist/ while it is current).
  log('building Ferry (npm run build)');
  const build = spawnSync('npm', ['run', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) throw new Error('npm run build failed');

  log('Ferry: MariaDB → PostgreSQL');
  const ferryDb = 'ferry_bench_ferry';
  const ferryUrl = await freshPgDatabase(ferryDb);
  const ferry = await runFerry(sourceUrl, `${ferryUrl}?schema=crm`);

  log('pgloader: MariaDB → PostgreSQL');
  const pgloaderUrl = await freshPgDatabase('ferry_bench_pgloader');
  // pgloader's defaults (prefetch 100,000 rows, MariaDB's 60 s net timeouts) exhaust its heap or
  // get cut off by the server on this data; these are the settings that let it finish.
  const loadFile = resolve('bench/data/pgloader.load');
  writeFileSync(
    loadFile,
    `LOAD DATABASE FROM ${sourceUrl} INTO ${pgloaderUrl}\n` +
      `  WITH workers = 4, concurrency = 1, prefetch rows = 10000, batch rows = 10000\n` +
      `  SET MySQL PARAMETERS net_read_timeout = '600', net_write_timeout = '600';\n`,
  );
  const pgl = await timed('pgloader', [loadFile]).catch((error: Error) => {
    log(`pgloader failed: ${error.message.split('\n')[0]}`);
    return null;
  });

  log('ingest limit: psql \\copy of pre-exported files, one stream, then parallel');
  const limit1 = await ingestLimit(ferryDb, 'crm', 1);
  const limit = await ingestLimit(ferryDb, 'crm', parallel);

  log('Ferry: PostgreSQL → PostgreSQL');
  const pg2Url = await freshPgDatabase('ferry_bench_pg2pg');
  const ferryPg = await runFerry(`${ferryUrl}?schema=crm`, `${pg2Url}?schema=crm`);

  log('pg_dump | psql: PostgreSQL → PostgreSQL');
  const dumpUrl = await freshPgDatabase('ferry_bench_dump');
  const dump = await timed('sh', [
    '-c',
    `pg_dump --no-owner -n crm '${ferryUrl}' | psql -q -v ON_ERROR_STOP=1 '${dumpUrl}'`,
  ]);

  const rows = ferry.rows;
  const bytes = ferry.bytes;
  const measures: Measure[] = [
    {
      name: 'Ferry MariaDB → PG (copy, keys, verify)',
      seconds: ferry.seconds,
      rows,
      bytes,
      note: ferry.verified ? 'verified' : 'NOT VERIFIED',
    },
    { name: 'Ferry MariaDB → PG (copy + keys, before verify)', seconds: ferry.keyedSeconds, rows, bytes },
    { name: 'Ferry MariaDB → PG (copy phase only)', seconds: ferry.copySeconds, rows, bytes },
    ...(pgl === null
      ? []
      : [
          {
            name: 'pgloader MariaDB → PG',
            seconds: pgl.seconds,
            rows,
            bytes,
            note: '4 workers, prefetch 10k; includes indexes',
          },
        ]),
    {
      name: 'ingest limit: psql \\copy, one stream',
      seconds: limit1.seconds,
      rows,
      bytes,
      note: 'bare tables, files pre-exported',
    },
    {
      name: `ingest limit: ${parallel} × psql \\copy`,
      seconds: limit.seconds,
      rows,
      bytes,
      note: 'bare tables, files pre-exported',
    },
    {
      name: 'Ferry PG → PG (copy, keys, verify)',
      seconds: ferryPg.seconds,
      rows,
      bytes,
      note: ferryPg.verified ? 'verified' : 'NOT VERIFIED',
    },
    { name: 'Ferry PG → PG (before verify)', seconds: ferryPg.keyedSeconds, rows, bytes },
    { name: 'pg_dump | psql PG → PG', seconds: dump.seconds, rows, bytes, note: 'includes indexes' },
  ];
  const ratio = (a: number, b: number) => (b / a).toFixed(2);
  const lines = [
    `## ${new Date().toISOString().slice(0, 10)} — size ${size}, ${rows.toLocaleString('en-US')} rows, ${(bytes / 1024 / 1024).toFixed(0)} MB, --parallel ${parallel}`,
    '',
    '| tool | seconds | rows/s | MB/s | note |',
    '| --- | ---: | ---: | ---: | --- |',
    ...measures.map(row),
    '',
    ...(pgl === null
      ? ['- pgloader: failed (see log)']
      : [
          `- Ferry/pgloader rows/s, end to end with verification: ${ratio(ferry.seconds, pgl.seconds)}× (target ≥ 1.5×)`,
          `- Ferry/pgloader rows/s, before verification: ${ratio(ferry.keyedSeconds, pgl.seconds)}×`,
        ]),
    `- Ferry copy phase / ingest limit (one \\copy stream): ${ratio(ferry.copySeconds, limit1.seconds)}× (target ≥ 0.7×)`,
    `- Ferry copy phase / ingest limit (${parallel} parallel \\copy streams): ${ratio(ferry.copySeconds, limit.seconds)}×`,
    `- Ferry PG→PG / pg_dump|psql, end to end: ${ratio(ferryPg.seconds, dump.seconds)}×; before verification: ${ratio(ferryPg.keyedSeconds, dump.seconds)}×`,
    `- Ferry peak RSS: ${ferry.peakRssMb.toFixed(0)} MB (MariaDB → PG), ${ferryPg.peakRssMb.toFixed(0)} MB (PG → PG) (target < 300 MB)`,
  ];
  log('incremental run after 1% of rows changed vs a full run (issue 3)');
  const incr = await benchIncremental({ size, parallel, checksum: false });
  lines.push(
    '',
    `### Incremental run, size ${size}: ${incr.changedRows.toLocaleString('en-US')} rows changed (${((100 * incr.changedRows) / incr.rows).toFixed(2)}%)`,
    '',
    '| run | seconds |',
    '| --- | ---: |',
    `| full run (copy, keys, verify) | ${incr.fullSeconds.toFixed(1)} |`,
    `| incremental run (change log), ${incr.rowsMoved.toLocaleString('en-US')} rows moved, verified | ${incr.incrementalSeconds.toFixed(1)} |`,
    '',
    `- incremental / full: ${incr.ratio.toFixed(3)} (target ≤ 0.10)`,
  );
  log('document archive: initial upload and recovery vs rclone sync (issue 4)');
  const documents = await runDocumentsBenchmark();
  lines.push('', '### Document archive vs rclone sync', '', documents.table);
  const text = lines.join('\n');
  process.stdout.write(text + '\n');
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(join('bench/results', `latest-${size}.md`), text + '\n');
}

await main();
