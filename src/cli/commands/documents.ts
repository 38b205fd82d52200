// `ferry documents MIGRATION [--hash]` and `ferry documents MIGRATION --run RUN [--outcome …]`: the
// document archive set against the documents the database references, and what a run's upload did
// with each document. Locally or with --server; the same text and --json both ways.

import type { Command } from 'commander';
import { FerryError } from '../../domain/errors.ts';
import type { DocumentManifestReport, RunDocumentsReport } from '../../services/document-reports.ts';
import { documentOutcomes, type DocumentOutcome } from '../../storage/document-outcomes.ts';
import { print } from '../control-plane-session.ts';
import { alignTable, formatBytes, formatCount, pad, padLeft } from '../format.ts';
import { documentOperations } from '../remote/document-operations.ts';
import { withOperations } from '../remote/operations.ts';
import type { GlobalOptions } from '../run-output.ts';

const MAX_CELL = 100;

interface DocumentsFlags {
  run?: string;
  outcome?: DocumentOutcome[];
  hash: boolean;
  limit?: number;
}

function limitOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new FerryError('FERRY_INVALID_ARGUMENT', `--limit must be a whole number ≥ 1, got "${value}"`);
  return n;
}

function outcomeOption(value: string): DocumentOutcome[] {
  const out: DocumentOutcome[] = [];
  for (const part of value.split(',').map((p) => p.trim())) {
    const outcome = documentOutcomes.find((o) => o === part);
    if (outcome === undefined)
      throw new FerryError(
        'FERRY_INVALID_ARGUMENT',
        `--outcome must be ${documentOutcomes.join(', ')} (or several, comma-separated), got "${part}"`,
      );
    out.push(outcome);
  }
  return out;
}

/** "(the first 100 of 250; --limit N lists more)" when a list was cut, else nothing. */
function cutNote(shown: number, total: number): string[] {
  return shown < total
    ? [`(the first ${formatCount(shown)} of ${formatCount(total)}; --limit N lists more)`]
    : [];
}

function countLine(label: string, files: number, bytes?: number, note?: string): string {
  const size = bytes === undefined ? '' : `  ${formatBytes(bytes)}`;
  return `  ${pad(label, 13)}${padLeft(formatCount(files), 8)}${size}${note === undefined ? '' : `  ${note}`}`;
}

function manifestLines(r: DocumentManifestReport): string[] {
  const t = r.totals;
  const lines = [
    `Documents of migration ${r.migrationId} (archive ${r.archiveRoot}${r.hashed ? ', sha256 computed' : ''}):`,
    countLine('referenced', t.referenced),
    countLine('present', t.present, t.presentBytes),
    countLine('missing', t.missing, undefined, t.missing > 0 ? 'referenced, not in the archive' : undefined),
    countLine(
      'unreferenced',
      t.unreferenced,
      t.unreferencedBytes,
      t.unreferenced > 0 ? 'no row references them' : undefined,
    ),
    countLine(
      'differing',
      t.differing,
      undefined,
      r.hashed
        ? 'size or sha256 differs from the database'
        : 'size differs from the database (--hash compares sha256 too)',
    ),
  ];
  if (r.missing.length > 0)
    lines.push(
      '',
      `Missing from the archive (${formatCount(t.missing)}):`,
      ...alignTable(
        ['ID', 'PATH'],
        r.missing.map((d) => [d.id, d.path]),
        MAX_CELL,
      ),
      ...cutNote(r.missing.length, t.missing),
    );
  else lines.push('', 'No referenced document is missing from the archive.');
  if (r.differing.length > 0)
    lines.push(
      '',
      `Differing from the database (${formatCount(t.differing)}):`,
      ...alignTable(
        ['ID', 'DIFFERS', 'SIZE', 'PATH'],
        r.differing.map((d) => [d.id, d.differs, formatBytes(d.size), d.path]),
        MAX_CELL,
      ),
      ...cutNote(r.differing.length, t.differing),
    );
  if (r.unreferenced.length > 0)
    lines.push(
      '',
      `Unreferenced (${formatCount(t.unreferenced)}):`,
      ...alignTable(
        ['SIZE', 'PATH'],
        r.unreferenced.map((f) => [formatBytes(f.size), f.path]),
        MAX_CELL,
      ),
      ...cutNote(r.unreferenced.length, t.unreferenced),
    );
  return lines;
}

function runLines(r: RunDocumentsReport): string[] {
  const s = r.session;
  const lines = [
    `Documents of run ${r.runId} (${r.kind}, ${r.status}): upload session ${s.mode}, ${s.status}, to ${s.storeLocation}`,
    ...documentOutcomes.map((o) => countLine(o, r.outcomes[o].files, r.outcomes[o].bytes)),
    countLine('total', r.total.files, r.total.bytes),
    '',
  ];
  const which = r.filter === null ? 'Documents' : `Documents ${r.filter.join(' or ')}`;
  if (r.documents.length === 0) return [...lines, `${which}: none.`];
  const withError = r.documents.some((d) => d.error !== null);
  return [
    ...lines,
    `${which} (${formatCount(r.matching)}):`,
    ...alignTable(
      ['ID', 'OUTCOME', 'SIZE', 'PATH', ...(withError ? ['ATTEMPTS', 'ERROR'] : [])],
      r.documents.map((d) => [
        d.id,
        d.outcome,
        d.size === null ? '-' : formatBytes(d.size),
        d.path,
        ...(withError ? [String(d.attempts), d.error ?? ''] : []),
      ]),
      MAX_CELL,
    ),
    ...cutNote(r.documents.length, r.matching),
  ];
}

export function registerDocumentsCommand(program: Command, global: () => GlobalOptions): void {
  program
    .command('documents')
    .summary("a migration's document archive against its database, or a run's document upload")
    .description(
      "Without --run: the manifest of the migration's document archive (path, size, mtime; sha256 with\n" +
        '--hash, which reads every file) set against the documents its database references, as a run\n' +
        'uploads them: how many are referenced, present, missing from the archive, in the archive but\n' +
        'referenced by no row, or differ from what the database records; then the missing ones.\n\n' +
        "With --run: that run's upload session — files and bytes per outcome (uploaded, unchanged,\n" +
        'missing, failed) — and its missing and failed documents (failed ones with their error), or the\n' +
        'outcomes given to --outcome. Runs that upload: test, full, final, incremental, recovery.\n\n' +
        'Lists show the first 100 (--limit N, at most 10,000); counts always cover everything.\n\n' +
        'Examples:\n' +
        '  ferry documents M                          the manifest and the missing documents\n' +
        '  ferry documents M --hash                   also compare sha256 with the database\n' +
        '  ferry documents M --run RUN                what the run uploaded; its missing and failed documents\n' +
        '  ferry documents M --run RUN --outcome failed --limit 1000\n' +
        '  ferry --json documents M                   one JSON object (with --server too)',
    )
    .argument('<migration>', 'migration id')
    .option('--run <run>', "a run of the migration: show that run's document upload instead")
    .option(
      '--outcome <outcomes>',
      `with --run: only documents with these outcomes, comma-separated (${documentOutcomes.join(', ')}; default missing,failed)`,
      outcomeOption,
    )
    .option('--hash', 'without --run: compute each sha256 (reads every file of the archive)', false)
    .option('--limit <n>', 'documents per list (default 100, at most 10,000)', limitOption)
    .action(async (migrationId: string, flags: DocumentsFlags) => {
      const g = global();
      if (flags.run === undefined && flags.outcome !== undefined)
        throw new FerryError(
          'FERRY_INVALID_ARGUMENT',
          '--outcome needs --run RUN: outcomes belong to a run',
          {
            hint: '`ferry runs` lists the runs; `ferry documents M --run RUN --outcome missing`.',
          },
        );
      if (flags.run !== undefined && flags.hash)
        throw new FerryError(
          'FERRY_INVALID_ARGUMENT',
          '--hash is for the manifest: leave out --run, or --hash',
          {
            hint: 'A run records the sha256 of every document it uploaded; `ferry documents M --hash` hashes the archive.',
          },
        );
      const limit = flags.limit === undefined ? {} : { limit: flags.limit };
      await withOperations(g, documentOperations, async (ops) => {
        if (flags.run === undefined) {
          const r = await ops.manifest(migrationId, { hash: flags.hash, ...limit });
          print(g, { type: 'document-manifest', ...r }, manifestLines(r));
          return;
        }
        const r = await ops.run(flags.run, { outcomes: flags.outcome ?? ['missing', 'failed'], ...limit });
        if (r.migrationId !== migrationId)
          throw new FerryError(
            'FERRY_INVALID_ARGUMENT',
            `run ${r.runId} is not a run of migration ${migrationId}${r.migrationId === null ? '' : ` (it belongs to ${r.migrationId})`}`,
            {
              hint: '`ferry runs` lists the runs with their migrations.',
              details: { runId: r.runId, migrationId: r.migrationId },
            },
          );
        print(g, { type: 'run-documents', ...r }, runLines(r));
      });
    });
}
