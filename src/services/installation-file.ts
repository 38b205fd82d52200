// Reading and writing installation.yaml. Relative paths in the file are relative to its folder;
// `readInstallation` returns them absolute and `writeInstallation` writes paths inside the folder
// relative again, so a generated installation can be moved as a whole. A database password never
// appears in an error message.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { redactUrl } from '../connectors/connection-url.ts';
import { FerryError } from '../domain/errors.ts';
import type { Installation } from '../domain/installation.ts';
import { installationSchema } from '../domain/installation.ts';

const SQLITE = /^sqlite:(?:\/\/)?/i;

function mapSqlitePath(url: string, map: (path: string) => string): string {
  const prefix = SQLITE.exec(url)?.[0];
  if (prefix === undefined) return url;
  const [path = '', query] = url.slice(prefix.length).split('?', 2);
  if (path === '' || path === ':memory:') return url;
  return `sqlite:${map(path)}${query === undefined ? '' : `?${query}`}`;
}

function toAbsolute(folder: string, path: string): string {
  return isAbsolute(path) ? path : resolve(folder, path);
}

/** Inside `folder` → relative with '/' separators; elsewhere unchanged. */
function toRelative(folder: string, path: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(folder, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return path;
  return rel.split(sep).join('/');
}

function invalid(file: string, message: string, cause?: unknown): FerryError {
  return new FerryError('FERRY_INSTALLATION_INVALID', redactUrl(`${file}: ${message}`), {
    cause,
    details: { file },
  });
}

function validateOrThrow(file: string, value: unknown): Installation {
  const result = installationSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const field = [...issue.path, issue.keys[0] ?? ''].join('.');
    throw invalid(file, `field "${field}" is not a known field`);
  }
  const field = issue === undefined || issue.path.length === 0 ? '(top level)' : issue.path.join('.');
  throw invalid(file, `field "${field}": ${issue?.message ?? 'is invalid'}`);
}

/** Reads, validates and resolves an installation.yaml (paths come back absolute). */
export async function readInstallation(path: string): Promise<Installation> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw invalid(
      file,
      `cannot be read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`,
      cause,
    );
  }
  const doc = parseDocument(text);
  const yamlError = doc.errors[0];
  if (yamlError !== undefined) {
    throw invalid(file, `is not valid YAML: ${yamlError.message.split('\n')[0] ?? ''}`, yamlError);
  }
  const installation = validateOrThrow(file, doc.toJS());
  const folder = dirname(file);
  return {
    ...installation,
    database: mapSqlitePath(installation.database, (p) => toAbsolute(folder, p)),
    archive: toAbsolute(folder, installation.archive),
    serviceConfig: toAbsolute(folder, installation.serviceConfig),
  };
}

/** Validates and writes an installation.yaml; paths inside its folder are written relative. */
export async function writeInstallation(path: string, installation: Installation): Promise<void> {
  const file = resolve(path);
  const valid = validateOrThrow(file, installation);
  const folder = dirname(file);
  const out: Installation = {
    ...valid,
    database: mapSqlitePath(valid.database, (p) => toRelative(folder, p)),
    archive: toRelative(folder, valid.archive),
    serviceConfig: toRelative(folder, valid.serviceConfig),
  };
  if (out.generated === undefined) delete out.generated;
  const header =
    '# A Ferry installation: the on-premises source of a migration. Relative paths are relative to this file.\n';
  await mkdir(folder, { recursive: true });
  await writeFile(file, header + stringify(out), 'utf8');
}
