import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Connection } from 'mysql2/promise';
import { checksumOf } from '../../../src/connectors/canonical.ts';
import { parseConnectionUrl } from '../../../src/connectors/connection-url.ts';
import { mysqlConnector } from '../../../src/connectors/mysql/index.ts';
import type { SourceConnection } from '../../../src/connectors/types.ts';
import { isFerryError } from '../../../src/domain/errors.ts';
import type { ErrorCode } from '../../../src/domain/errors.ts';
import { MYSQL_ADMIN_URL, freshDatabase, skipUnless } from '../../support/servers.ts';
import type { TestDatabase } from '../../support/servers.ts';
import { adminSession, collect, openSource, tableNamed } from './fixture.ts';

const admin = new URL(MYSQL_ADMIN_URL);
const withUrl = (change: (url: URL) => void): string => {
  const url = new URL(admin);
  change(url);
  return url.toString();
};

async function expectOpenError(raw: string, code: ErrorCode, secret?: string): Promise<void> {
  await assert.rejects(mysqlConnector.openSource(parseConnectionUrl(raw)), (error) => {
    assert.ok(isFerryError(error, code), `expected ${code}, got ${String(error)}`);
    assert.ok(error.cause !== undefined);
    if (secret !== undefined) {
      assert.ok(!error.message.includes(secret), error.message);
      assert.ok(!JSON.stringify(error.details).includes(secret));
      assert.match(error.message, /\*\*\*/);
    }
    return true;
  });
}

describe('MySQL source: connection', { skip: await skipUnless('mysql') }, () => {
  it('translates an unreachable port to FERRY_HOST_UNREACHABLE', async () => {
    await expectOpenError('mysql://root:s3cretPw@127.0.0.1:1/test', 'FERRY_HOST_UNREACHABLE', 's3cretPw');
  });

  it('translates a wrong password to FERRY_AUTH_FAILED without printing it', async () => {
    await expectOpenError(
      withUrl((u) => (u.password = 'wr0ngPassw0rd')),
      'FERRY_AUTH_FAILED',
      'wr0ngPassw0rd',
    );
  });

  it('translates an unknown user to FERRY_AUTH_FAILED', async () => {
    await expectOpenError(
      withUrl((u) => {
        u.username = 'no_such_user_x';
        u.password = 'an0therSecret';
      }),
      'FERRY_AUTH_FAILED',
      'an0therSecret',
    );
  });

  it('translates a missing database to FERRY_DATABASE_NOT_FOUND', async () => {
    await expectOpenError(
      withUrl((u) => (u.pathname = '/no_such_database_x')),
      'FERRY_DATABASE_NOT_FOUND',
    );
  });

  it('accepts mariadb:// URLs and says where it is connected, without a password', async () => {
    const source = await mysqlConnector.openSource(
      parseConnectionUrl(withUrl((u) => (u.protocol = 'mariadb:'))),
    );
    try {
      assert.equal(source.dialect, 'mysql');
      assert.match(source.location, /^mariadb:\/\//);
    } finally {
      await source.close();
    }
  });

  it('is a source only: openTarget throws FERRY_TARGET_UNSUPPORTED', async () => {
    assert.equal(mysqlConnector.targetDialect, null);
    await assert.rejects(mysqlConnector.openTarget(parseConnectionUrl(MYSQL_ADMIN_URL)), (error) => {
      assert.ok(isFerryError(error, 'FERRY_TARGET_UNSUPPORTED'));
      assert.match(error.message, /source only/);
      return true;
    });
  });
});

describe('MySQL source: large values', { skip: await skipUnless('mysql') }, () => {
  let db: TestDatabase;
  let conn: Connection;
  let source: SourceConnection;
  let previousPacket = 0;
  let failed = false;
  const size = 64 * 1024 * 1024;

  before(async () => {
    db = await freshDatabase('mysql', 'mysql_large');
    // The reading session is opened first, with the server's default max_allowed_packet (16 MB).
    source = await openSource(db.url);
    conn = await adminSession(db.url);
    const [rows] = await conn.query('SELECT @@GLOBAL.max_allowed_packet AS p');
    previousPacket = Number((rows as { p: string }[])[0]!.p);
    // Writing a 64 MB value needs a larger packet; only sessions opened afterwards see it.
    if (previousPacket < 2 * size) await conn.query(`SET GLOBAL max_allowed_packet = ${2 * size}`);
    await conn.end();
    conn = await adminSession(db.url);
    await conn.query('CREATE TABLE big (id int PRIMARY KEY, data longblob, txt longtext)');
    await conn.query("INSERT INTO big VALUES (1, REPEAT('ab', ? / 2), REPEAT('é', ? / 2))", [size, size]);
  });

  after(async () => {
    if (previousPacket > 0 && previousPacket < 2 * size) {
      await conn?.query(`SET GLOBAL max_allowed_packet = ${previousPacket}`);
    }
    await source?.close();
    await conn?.end();
    await db?.drop(failed);
  });

  it('reads a 64 MB binary value and a 64 MB text value', async () => {
    try {
      const table = await tableNamed(source, 'big');
      const warnings = { invalidUtf8: 0, zeroDates: 0 };
      const range = { key: ['id'], lower: null, upper: null };
      const rows = await collect(
        source.read(table, ['id', 'data', 'txt'], range, { batchRows: 10, batchBytes: 1 << 20 }, warnings),
      );
      assert.equal(rows.length, 1);
      const data = rows[0]![1] as Buffer;
      assert.ok(Buffer.isBuffer(data));
      assert.equal(data.length, size);
      assert.equal(data.subarray(size - 4).toString(), 'abab');
      assert.equal((rows[0]![2] as string).length, size / 2);
      const checksum = await source.checksum(table, ['id', 'data'], range);
      // The row's serialisation exceeds max_allowed_packet, so this is the streaming fallback.
      assert.deepEqual(checksum, checksumOf(rows.map((row) => [row[0]!, row[1]!])));
    } catch (error) {
      failed = true;
      throw error;
    }
  });
});
