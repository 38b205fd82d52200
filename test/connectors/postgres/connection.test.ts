import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseConnectionUrl } from '../../../src/connectors/connection-url.ts';
import { postgresConnector } from '../../../src/connectors/postgres/index.ts';
import { isFerryError, type ErrorCode } from '../../../src/domain/errors.ts';
import { POSTGRES_ADMIN_URL, freshDatabase, skipUnless, type TestDatabase } from '../../support/servers.ts';
import { adminQuery } from './fixture.ts';

const SECRET = 'hunter2-very-secret';

function expectCode(code: ErrorCode) {
  return (error: unknown) => {
    assert.ok(isFerryError(error, code), `expected ${code}, got ${String(error)}`);
    assert.ok(!error.message.includes(SECRET), 'the password leaked into the message');
    assert.ok(!JSON.stringify(error.details).includes(SECRET), 'the password leaked into the details');
    return true;
  };
}

describe('postgres connection', { skip: await skipUnless('postgres') }, () => {
  let db: TestDatabase;
  const base = new URL(POSTGRES_ADMIN_URL);

  before(async () => {
    db = await freshDatabase('postgres', 'pg_conn');
    // Login with a password is refused even on a trust server when the role does not exist or may not log in.
    await adminQuery(
      db.url,
      `DROP ROLE IF EXISTS ferry_nologin; CREATE ROLE ferry_nologin NOLOGIN PASSWORD '${SECRET}'`,
    );
  });

  after(async () => {
    await adminQuery(db.url, 'DROP ROLE IF EXISTS ferry_nologin').catch(() => undefined);
    await db?.drop();
  });

  it('reports an unreachable port as FERRY_HOST_UNREACHABLE', async () => {
    await assert.rejects(
      () =>
        postgresConnector.openSource(parseConnectionUrl(`postgres://postgres:${SECRET}@127.0.0.1:1/test`)),
      expectCode('FERRY_HOST_UNREACHABLE'),
    );
  });

  it('reports a wrong user or password as FERRY_AUTH_FAILED without the password', async () => {
    await assert.rejects(
      () =>
        postgresConnector.openSource(
          parseConnectionUrl(`postgres://no_such_user_x:${SECRET}@${base.host}/${db.name}`),
        ),
      expectCode('FERRY_AUTH_FAILED'),
    );
    await assert.rejects(
      () =>
        postgresConnector.openTarget(
          parseConnectionUrl(`postgres://ferry_nologin:${SECRET}@${base.host}/${db.name}`),
        ),
      expectCode('FERRY_AUTH_FAILED'),
    );
  });

  it('reports a missing database as FERRY_DATABASE_NOT_FOUND', async () => {
    await assert.rejects(
      () =>
        postgresConnector.openSource(
          parseConnectionUrl(`postgres://postgres:${SECRET}@${base.host}/no_such_db_x`),
        ),
      expectCode('FERRY_DATABASE_NOT_FOUND'),
    );
  });

  it('opens sessions in UTC with ISO dates, and openTarget creates the schema', async () => {
    const url = parseConnectionUrl(`${db.url}?schema=${encodeURIComponent('New Tenant')}`);
    const target = await postgresConnector.openTarget(url);
    try {
      assert.equal(target.location.includes(SECRET), false);
      assert.equal(target.maxConcurrentWriters, 8);
      const again = await postgresConnector.openTarget(url);
      await again.close();
      const { rows } = await adminQuery(db.url, `SELECT 1 FROM pg_namespace WHERE nspname = 'New Tenant'`);
      assert.equal(rows.length, 1);
    } finally {
      await target.close();
    }
  });
});
