// `ferry demo init`: generates a complete reference CRM installation — database (SQLite by
// default, or MariaDB/PostgreSQL), document archive, service config and installation.yaml —
// deterministic from a seed, with the planted problems the pre-migration checks must find.

import { mkdir, readdir, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parseConnectionUrl } from '../../connectors/connection-url.ts';
import type { ConnectionUrl } from '../../connectors/types.ts';
import { FerryError } from '../../domain/errors.ts';
import type { Installation } from '../../domain/installation.ts';
import { writeInstallation } from '../../services/installation-file.ts';
import type { ArchiveSummary } from './archive.ts';
import { writeArchive } from './archive.ts';
import type { GenerationContext } from './generate-rows.ts';
import { generateRows, plantedMissingDocuments, rowCount } from './generate-rows.ts';
import { openMysqlLoader } from './load-mysql.ts';
import { openPostgresLoader } from './load-postgres.ts';
import { openSqliteLoader } from './load-sqlite.ts';
import type { CrmLoader } from './loader.ts';
import type { PlantedProblem, ProblemsOption } from './planted-problems.ts';
import { plantedProblems, resolveProblems } from './planted-problems.ts';
import type { CrmSize } from './schema.ts';
import { crmSizes, crmTableNames, crmTables } from './schema.ts';
import { serviceConfigFileName, writeServiceConfig } from './service-config.ts';

export const DEFAULT_SEED = 42;

export interface InitInstallationOptions {
  /** Folder to create the installation in (created when missing). */
  dir: string;
  /** Default 'small' (≈ 5,000 rows); 'medium' ≈ 300,000; 'large' ≈ 3,000,000. */
  size?: CrmSize;
  /** PRNG seed, an integer 0 … 2^32-1. Default 42. */
  seed?: number;
  /** Database URL (mysql://… or postgres://…?schema=…). Default `sqlite:DIR/crm.db`. */
  db?: string;
  /** Planted problems; default all on. `{ 'old-version': false }` keeps the version current. */
  problems?: ProblemsOption;
  /** Drop CRM tables (and the archive) that already exist instead of refusing. Default false. */
  replace?: boolean;
  /** Installation name in installation.yaml. Default: the folder's name. */
  name?: string;
  onProgress?: (event: InitProgress) => void;
  signal?: AbortSignal;
}

export interface InitProgress {
  phase: 'schema' | 'rows' | 'indexes' | 'analyze' | 'archive' | 'done';
  /** The table, for 'rows' and 'indexes'. */
  table?: string;
  done: number;
  total: number;
}

export interface InitInstallationSummary {
  dir: string;
  installationFile: string;
  /** As written, with absolute paths. */
  installation: Installation;
  /** The database URL without its password. */
  database: string;
  size: CrmSize;
  seed: number;
  tables: { name: string; rows: number }[];
  totalRows: number;
  archive: ArchiveSummary;
  serviceConfig: string;
  problems: PlantedProblem[];
  elapsedMs: number;
}

function openLoader(url: ConnectionUrl): Promise<CrmLoader> | CrmLoader {
  switch (url.dialect) {
    case 'sqlite':
      return openSqliteLoader(url.path ?? ':memory:');
    case 'mysql':
      return openMysqlLoader(url);
    case 'postgres':
      return openPostgresLoader(url);
    default: {
      const never: never = url.dialect;
      throw new FerryError('FERRY_URL_INVALID', `unsupported database ${String(never)}`);
    }
  }
}

async function isNonEmptyFolder(path: string): Promise<boolean> {
  try {
    return (await readdir(path)).length > 0;
  } catch {
    return false;
  }
}

export async function initInstallation(options: InitInstallationOptions): Promise<InitInstallationSummary> {
  const started = Date.now();
  const size = options.size ?? 'small';
  const seed = options.seed ?? DEFAULT_SEED;
  if (!crmSizes.includes(size)) {
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `unknown size "${String(size)}": use ${crmSizes.join(', ')}`,
    );
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new FerryError('FERRY_INVALID_ARGUMENT', `seed must be an integer 0 … 4294967295, got ${seed}`);
  }
  const dir = resolve(options.dir);
  const progress = options.onProgress ?? (() => undefined);
  const databaseUrl = options.db ?? `sqlite:${join(dir, 'crm.db')}`;
  const url = parseConnectionUrl(databaseUrl);
  const archiveRoot = join(dir, 'archive');
  const serviceConfig = join(dir, 'service', serviceConfigFileName);
  const installationFile = join(dir, 'installation.yaml');
  const ctx: GenerationContext = { seed, size, problems: resolveProblems(options.problems) };

  await mkdir(dir, { recursive: true });
  const loader = await openLoader(url);
  const tables: { name: string; rows: number }[] = [];
  try {
    const existing = await loader.existingTables(crmTableNames);
    const archiveInUse = await isNonEmptyFolder(archiveRoot);
    if ((existing.length > 0 || archiveInUse) && options.replace !== true) {
      const what =
        existing.length > 0
          ? `${url.redacted} already holds CRM tables (${existing.join(', ')})`
          : `${archiveRoot} is not empty`;
      throw new FerryError('FERRY_TARGET_NOT_EMPTY', `${what}; refusing to overwrite an installation`, {
        hint: 'Pass --replace to drop the existing CRM tables and archive, or use another database and folder.',
        details: { tables: existing },
      });
    }
    await loader.dropTables(crmTables.filter((t) => existing.includes(t.name)));
    await rm(archiveRoot, { recursive: true, force: true });

    progress({ phase: 'schema', done: 0, total: crmTables.length });
    for (const table of crmTables) await loader.createTable(table);
    for (const table of crmTables) {
      options.signal?.throwIfAborted();
      const total = rowCount(table.name, ctx);
      progress({ phase: 'rows', table: table.name, done: 0, total });
      const rows = await loader.load(
        table,
        generateRows(table.name, ctx),
        (done) => progress({ phase: 'rows', table: table.name, done, total }),
        options.signal,
      );
      if (rows !== total)
        throw new FerryError('FERRY_INTERNAL', `generated ${rows} rows for ${table.name}, expected ${total}`);
      progress({ phase: 'indexes', table: table.name, done: rows, total });
      await loader.afterLoad(table);
      tables.push({ name: table.name, rows });
    }
    progress({ phase: 'analyze', done: 0, total: crmTables.length });
    await loader.analyze(crmTables);
  } finally {
    await loader.close();
  }

  const archive = await writeArchive({
    root: archiveRoot,
    seed,
    size,
    missingIds: plantedMissingDocuments(ctx),
    signal: options.signal,
    onProgress: (done, total) => progress({ phase: 'archive', done, total }),
  });
  await writeServiceConfig({ path: serviceConfig, archiveRoot, dialect: url.dialect });
  const installation: Installation = {
    name: options.name ?? basename(dir),
    profile: 'crm',
    database: databaseUrl,
    archive: archiveRoot,
    serviceConfig,
    generated: { size, seed },
  };
  await writeInstallation(installationFile, installation);
  const totalRows = tables.reduce((sum, t) => sum + t.rows, 0);
  progress({ phase: 'done', done: totalRows, total: totalRows });
  return {
    dir,
    installationFile,
    installation,
    database: url.redacted,
    size,
    seed,
    tables,
    totalRows,
    archive,
    serviceConfig,
    problems: plantedProblems(size, options.problems),
    elapsedMs: Date.now() - started,
  };
}
