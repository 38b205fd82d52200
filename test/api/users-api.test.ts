// The users routes over real HTTP, on a generated crm `small` installation with its planted user
// problems: the list with every field and the free-text filter, plans (one user, a filter, the
// last-administrator refusal), usernames (pick, type, taken → 409) and duplicates, refresh, user
// mappings (one to one: conflicts 409, the same pair again changes nothing), and welcome emails and
// the user summary sent to a real SMTP server. Also: the routes are in the OpenAPI document.

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { buildServer, type FerryServer } from '../../src/api/server.ts';
import { registryProfiles } from '../../src/cli/control-plane-session.ts';
import { problemUsers } from '../../src/profiles/crm/planted-problems.ts';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import type { UsersList } from '../../src/services/users.ts';
import { createOperatorToken, verifyOperatorToken } from '../../src/services/tokens.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { tempDir } from '../support/servers.ts';

interface ErrorBody {
  code: string;
  message: string;
}

const [dupA, dupB] = problemUsers.duplicatePairs[0];

describe('HTTP API: users', () => {
  const dir = tempDir('api-users');
  const received: { to: string[]; raw: string }[] = [];
  let smtp: SMTPServer;
  let smtpPort = 0;
  let store: Store;
  let cp: ControlPlane;
  let server: FerryServer;
  let base = '';
  let token = '';
  let m = '';

  before(async () => {
    await initInstallation({ dir: join(dir.path, 'acme'), size: 'small' });
    store = await openStore({ home: join(dir.path, 'home') });
    cp = { store, profiles: registryProfiles };
    token = (await createOperatorToken(cp, 'users api test')).token;
    server = await buildServer({
      store,
      controlPlane: cp,
      version: '0.0.0-test',
      tokens: { verify: (t) => verifyOperatorToken(cp, t) },
    });
    base = await server.app.listen({ host: '127.0.0.1', port: 0 });
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as AddressInfo).port;
    const created = await ok<{ migration: { id: string } }>(201, 'POST', '/api/v1/migrations', {
      installationPath: join(dir.path, 'acme', 'installation.yaml'),
      profileId: 'crm',
      tenantId: 'acme-users',
    });
    m = created.migration.id;
  });

  after(async () => {
    await server?.close();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    await store?.close();
    dir.remove();
  });

  async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? null : JSON.parse(text)) as T };
  }

  async function ok<T>(status: number, method: string, path: string, body?: unknown): Promise<T> {
    const r = await call<T>(method, path, body);
    assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async function refused(status: number, code: string, method: string, path: string, body?: unknown) {
    const r = await call<ErrorBody>(method, path, body);
    assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.code, code);
    return r.body;
  }

  const users = () => `/api/v1/migrations/${m}/users`;

  it('lists every user with every field, and filters over the shown fields', async () => {
    const list = await ok<UsersList>(200, 'GET', users());
    assert.equal(list.total, 50);
    assert.equal(list.users.length, 50);
    assert.deepEqual(list.plans, ['standard', 'sales', 'service', 'marketing']);
    const first = list.users[0];
    assert.ok(first);
    assert.deepEqual(Object.keys(first).sort(), [
      'emails',
      'group',
      'id',
      'identity',
      'isAdministrator',
      'name',
      'plan',
      'position',
      'problems',
      'sourcePlan',
      'username',
    ]);
    assert.equal(list.readiness.ready, false);
    assert.equal(list.readiness.duplicates.length, problemUsers.duplicatePairs.length);
    const group = list.users.find((u) => u.group !== null)?.group ?? '';
    const filtered = await ok<UsersList>(
      200,
      'GET',
      `${users()}?filter=${encodeURIComponent(group.toUpperCase())}`,
    );
    assert.ok(filtered.users.length > 0 && filtered.users.length < 50);
    assert.ok(filtered.users.every((u) => JSON.stringify(u).toLowerCase().includes(group.toLowerCase())));
    assert.equal(filtered.total, 50);
    const none = await ok<UsersList>(200, 'GET', `${users()}?filter=no-such-text-anywhere`);
    assert.equal(none.users.length, 0);
    await refused(404, 'FERRY_MIGRATION_NOT_FOUND', 'GET', '/api/v1/migrations/m-nope/users');
  });

  it('assigns plans to one user or to every user matching a filter, and keeps an administrator', async () => {
    const one = await ok<{ plan: string | null; matched: number }>(200, 'PUT', `${users()}/13/plan`, {
      plan: 'Marketing',
    });
    assert.deepEqual([one.plan, one.matched], ['marketing', 1]);
    const bulk = await ok<{ matched: number; users: { plan: string | null }[] }>(
      200,
      'PUT',
      `${users()}/plan`,
      {
        filter: 'support',
        plan: 'service',
      },
    );
    assert.ok(bulk.matched > 1 && bulk.users.every((u) => u.plan === 'service'));
    const none = await ok<{ plan: string | null }>(200, 'PUT', `${users()}/13/plan`, { plan: 'none' });
    assert.equal(none.plan, null);
    await refused(400, 'FERRY_INVALID_ARGUMENT', 'PUT', `${users()}/13/plan`, { plan: 'platinum' });
    await refused(400, 'FERRY_INVALID_ARGUMENT', 'PUT', `${users()}/13/plan`, {});
    await refused(404, 'FERRY_USER_NOT_FOUND', 'PUT', `${users()}/nobody/plan`, { plan: 'sales' });
    const last = await refused(409, 'FERRY_USERS_NOT_READY', 'PUT', `${users()}/plan`, {
      filter: 'administrator',
      plan: 'none',
    });
    assert.match(last.message, /would leave no administrator with a plan/);
  });

  it('sets usernames (pick or type), refuses a taken one with 409, and lists the duplicates', async () => {
    const before = await ok<{ duplicates: { username: string; users: { id: string }[] }[] }>(
      200,
      'GET',
      `${users()}/duplicates`,
    );
    assert.equal(before.duplicates.length, problemUsers.duplicatePairs.length);
    assert.ok(before.duplicates.some((d) => d.users.some((u) => u.id === String(dupA))));
    const a = (await ok<UsersList>(200, 'GET', users())).users.find((u) => u.id === String(dupA));
    assert.ok(a && a.emails.length === 2);
    const picked = await ok<{ user: { username: string; problems: string[] } }>(
      200,
      'PUT',
      `${users()}/${dupA}/username`,
      { pick: 2 },
    );
    assert.equal(picked.user.username, a.emails[1]);
    assert.deepEqual(picked.user.problems, []);
    const after = await ok<{ duplicates: { users: { id: string }[] }[] }>(
      200,
      'GET',
      `${users()}/duplicates`,
    );
    assert.equal(after.duplicates.length, before.duplicates.length - 1);
    assert.ok(!after.duplicates.some((d) => d.users.some((u) => u.id === String(dupB))));
    const taken = await refused(409, 'FERRY_USERNAME_TAKEN', 'PUT', `${users()}/15/username`, {
      email: (a.emails[1] ?? '').toUpperCase(),
    });
    assert.match(taken.message, new RegExp(`username of ${dupA} `));
    await refused(400, 'FERRY_INVALID_ARGUMENT', 'PUT', `${users()}/15/username`, { email: 'hiroshi(at)x' });
    await refused(400, 'FERRY_INVALID_ARGUMENT', 'PUT', `${users()}/${dupA}/username`, { pick: 3 });
    const typed = await ok<{ user: { username: string } }>(200, 'PUT', `${users()}/15/username`, {
      email: 'hiroshi.vik@acme.example',
    });
    assert.equal(typed.user.username, 'hiroshi.vik@acme.example');
  });

  it('maps users to cloud identities one to one: idempotent, conflicts are 409', async () => {
    const path = `/api/v1/migrations/${m}/user-mappings`;
    const first = await ok<{ changed: boolean; mapping: { userId: string; identity: string } }>(
      200,
      'PUT',
      `${path}/1`,
      { identity: 'lars@acme.onmicrosoft.example' },
    );
    assert.equal(first.changed, true);
    const again = await ok<{ changed: boolean }>(200, 'PUT', `${path}/1`, {
      identity: 'LARS@acme.onmicrosoft.example',
    });
    assert.equal(again.changed, false, 'the same pair (identities compare case-insensitively)');
    const otherUser = await refused(409, 'FERRY_USER_MAPPING_CONFLICT', 'PUT', `${path}/2`, {
      identity: 'lars@acme.onmicrosoft.example',
    });
    assert.match(otherUser.message, /already mapped to user 1/);
    await refused(409, 'FERRY_USER_MAPPING_CONFLICT', 'PUT', `${path}/1`, { identity: 'other@acme.example' });
    await refused(404, 'FERRY_USER_NOT_FOUND', 'PUT', `${path}/nobody`, { identity: 'x@acme.example' });
    const listed = await ok<{ userId: string; identity: string }[]>(200, 'GET', path);
    assert.deepEqual(
      listed.map((x) => [x.userId, x.identity]),
      [['1', 'lars@acme.onmicrosoft.example']],
    );
    const shown = (await ok<UsersList>(200, 'GET', `${users()}?filter=onmicrosoft`)).users;
    assert.deepEqual(
      shown.map((u) => [u.id, u.identity]),
      [['1', 'lars@acme.onmicrosoft.example']],
    );
    assert.deepEqual(await ok(200, 'DELETE', `${path}/1`), { removed: true });
    assert.deepEqual(await ok(200, 'DELETE', `${path}/1`), { removed: false });
    assert.deepEqual(await ok(200, 'GET', path), []);
  });

  it('reloads the users from the source, keeping the chosen plans and usernames', async () => {
    const r = await ok<{ added: string[]; removed: string[]; total: number }>(
      200,
      'POST',
      `${users()}/refresh`,
    );
    assert.deepEqual([r.added, r.removed, r.total], [[], [], 50]);
    const u15 = (await ok<UsersList>(200, 'GET', users())).users.find((u) => u.id === '15');
    assert.equal(u15?.username, 'hiroshi.vik@acme.example');
  });

  it('sends the welcome emails and the user summary to a real SMTP server; the password is never shown', async () => {
    const options = `${users()}/email-options`;
    const defaults = await ok<{ sendWelcomeEmails: boolean; transport: string }>(200, 'GET', options);
    assert.deepEqual([defaults.sendWelcomeEmails, defaults.transport], [false, 'outbox']);
    await refused(400, 'FERRY_INVALID_ARGUMENT', 'PUT', options, { sendUserSummary: true });
    const set = await call<Record<string, unknown>>('PUT', options, {
      sendWelcomeEmails: true,
      sendUserSummary: true,
      migratorEmail: 'migrator@vendor.example',
      smtpUrl: `smtp://mailer:s3cret-pw@127.0.0.1:${smtpPort}`,
    });
    assert.equal(set.status, 200);
    assert.deepEqual(set.body, {
      sendWelcomeEmails: true,
      sendUserSummary: true,
      migratorEmail: 'migrator@vendor.example',
      transport: 'smtp',
      destination: `smtp://127.0.0.1:${smtpPort}`,
    });
    assert.ok(!JSON.stringify(set.body).includes('s3cret'));
    // The SMTP server here takes no AUTH: send without credentials.
    await ok(200, 'PUT', options, { smtpUrl: `smtp://127.0.0.1:${smtpPort}` });
    const list = await ok<UsersList>(200, 'GET', users());
    const welcomed = list.users.filter(
      (u) => u.plan !== null && u.username !== null && u.problems.length === 0,
    );
    const sent = await ok<{
      welcome: { sent: number; alreadySent: number; failed: number };
      summarySent: boolean;
      failures: unknown[];
    }>(200, 'POST', `${users()}/emails`);
    assert.equal(sent.welcome.sent, welcomed.length);
    assert.deepEqual([sent.welcome.failed, sent.summarySent, sent.failures], [0, true, []]);
    assert.equal(received.length, welcomed.length + 1);
    const summary = received.find((r) => r.to.includes('migrator@vendor.example'));
    assert.ok(summary);
    assert.match(summary.raw, /User summary for migration/);
    for (const u of welcomed)
      assert.ok(
        received.some((r) => r.to.includes(u.username ?? '')),
        u.id,
      );
    const again = await ok<{ welcome: { sent: number; alreadySent: number } }>(
      200,
      'POST',
      `${users()}/emails`,
    );
    assert.deepEqual([again.welcome.sent, again.welcome.alreadySent], [0, welcomed.length]);
  });

  it('publishes the users routes in the OpenAPI document', async () => {
    const doc = await ok<{ paths: Record<string, Record<string, unknown>> }>(
      200,
      'GET',
      '/api/v1/openapi.json',
    );
    for (const [path, method] of [
      ['/api/v1/migrations/{migrationId}/users', 'get'],
      ['/api/v1/migrations/{migrationId}/users/{userId}/plan', 'put'],
      ['/api/v1/migrations/{migrationId}/users/plan', 'put'],
      ['/api/v1/migrations/{migrationId}/users/{userId}/username', 'put'],
      ['/api/v1/migrations/{migrationId}/users/duplicates', 'get'],
      ['/api/v1/migrations/{migrationId}/users/refresh', 'post'],
      ['/api/v1/migrations/{migrationId}/users/email-options', 'put'],
      ['/api/v1/migrations/{migrationId}/users/emails', 'post'],
      ['/api/v1/migrations/{migrationId}/user-mappings/{userId}', 'put'],
      ['/api/v1/migrations/{migrationId}/user-mappings/{userId}', 'delete'],
      ['/api/v1/migrations/{migrationId}/checks/{checkId}/fix', 'post'],
      ['/api/v1/migrations/{migrationId}/companies/initializations', 'post'],
    ] as const)
      assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is documented`);
  });
});
