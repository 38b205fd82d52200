// Maps a driver's connection error to Ferry's error codes, naming the database by its redacted URL.

import type { ConnectionUrl } from '../../connectors/types.ts';
import { FerryError } from '../../domain/errors.ts';

export function connectError(cause: unknown, url: ConnectionUrl): FerryError {
  const error = cause as { code?: string; errno?: number; message?: string };
  const code = error.code ?? '';
  const message = `cannot connect to ${url.redacted}: ${error.message ?? String(cause)}`;
  const details = { code };
  if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code)) {
    return new FerryError('FERRY_HOST_UNREACHABLE', message, { cause, details });
  }
  if (['28P01', '28000', 'ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR'].includes(code)) {
    return new FerryError('FERRY_AUTH_FAILED', message, { cause, details });
  }
  if (['3D000', 'ER_BAD_DB_ERROR'].includes(code)) {
    return new FerryError('FERRY_DATABASE_NOT_FOUND', message, { cause, details });
  }
  return new FerryError('FERRY_TARGET_ERROR', message, { cause, details });
}
