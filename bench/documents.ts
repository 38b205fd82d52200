// Document upload benchmark: Ferry's uploader against `rclone sync` (Debian package `rclone`) on the
// same archive in the same run, to a local folder target (and, with FERRY_BENCH_DOCS_S3=1, to an
// s3rver target started in a child process for both).
//
//   1. initial upload of the whole archive into an empty target;
//   2. recovery after 1% of the files changed, were added or were deleted (a third each): Ferry's
//      `overwrite-test` session following the initial one, rclone's second `sync`.
//
// The archive (20,000 files, ≈ 2 GB; FERRY_BENCH_DOCS_FILES scales it) is generated once under
// bench/data/documents/, deterministically, and reused while its marker matches. The 1% change is
// applied for the recovery and reverted afterwards, so every run starts from the same archive.
//
//   node --import tsx bench/documents.ts            (or runDocumentsBenchmark() from bench/run.ts)

import './thread-pool.ts';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { BlobStore } from '../src/storage/blob-store.ts';
import { forEachBounded } from '../src/storage/bounded-pool.ts';
import { DocumentOutcomeRepository } from '../src/storage/document-outcomes.ts';
import type { ReferencedDocument } from '../src/storage/manifest.ts';
import { openBlobStore } from '../src/storage/open-blob-store.ts';
import type { UploadReport } from '../src/storage/upload-documents.ts';
import { uploadDocuments } from '../src/storage/upload-documents.ts';
import { openStore } from '../src/store/open-store.ts';

export interface DocumentsBenchmarkOptions {
  /** Files in the archive (default 20,000, or FERRY_BENCH_DOCS_FILES). */
  files?: number;
  /** Documents in flight for Ferry, `--transfers` for rclone (default 8, or FERRY_BENCH_DOCS_CONCURRENCY). */
  concurrency?: number;
  /** Also run both against an s3rver target (default: FERRY_BENCH_DOCS_S3=1). */
  s3?: boolean;
  /** Where the archive and targets live (default bench/data/documents). */
  dataDir?: string;
  /** Rounds per target, alternating which tool goes first; medians reported (default 3, or FERRY_BENCH_DOCS_ROUNDS). */
  rounds?: number;
}

export interface DocumentsMeasure {
  target: 'folder' | 's3rver';
  scenario: 'initial' | 'recovery';
  tool: 'ferry' | 'rclone';
  seconds: number;
  /** `seconds` plus a `sync` right after: until the copy is on disk (rclone does not fsync). */
  durableSeconds: number;
  /** CPU seconds (user + system) the tool used: a figure the machine's other load disturbs less. */
  cpuSeconds: number;
  /** Files examined (the whole archive). */
  files: number;
  /** Files and bytes actually copied. */
  transferredFiles: number;
  transferredBytes: number;
  peakRssMb?: number;
  /** Why a figure is not comparable (e.g. the tool failed against this target). */
  note?: string;
}

export interface DocumentsBenchmarkResult {
  files: number;
  bytes: number;
  concurrency: number;
  measures: DocumentsMeasure[];
  table: string;
}

const ARCHIVE_VERSION = 1;
const MB = 1e6;

/** Flush every dirty page (not timed before a run, timed right after one). */
function syncDisks(): number {
  const started = process.hrtime.bigint();
  spawnSync('sync');
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function log(text: string): void {
  process.stderr.write(`bench documents: ${text}\n`);
}

// ---- The archive ------------------------------------------------------------------------------

/** Size and path of file `i`: mostly 10–170 kB, every 500th 4–12 MB (scans); mean ≈ 106 kB. */
function fileSpec(i: number): { path: string; size: number } {
  const h = createHash('sha256').update(`spec:${i}`).digest();
  const r = h.readUInt32BE(0) / 0x1_0000_0000;
  const size = i % 500 === 250 ? 4_000_000 + Math.floor(r * 8_000_000) : 10_000 + Math.floor(r * 160_000);
  const ext = ['pdf', 'docx', 'xlsx', 'png', 'msg'][h.readUInt8(4) % 5];
  const path = `so_arc/c${String(i % 100).padStart(3, '0')}/${(i * 7) % 997}/${2008 + (i % 17)}/${String(i).padStart(7, '0')}-doc.${ext}`;
  return { path, size };
}

let pool: Buffer | null = null;
/** 16 MiB of deterministic bytes that files take slices of. */
function bytePool(): Buffer {
  if (pool === null) {
    pool = Buffer.alloc(16 * 1024 * 1024);
    for (let o = 0; o < pool.length; o += 32) createHash('sha256').update(`pool:${o}`).digest().copy(pool, o);
  }
  return pool;
}

/** The content of file `i` in generation `version` (0 = original; the recovery changes some to 1). */
function fileBytes(i: number, version: number, size: number): Buffer {
  const header = Buffer.from(`ferry bench document ${i} v${version}\n`);
  const body = Buffer.allocUnsafe(Math.max(0, size - header.length));
  const source = bytePool();
  let offset = (i * 104_729 + version * 7_919) % source.length;
  for (let o = 0; o < body.length;) {
    const n = Math.min(body.length - o, source.length - offset);
    source.copy(body, o, offset, offset + n);
    o += n;
    offset = 0;
  }
  return Buffer.concat([header, body]).subarray(0, size);
}

async function writeArchiveFile(root: string, i: number, version: number, size?: number): Promise<void> {
  const spec = fileSpec(i);
  const path = join(root, ...spec.path.split('/'));
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, fileBytes(i, version, size ?? spec.size));
}

async function ensureArchive(dataDir: string, files: number): Promise<{ root: string; bytes: number }> {
  const root = join(dataDir, 'archive');
  const marker = join(dataDir, 'archive-marker.json');
  let bytes = 0;
  for (let i = 0; i < files; i++) bytes += fileSpec(i).size;
  const want = JSON.stringify({ version: ARCHIVE_VERSION, files, bytes });
  if (existsSync(marker) && readFileSync(marker, 'utf8') === want) {
    log(`reusing the archive: ${files} files, ${(bytes / MB).toFixed(0)} MB`);
    return { root, bytes };
  }
  log(`generating the archive once: ${files} files, ${(bytes / MB).toFixed(0)} MB`);
  rmSync(root, { recursive: true, force: true });
  rmSync(marker, { force: true });
  await forEachBounded(
    Array.from({ length: files }, (_, i) => i),
    16,
    (i) => writeArchiveFile(root, i, 0),
  );
  writeFileSync(marker, want);
  return { root, bytes };
}

function referencedFor(ids: Iterable<number>): ReferencedDocument[] {
  return [...ids].map((i) => ({ id: String(i), path: fileSpec(i).path }));
}

/** 1% of the archive: a third changed (new content, same size for half), a third added, a third deleted. */
function changePlan(files: number): { changed: number[]; added: number[]; deleted: number[] } {
  const n = Math.max(3, Math.round(files / 100));
  const third = Math.floor(n / 3);
  const step = Math.floor(files / (2 * third));
  const changed = Array.from({ length: third }, (_, k) => k * step * 2 + 1);
  const deleted = Array.from({ length: third }, (_, k) => k * step * 2 + step);
  const added = Array.from({ length: n - 2 * third }, (_, k) => files + k);
  return { changed, added, deleted };
}

async function applyChanges(root: string, plan: ReturnType<typeof changePlan>): Promise<void> {
  for (const [k, i] of plan.changed.entries()) {
    const size = fileSpec(i).size + (k % 2 === 0 ? 0 : 1234);
    await writeArchiveFile(root, i, 1, size);
  }
  for (const i of plan.added) await writeArchiveFile(root, i, 0);
  for (const i of plan.deleted) rmSync(join(root, ...fileSpec(i).path.split('/')));
}

async function revertChanges(root: string, plan: ReturnType<typeof changePlan>): Promise<void> {
  for (const i of [...plan.changed, ...plan.deleted]) await writeArchiveFile(root, i, 0);
  for (const i of plan.added) rmSync(join(root, ...fileSpec(i).path.split('/')), { force: true });
}

// ---- The tools ----------------------------------------------------------------------------------

interface S3Target {
  port: number;
  child: ChildProcess;
}

async function startS3rverChild(dir: string): Promise<S3Target> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const script = `
    const S3rver = require('s3rver');
    new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: ${JSON.stringify(dir)},
      configureBuckets: [{ name: 'bench', configs: [] }] }).run().then((a) => console.log('port ' + a.port));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolvePort, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      const m = /port (\d+)/.exec(d.toString());
      if (m !== null) resolvePort(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`s3rver exited ${code}`)));
  });
  return { port, child };
}

async function runFerry(
  label: string,
  home: string,
  root: string,
  targetUrl: string,
  referenced: ReferencedDocument[],
  session: { id: string; previous: string | null; mode: 'initial' | 'overwrite-test' },
  concurrency: number,
): Promise<{
  seconds: number;
  durableSeconds: number;
  cpuSeconds: number;
  report: UploadReport;
  peakRssMb: number;
}> {
  const controlPlane = await openStore(home);
  const store: BlobStore = openBlobStore(targetUrl, {
    env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' },
  });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  syncDisks();
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  try {
    const report = await uploadDocuments({
      sessionId: session.id,
      previousSessionId: session.previous,
      archiveRoot: root,
      referenced,
      store,
      outcomes: new DocumentOutcomeRepository(controlPlane.kysely),
      mode: session.mode,
      concurrency,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (report.outcomes.failed.files > 0)
      throw new Error(`${label}: ${report.failed.length} documents failed`);
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    const durableSeconds = seconds + syncDisks();
    return { seconds, durableSeconds, cpuSeconds, report, peakRssMb: Math.round(peak / MB) };
  } finally {
    clearInterval(sampler);
    await store.close();
    await controlPlane.close();
  }
}

function runRclone(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{
  seconds: number;
  durableSeconds: number;
  cpuSeconds: number;
  transferred: number;
  failed?: string;
}> {
  syncDisks();
  return new Promise((resolveRun, reject) => {
    const started = process.hrtime.bigint();
    // A machine-wide AWS_CA_BUNDLE makes rclone's S3 backend refuse its own HTTP transport.
    const { AWS_CA_BUNDLE: _caBundle, ...inherited } = process.env;
    const child = spawn(
      '/usr/bin/time',
      ['-f', 'rclone-cpu %U %S', 'rclone', ...args, '--stats', '0', '-v'],
      {
        env: { ...inherited, ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const transferred = (stderr.match(/: Copied \(/g) ?? []).length;
      const failed = code === 0 ? undefined : (/Failed to sync[^\n]*/.exec(stderr)?.[0] ?? `exited ${code}`);
      const cpu = /rclone-cpu ([\d.]+) ([\d.]+)/.exec(stderr);
      const cpuSeconds = cpu === null ? Number.NaN : Number(cpu[1]) + Number(cpu[2]);
      resolveRun({ seconds, durableSeconds: seconds + syncDisks(), cpuSeconds, transferred, failed });
    });
  });
}

// ---- The run ------------------------------------------------------------------------------------

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One measure per target, scenario and tool: the median of its rounds, with their spread noted. */
function medianMeasures(measures: DocumentsMeasure[], rounds: number): DocumentsMeasure[] {
  const groups = new Map<string, DocumentsMeasure[]>();
  for (const m of measures) {
    const key = `${m.target}/${m.scenario}/${m.tool}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  return [...groups.values()].map((group) => {
    const seconds = group.map((m) => m.seconds);
    const notes = [...new Set(group.flatMap((m) => (m.note === undefined ? [] : [m.note])))];
    const peaks = group.flatMap((m) => (m.peakRssMb === undefined ? [] : [m.peakRssMb]));
    return {
      ...group[0]!,
      seconds: median(seconds),
      durableSeconds: median(group.map((m) => m.durableSeconds)),
      cpuSeconds: median(group.map((m) => m.cpuSeconds)),
      transferredFiles: median(group.map((m) => m.transferredFiles)),
      transferredBytes: median(group.map((m) => m.transferredBytes)),
      ...(peaks.length === 0 ? {} : { peakRssMb: Math.max(...peaks) }),
      note: [
        rounds > 1
          ? `median of ${group.length} (${Math.min(...seconds).toFixed(1)}–${Math.max(...seconds).toFixed(1)} s)`
          : '',
        ...notes,
      ]
        .filter(Boolean)
        .join('; '),
    };
  });
}

function formatTable(measures: DocumentsMeasure[]): string {
  const lines = [
    '| target | scenario | tool | seconds | files/s | MB copied | MB/s | Ferry/rclone speed | seconds incl. sync | Ferry/rclone incl. sync | CPU s | Ferry/rclone CPU efficiency | peak RSS MB |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const m of measures) {
    const other = measures.find(
      (o) => o.target === m.target && o.scenario === m.scenario && o.tool === 'rclone',
    );
    const ratio = (a: number, b: number) =>
      m.tool === 'ferry' && other !== undefined ? (b / a).toFixed(2) : '';
    lines.push(
      `| ${m.target} | ${m.scenario} | ${m.tool} | ${m.seconds.toFixed(2)} | ${(m.files / m.seconds).toFixed(0)} | ` +
        `${(m.transferredBytes / MB).toFixed(0)} | ${(m.transferredBytes / MB / m.seconds).toFixed(1)} | ` +
        `${ratio(m.seconds, other?.seconds ?? 0)} | ${m.durableSeconds.toFixed(2)} | ` +
        `${ratio(m.durableSeconds, other?.durableSeconds ?? 0)} | ${m.cpuSeconds.toFixed(2)} | ` +
        `${ratio(m.cpuSeconds, other?.cpuSeconds ?? 0)} | ${m.peakRssMb ?? ''} |` +
        (m.note === undefined ? '' : ` ${m.note}`),
    );
  }
  return lines.join('\n');
}

export async function runDocumentsBenchmark(
  options: DocumentsBenchmarkOptions = {},
): Promise<DocumentsBenchmarkResult> {
  const files = options.files ?? Number(process.env.FERRY_BENCH_DOCS_FILES ?? 20_000);
  const concurrency = options.concurrency ?? Number(process.env.FERRY_BENCH_DOCS_CONCURRENCY ?? 8);
  const rounds = options.rounds ?? Number(process.env.FERRY_BENCH_DOCS_ROUNDS ?? 3);
  const withS3 = options.s3 ?? process.env.FERRY_BENCH_DOCS_S3 === '1';
  const dataDir = resolve(options.dataDir ?? process.env.FERRY_BENCH_DOCS_DIR ?? 'bench/data/documents');
  if (spawnSync('sh', ['-c', 'command -v rclone']).status !== 0) {
    throw new Error('rclone is not installed: apt-get install -y rclone');
  }
  const { root, bytes } = await ensureArchive(dataDir, files);
  const plan = changePlan(files);
  const targets = join(dataDir, 'targets');
  const measures: DocumentsMeasure[] = [];
  const record = (m: DocumentsMeasure): void => {
    measures.push(m);
    log(
      `${m.target} ${m.scenario} ${m.tool}: ${m.seconds.toFixed(2)} s (incl. sync ${m.durableSeconds.toFixed(2)} s), ` +
        `${m.transferredFiles} files / ${(m.transferredBytes / MB).toFixed(0)} MB copied, CPU ${m.cpuSeconds.toFixed(2)} s` +
        (m.note === undefined ? '' : ` — ${m.note}`),
    );
  };
  const initialIds = Array.from({ length: files }, (_, i) => i);
  const deleted = new Set(plan.deleted);
  const recoveryIds = [...initialIds.filter((i) => !deleted.has(i)), ...plan.added];
  const changedBytes =
    plan.changed.reduce((s, i, k) => s + fileSpec(i).size + (k % 2 === 0 ? 0 : 1234), 0) +
    plan.added.reduce((s, i) => s + fileSpec(i).size, 0);

  const kinds: ('folder' | 's3rver')[] = withS3 ? ['folder', 's3rver'] : ['folder'];
  for (const target of kinds) {
    rmSync(targets, { recursive: true, force: true });
    mkdirSync(targets, { recursive: true });
    let s3: S3Target | null = null;
    try {
      if (target === 's3rver') s3 = await startS3rverChild(join(targets, 's3rver-data'));
      const endpoint = s3 === null ? '' : `http://127.0.0.1:${s3.port}`;
      const ferryUrl =
        s3 === null
          ? `file:${join(targets, 'ferry')}`
          : `s3://bench/ferry?endpoint=${endpoint}&region=us-east-1`;
      const rcloneTarget = s3 === null ? join(targets, 'rclone') : 'benchs3:bench/rclone';
      const rcloneEnv: NodeJS.ProcessEnv =
        s3 === null
          ? {}
          : {
              RCLONE_CONFIG_BENCHS3_TYPE: 's3',
              RCLONE_CONFIG_BENCHS3_PROVIDER: 'Other',
              RCLONE_CONFIG_BENCHS3_ENDPOINT: endpoint,
              RCLONE_CONFIG_BENCHS3_ACCESS_KEY_ID: 'S3RVER',
              RCLONE_CONFIG_BENCHS3_SECRET_ACCESS_KEY: 'S3RVER',
              RCLONE_CONFIG_BENCHS3_REGION: 'us-east-1',
              RCLONE_CONFIG_BENCHS3_FORCE_PATH_STYLE: 'true',
            };
      const rcloneArgs = [
        'sync',
        root,
        rcloneTarget,
        '--transfers',
        String(concurrency),
        '--checkers',
        String(concurrency * 2),
        // s3rver does not keep rclone's mtime metadata: compare by size and MD5 there.
        ...(s3 === null ? [] : ['--checksum']),
      ];
      const home = join(targets, 'ferry-home');

      // Rounds alternate which tool goes first, so neither always meets a cold (or warm) page cache
      // or the disk's write-back of the other's copy; the table reports each figure's median.
      for (let round = 0; round < rounds; round++) {
        const rcloneFirst = round % 2 === 1;
        rmSync(join(targets, 'ferry'), { recursive: true, force: true });
        rmSync(join(targets, 'rclone'), { recursive: true, force: true });
        rmSync(home, { recursive: true, force: true });
        if (s3 !== null) {
          s3.child.kill('SIGTERM');
          s3 = await startS3rverChild(join(targets, 's3rver-data'));
        }
        const endpointNow = s3 === null ? '' : `http://127.0.0.1:${s3.port}`;
        const ferryTarget = s3 === null ? ferryUrl : ferryUrl.replace(endpoint, endpointNow);
        const rcloneEnvNow =
          s3 === null ? rcloneEnv : { ...rcloneEnv, RCLONE_CONFIG_BENCHS3_ENDPOINT: endpointNow };
        const tag = `${target} round ${round + 1}/${rounds}`;

        const ferryInitialStep = async () => {
          log(`${tag}: initial upload, Ferry`);
          const r = await runFerry(
            'initial',
            home,
            root,
            ferryTarget,
            referencedFor(initialIds),
            { id: 'bench-initial', previous: null, mode: 'initial' },
            concurrency,
          );
          record({
            target,
            scenario: 'initial',
            tool: 'ferry',
            seconds: r.seconds,
            durableSeconds: r.durableSeconds,
            cpuSeconds: r.cpuSeconds,
            files,
            transferredFiles: r.report.transferred.files,
            transferredBytes: r.report.transferred.bytes,
            peakRssMb: r.peakRssMb,
          });
        };
        const rcloneInitialStep = async () => {
          log(`${tag}: initial upload, rclone`);
          const r = await runRclone(rcloneArgs, rcloneEnvNow);
          record({
            target,
            scenario: 'initial',
            tool: 'rclone',
            seconds: r.seconds,
            durableSeconds: r.durableSeconds,
            cpuSeconds: r.cpuSeconds,
            ...(r.failed === undefined ? {} : { note: `rclone failed: ${r.failed}` }),
            files,
            transferredFiles: r.transferred,
            transferredBytes: bytes,
          });
        };
        const ferryRecoveryStep = async () => {
          log(`${tag}: recovery after 1% changed/added/deleted, Ferry`);
          const r = await runFerry(
            'recovery',
            home,
            root,
            ferryTarget,
            referencedFor(recoveryIds),
            { id: 'bench-recovery', previous: 'bench-initial', mode: 'overwrite-test' },
            concurrency,
          );
          record({
            target,
            scenario: 'recovery',
            tool: 'ferry',
            seconds: r.seconds,
            durableSeconds: r.durableSeconds,
            cpuSeconds: r.cpuSeconds,
            files: recoveryIds.length,
            transferredFiles: r.report.transferred.files,
            transferredBytes: r.report.transferred.bytes,
            peakRssMb: r.peakRssMb,
          });
        };
        const rcloneRecoveryStep = async () => {
          log(`${tag}: recovery, rclone`);
          const r = await runRclone(rcloneArgs, rcloneEnvNow);
          record({
            target,
            scenario: 'recovery',
            tool: 'rclone',
            seconds: r.seconds,
            durableSeconds: r.durableSeconds,
            cpuSeconds: r.cpuSeconds,
            ...(r.failed === undefined ? {} : { note: `rclone failed: ${r.failed}` }),
            files: recoveryIds.length,
            transferredFiles: r.transferred,
            transferredBytes: changedBytes,
          });
        };
        for (const step of rcloneFirst
          ? [rcloneInitialStep, ferryInitialStep]
          : [ferryInitialStep, rcloneInitialStep])
          await step();
        await applyChanges(root, plan);
        try {
          for (const step of rcloneFirst
            ? [rcloneRecoveryStep, ferryRecoveryStep]
            : [ferryRecoveryStep, rcloneRecoveryStep])
            await step();
        } finally {
          await revertChanges(root, plan);
        }
      }
    } finally {
      s3?.child.kill('SIGTERM');
    }
  }
  rmSync(targets, { recursive: true, force: true });
  const medians = medianMeasures(measures, rounds);
  const table = formatTable(medians);
  return { files, bytes, concurrency, measures: medians, table };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runDocumentsBenchmark();
  process.stdout.write(
    `\nDocuments: ${result.files} files, ${(result.bytes / MB).toFixed(0)} MB, concurrency ${result.concurrency}\n\n${result.table}\n`,
  );
}
