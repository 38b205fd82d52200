// The MySQL / MariaDB connector: a source only (Ferry's targets are PostgreSQL and SQLite).

import { FerryError } from '../../domain/errors.ts';
import type { Connector, ConnectionUrl, SourceConnection, TargetConnection } from '../types.ts';
import { openSession } from './connection.ts';
import { mysqlSourceDialect } from './dialect.ts';
import { MysqlSourceConnection } from './source-connection.ts';

export const mysqlConnector: Connector = {
  dialect: 'mysql',
  sourceDialect: mysqlSourceDialect,
  targetDialect: null,
  async openSource(url: ConnectionUrl): Promise<SourceConnection> {
    return new MysqlSourceConnection(await openSession(url));
  },
  openTarget(url: ConnectionUrl): Promise<TargetConnection> {
    return Promise.reject(
      new FerryError(
        'FERRY_TARGET_UNSUPPORTED',
        `${url.redacted} is a MySQL/MariaDB database: MySQL is supported as a source only, not as a target`,
        { details: { url: url.redacted, dialect: 'mysql' } },
      ),
    );
  },
};
