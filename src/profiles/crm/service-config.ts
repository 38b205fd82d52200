// The CRM's service configuration file (INI). Ferry's freeze hook later sets `Frozen = true` in the
// [Service] section when a live migration starts and back to false on abandon.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative, sep } from 'node:path';

export const serviceConfigFileName = 'ferry-crm.config';

export interface ServiceConfigOptions {
  path: string;
  archiveRoot: string;
  /** The database dialect, for information; never the URL (it may hold a password). */
  dialect: string;
  licenseSerial?: string;
}

export function serviceConfigText(options: ServiceConfigOptions): string {
  const archive = relative(dirname(options.path), options.archiveRoot).split(sep).join('/');
  return [
    '; Ferry CRM service configuration (written by `ferry demo init`).',
    '[Service]',
    'Name = Ferry CRM Service',
    'Frozen = false',
    'LoginMode = normal',
    'Port = 8080',
    '',
    '[Archive]',
    `Root = ${archive}`,
    '',
    '[Database]',
    `Dialect = ${options.dialect}`,
    '',
  ].join('\n');
}

export async function writeServiceConfig(options: ServiceConfigOptions): Promise<void> {
  await mkdir(dirname(options.path), { recursive: true });
  await writeFile(options.path, serviceConfigText(options), 'utf8');
}
