// Check for update: a worker's (or agent's) version against the control plane's, which is this
// package's version.

import { readFileSync } from 'node:fs';
import { FerryError } from '../domain/errors.ts';

export function controlPlaneVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function parts(version: string): [number, number, number] {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  if (m === null)
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `"${version}" is not a version: use MAJOR.MINOR.PATCH, e.g. 0.1.0`,
    );
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function compareVersions(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

export interface UpdateCheck {
  workerVersion: string;
  controlPlaneVersion: string;
  /** The worker is older than the control plane and should be updated. */
  updateAvailable: boolean;
  message: string;
}

export function checkForUpdate(workerVersion: string, latest: string = controlPlaneVersion()): UpdateCheck {
  const order = compareVersions(workerVersion, latest);
  return {
    workerVersion,
    controlPlaneVersion: latest,
    updateAvailable: order < 0,
    message:
      order < 0
        ? `worker ${workerVersion} is older than the control plane ${latest}: update the worker`
        : order === 0
          ? `worker ${workerVersion} is up to date`
          : `worker ${workerVersion} is newer than the control plane ${latest}: update the control plane`,
  };
}
