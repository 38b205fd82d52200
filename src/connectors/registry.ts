// Connection URL → connector. The only place that knows which dialects exist.

import { FerryError } from '../domain/errors.ts';
import { parseConnectionUrl } from './connection-url.ts';
import { mysqlConnector } from './mysql/index.ts';
import { postgresConnector } from './postgres/index.ts';
import { sqliteConnector } from './sqlite/index.ts';
import type {
  ConnectionUrl,
  Connector,
  Dialect,
  SourceConnection,
  TargetConnection,
  TargetDialect,
} from './types.ts';

const connectors: Record<Dialect, Connector> = {
  postgres: postgresConnector,
  mysql: mysqlConnector,
  sqlite: sqliteConnector,
};

export function connectorFor(url: ConnectionUrl): Connector {
  return connectors[url.dialect];
}

export function targetDialectFor(url: ConnectionUrl): TargetDialect {
  const dialect = connectors[url.dialect].targetDialect;
  if (dialect === null) {
    throw new FerryError(
      'FERRY_TARGET_UNSUPPORTED',
      `${url.redacted} cannot be a target: ${url.dialect} is a source only`,
    );
  }
  return dialect;
}

export function openSource(url: string | ConnectionUrl): Promise<SourceConnection> {
  const parsed = typeof url === 'string' ? parseConnectionUrl(url) : url;
  return connectorFor(parsed).openSource(parsed);
}

export function openTarget(url: string | ConnectionUrl): Promise<TargetConnection> {
  const parsed = typeof url === 'string' ? parseConnectionUrl(url) : url;
  targetDialectFor(parsed);
  return connectorFor(parsed).openTarget(parsed);
}
