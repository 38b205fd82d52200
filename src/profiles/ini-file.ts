// Reading and setting `Key = value` entries in one section of an INI file (an application's service
// configuration), keeping every other line, comment and the order as they were. Writes go to a
// temporary file that is renamed over the original, so a crash never leaves half a config.

import { readFile, rename, writeFile } from 'node:fs/promises';
import { FerryError } from '../domain/errors.ts';

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new FerryError(
      'FERRY_INSTALLATION_INVALID',
      `the service configuration ${path} cannot be read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`,
      { cause, details: { file: path } },
    );
  }
}

const sectionHeader = /^\s*\[([^\]]+)\]\s*$/;
const entry = /^\s*([^=;#[\s][^=]*?)\s*=\s*(.*?)\s*$/;

/** The values of `section` (keys compared case-insensitively, returned as written). */
export async function readIniSection(path: string, section: string): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  let inSection = false;
  for (const line of (await readText(path)).split(/\r?\n/)) {
    const header = sectionHeader.exec(line);
    if (header !== null) {
      inSection = (header[1] ?? '').trim().toLowerCase() === section.toLowerCase();
      continue;
    }
    const match = inSection ? entry.exec(line) : null;
    if (match !== null) values.set((match[1] ?? '').toLowerCase(), match[2] ?? '');
  }
  return values;
}

/** Sets `values` in `section` (adding the keys or the section when missing); idempotent. */
export async function setIniValues(
  path: string,
  section: string,
  values: Record<string, string>,
): Promise<void> {
  const text = await readText(path);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const pending = new Map(Object.entries(values).map(([k, v]) => [k.toLowerCase(), { key: k, value: v }]));
  let inSection = false;
  let sectionEnd = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const header = sectionHeader.exec(line);
    if (header !== null) {
      inSection = (header[1] ?? '').trim().toLowerCase() === section.toLowerCase();
      if (inSection) sectionEnd = i + 1;
      continue;
    }
    if (!inSection) continue;
    const match = entry.exec(line);
    if (match !== null) {
      const key = (match[1] ?? '').toLowerCase();
      const update = pending.get(key);
      if (update !== undefined) {
        lines[i] = `${match[1] ?? update.key} = ${update.value}`;
        pending.delete(key);
      }
      sectionEnd = i + 1;
    }
  }
  const added = [...pending.values()].map((u) => `${u.key} = ${u.value}`);
  if (added.length > 0) {
    if (sectionEnd === -1) {
      if (lines.at(-1) === '') lines.pop();
      lines.push(`[${section}]`, ...added, '');
    } else {
      lines.splice(sectionEnd, 0, ...added);
    }
  }
  const next = lines.join(eol);
  if (next === text) return;
  const temporary = `${path}.ferry-${process.pid}.tmp`;
  await writeFile(temporary, next, 'utf8');
  await rename(temporary, path);
}
