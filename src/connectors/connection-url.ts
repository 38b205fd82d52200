// Parsing and redacting connection URLs. A password never leaves this module except inside the
// ConnectionUrl handed to a connector; everything printable uses `redacted`.

import { resolve } from 'node:path';
import { FerryError } from '../domain/errors.ts';
import type { ConnectionUrl, Dialect } from './types.ts';

const schemes: Record<string, Dialect> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
  'sqlite:': 'sqlite',
};

export function parseConnectionUrl(raw: string): ConnectionUrl {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(raw)?.[0]?.toLowerCase();
  const dialect = scheme === undefined ? undefined : schemes[scheme];
  if (dialect === undefined) {
    throw new FerryError(
      'FERRY_URL_INVALID',
      `unknown URL scheme in "${redactUrl(raw)}": expected postgres://, mysql:// or sqlite:`,
    );
  }
  if (dialect === 'sqlite') {
    const rest = raw.slice(scheme!.length).replace(/^\/\//, '');
    const [pathPart, query = ''] = rest.split('?', 2) as [string, string?];
    if (pathPart === '') throw new FerryError('FERRY_URL_INVALID', `"${raw}" names no SQLite file`);
    const path = pathPart === ':memory:' ? pathPart : resolve(decodeURIComponent(pathPart));
    return {
      dialect,
      raw,
      redacted: `sqlite:${pathPart}`,
      path,
      host: null,
      port: null,
      user: null,
      password: null,
      database: null,
      schema: null,
      params: Object.fromEntries(new URLSearchParams(query)),
    };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new FerryError('FERRY_URL_INVALID', `"${redactUrl(raw)}" is not a valid URL`, { cause });
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || null;
  const params = Object.fromEntries(url.searchParams);
  return {
    dialect,
    raw,
    redacted: redactUrl(raw),
    path: null,
    host: url.hostname || 'localhost',
    port: url.port === '' ? (dialect === 'postgres' ? 5432 : 3306) : Number(url.port),
    user: url.username === '' ? null : decodeURIComponent(url.username),
    password: url.password === '' ? null : decodeURIComponent(url.password),
    database,
    schema: dialect === 'postgres' ? (params.schema ?? 'public') : null,
    params,
  };
}

/** Replace the password of any URL-looking text with `***`. */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)([^@\s]*)(@)/gi, '$1***$3');
}

/** Remove every known secret from a message before it is printed or stored. */
export function redactSecrets(text: string, secrets: Iterable<string | null>): string {
  let out = redactUrl(text);
  for (const secret of secrets) {
    if (secret !== null && secret.length >= 3) out = out.split(secret).join('***');
  }
  return out;
}
