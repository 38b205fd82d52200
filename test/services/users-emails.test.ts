// Welcome emails and the user summary, sent for real: to an SMTP server started here (the
// `smtp-server` package on a random loopback port, auth disabled) and read back as it arrived, and
// into the outbox folder as .eml files that parse. The SMTP URL's password is never shown.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { isFerryError } from '../../src/domain/errors.ts';
import { isValidEmail } from '../../src/profiles/email-address.ts';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import { profileById } from '../../src/profiles/registry.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { createMigration } from '../../src/services/migrations.ts';
import { listUsers, type MigrationUser } from '../../src/services/users.ts';
import {
  getUserEmailOptions,
  outboxFolder,
  sendUserEmails,
  setUserEmailOptions,
} from '../../src/services/welcome-emails.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { tempDir } from '../support/servers.ts';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

/** A parsed RFC 822 message: unfolded headers (lower-case names) and the decoded text body. */
function parseMessage(raw: string): { headers: Map<string, string>; body: string } {
  const split = /\r?\n\r?\n/.exec(raw);
  assert.ok(split !== null, 'a message has a header block and a body');
  const head = raw.slice(0, split.index).replace(/\r?\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  let body = raw.slice(split.index + split[0].length);
  const encoding = headers.get('content-transfer-encoding')?.toLowerCase();
  if (encoding === 'quoted-printable') {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => `%${hex}`)
      .replace(/%(?![0-9A-F]{2})/gi, '%25');
    body = decodeURIComponent(bytes.replace(/[^\x20-\x7e\r\n%]/g, encodeURIComponent));
  } else if (encoding === 'base64') {
    body = Buffer.from(body, 'base64').toString('utf8');
  }
  return { headers, body: body.replace(/\r\n/g, '\n') };
}

const dir = tempDir('users-emails');
const received: Received[] = [];
let smtp: SMTPServer;
let port = 0;
let store: Store;
let cp: ControlPlane;
let tenants = 0;

before(async () => {
  await initInstallation({ dir: join(dir.path, 'acme'), size: 'small' });
  store = await openStore({ home: join(dir.path, 'home') });
  cp = { store, profiles: profileById };
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom;
        received.push({
          from: from === false ? '' : from.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  port = (smtp.server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await store.close();
  dir.remove();
});

async function newMigration(): Promise<string> {
  const v = await createMigration(cp, {
    installationPath: join(dir.path, 'acme', 'installation.yaml'),
    profileId: 'crm',
    tenantId: `mail-${++tenants}`,
  });
  return v.migration.id;
}

/** Users a welcome email must reach: a plan and a valid username nobody else with a plan has. */
function welcomed(users: MigrationUser[]): MigrationUser[] {
  return users.filter(
    (u) => u.plan !== null && u.username !== null && isValidEmail(u.username) && u.problems.length === 0,
  );
}

describe('welcome emails and the user summary over SMTP', () => {
  let m = '';

  it('stores the options and never shows the SMTP password', async () => {
    m = await newMigration();
    const defaults = await getUserEmailOptions(cp, m);
    assert.deepEqual(
      { ...defaults, destination: undefined },
      {
        sendWelcomeEmails: false,
        sendUserSummary: false,
        migratorEmail: null,
        transport: 'outbox',
        destination: undefined,
      },
    );
    assert.equal(defaults.destination, outboxFolder(cp, m));
    const secret = await setUserEmailOptions(cp, m, {
      smtpUrl: `smtp://mailer:Sup3rS3cret@127.0.0.1:${port}`,
    });
    assert.equal(secret.destination, `smtp://127.0.0.1:${port}`);
    assert.doesNotMatch(JSON.stringify(secret), /Sup3rS3cret|mailer/);
    await assert.rejects(
      setUserEmailOptions(cp, m, { sendUserSummary: true }),
      (e) => isFerryError(e, 'FERRY_INVALID_ARGUMENT') && /--migrator/.test(e.message),
    );
    await assert.rejects(setUserEmailOptions(cp, m, { migratorEmail: 'not-an-email' }), (e) =>
      isFerryError(e, 'FERRY_INVALID_ARGUMENT'),
    );
    await assert.rejects(setUserEmailOptions(cp, m, { smtpUrl: 'http://mail.example' }), (e) =>
      isFerryError(e, 'FERRY_INVALID_ARGUMENT'),
    );
  });

  it('refuses an unreachable SMTP server with FERRY_EMAIL_FAILED, without the password', async () => {
    await setUserEmailOptions(cp, m, {
      sendWelcomeEmails: true,
      smtpUrl: 'smtp://mailer:Sup3rS3cret@127.0.0.1:1',
    });
    await assert.rejects(
      sendUserEmails(cp, m),
      (e) =>
        isFerryError(e, 'FERRY_EMAIL_FAILED') &&
        e.message.includes('smtp://127.0.0.1:1') &&
        !e.message.includes('Sup3rS3cret'),
    );
  });

  it('sends a welcome email to each user with a plan and a summary to the migrator', async () => {
    await setUserEmailOptions(cp, m, {
      sendWelcomeEmails: true,
      sendUserSummary: true,
      migratorEmail: 'migrator@vendor.example',
      smtpUrl: `smtp://127.0.0.1:${port}`,
    });
    received.length = 0;
    const { users } = await listUsers(cp, m);
    const expected = welcomed(users);
    assert.ok(expected.length > 20);
    const result = await sendUserEmails(cp, m);
    assert.equal(result.transport, 'smtp');
    assert.equal(result.destination, `smtp://127.0.0.1:${port}`);
    // Users 15 and 25 have no valid username; the three planted pairs share one: 8 skipped.
    assert.deepEqual(result.welcome, { sent: expected.length, alreadySent: 0, skipped: 8, failed: 0 });
    assert.equal(result.summarySent, true);
    assert.equal(received.length, expected.length + 1);

    for (const user of expected) {
      const mail = received.find((r) => r.to.length === 1 && r.to[0] === user.username);
      assert.ok(mail !== undefined, `a welcome email reached ${user.username}`);
      assert.equal(mail.from, 'migrator@vendor.example');
      const { headers, body } = parseMessage(mail.raw);
      assert.match(headers.get('subject') ?? '', /^Welcome to .+ \(tenant mail-1\)$/);
      assert.match(body, new RegExp(`Username: ${user.username?.replace(/[.+]/g, '\\$&')}`));
      assert.match(body, new RegExp(`Plan: +${user.plan}`));
      assert.ok(body.includes(user.name), `the body greets ${user.name}`);
      assert.equal(body.includes('You are an administrator'), user.isAdministrator);
    }
    const summary = received.find((r) => r.to[0] === 'migrator@vendor.example');
    assert.ok(summary !== undefined);
    const parsed = parseMessage(summary.raw);
    const withPlan = users.filter((u) => u.plan !== null).length;
    assert.equal(
      parsed.headers.get('subject'),
      `User summary for migration ${m}: ${withPlan} users with a plan`,
    );
    assert.match(parsed.body, new RegExp(`Users without a plan \\(${users.length - withPlan}\\)`));
    assert.match(parsed.body, new RegExp(`Welcome emails: ${expected.length} sent`));
    const first = users[0];
    assert.ok(first?.username);
    assert.ok(parsed.body.includes(`username ${first.username}`));
  });

  it('welcomes nobody twice at the same username', async () => {
    received.length = 0;
    const again = await sendUserEmails(cp, m);
    assert.equal(again.welcome?.sent, 0);
    assert.ok((again.welcome?.alreadySent ?? 0) > 20);
    assert.deepEqual(
      received.map((r) => r.to),
      [['migrator@vendor.example']],
    );
  });

  it('sends nothing when both are turned off', async () => {
    await setUserEmailOptions(cp, m, { sendWelcomeEmails: false, sendUserSummary: false });
    received.length = 0;
    const result = await sendUserEmails(cp, m);
    assert.deepEqual(result, {
      transport: 'smtp',
      destination: null,
      welcome: null,
      summarySent: false,
      failures: [],
    });
    assert.equal(received.length, 0);
  });
});

describe('welcome emails in the outbox (embedded default)', () => {
  it('writes one parseable .eml file per message into <home>/outbox/<migration>/', async () => {
    const m = await newMigration();
    await setUserEmailOptions(cp, m, {
      sendWelcomeEmails: true,
      sendUserSummary: true,
      migratorEmail: 'migrator@vendor.example',
    });
    received.length = 0;
    const result = await sendUserEmails(cp, m);
    const folder = outboxFolder(cp, m);
    assert.equal(result.transport, 'outbox');
    assert.equal(result.destination, folder);
    const files = readdirSync(folder).filter((f) => f.endsWith('.eml'));
    const sent = result.welcome?.sent ?? 0;
    assert.equal(files.length, sent + 1);
    assert.equal(received.length, 0, 'nothing went over SMTP');
    const { users } = await listUsers(cp, m);
    const byUsername = new Map(welcomed(users).map((u) => [u.username, u]));
    let welcomes = 0;
    for (const file of files) {
      const raw = readFileSync(join(folder, file), 'utf8');
      const { headers, body } = parseMessage(raw);
      assert.ok(headers.has('message-id') && headers.has('date') && headers.has('mime-version'), file);
      const to = /<([^>]+)>|^(\S+@\S+)$/.exec(headers.get('to') ?? '');
      const address = to?.[1] ?? to?.[2] ?? '';
      if (file.includes('user-summary')) {
        assert.equal(address, 'migrator@vendor.example');
        assert.match(body, /Users with a plan/);
        continue;
      }
      const user = byUsername.get(address);
      assert.ok(user !== undefined, `${file} goes to a user with a plan (${address})`);
      assert.match(body, new RegExp(`Plan: +${user.plan}`));
      assert.ok(body.includes(`Username: ${address}`));
      welcomes++;
    }
    assert.equal(welcomes, byUsername.size);
  });
});

describe('the SMTP password at rest', () => {
  const password = 'Sup3r S3cret/%:@pw';
  const logins: { username: string; password: string }[] = [];
  let auth: SMTPServer;
  let authPort = 0;

  before(async () => {
    auth = new SMTPServer({
      authMethods: ['PLAIN', 'LOGIN'],
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth(a, _session, callback) {
        logins.push({ username: a.username ?? '', password: a.password ?? '' });
        if (a.username === 'mailer' && a.password === password) callback(null, { user: 'mailer' });
        else callback(new Error('535 authentication failed'));
      },
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => callback());
      },
    });
    await new Promise<void>((resolve) => auth.listen(0, '127.0.0.1', resolve));
    authPort = (auth.server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => auth.close(() => resolve())));

  const smtpUrl = () => `smtp://mailer:${encodeURIComponent(password)}@127.0.0.1:${authPort}`;

  async function storedSettings(migrationId: string): Promise<Record<string, unknown>> {
    const row = await store.kysely
      .selectFrom('migration_user_settings')
      .selectAll()
      .where('migration_id', '=', migrationId)
      .executeTakeFirstOrThrow();
    return row as Record<string, unknown>;
  }

  it('is stored sealed, never in the URL, and is unsealed to log in to the SMTP server', async () => {
    const m = await newMigration();
    await setUserEmailOptions(cp, m, {
      sendUserSummary: true,
      migratorEmail: 'migrator@vendor.example',
      smtpUrl: smtpUrl(),
    });
    const row = await storedSettings(m);
    assert.equal(row.smtp_url, `smtp://mailer@127.0.0.1:${authPort}`);
    assert.match(String(row.smtp_password_sealed), /^ferry-sealed:v1:[0-9a-f]{8}:/);
    const raw = JSON.stringify(row);
    assert.ok(!raw.includes('S3cret') && !raw.includes(encodeURIComponent(password)), raw);
    const { statSync } = await import('node:fs');
    assert.equal(statSync(join(store.home, 'secrets.key')).mode & 0o777, 0o600);

    logins.length = 0;
    const result = await sendUserEmails(cp, m);
    assert.equal(result.summarySent, true, JSON.stringify(result.failures));
    // nodemailer logs in to verify the connection, then for the pooled send: each with the password.
    assert.ok(logins.length > 0);
    assert.deepEqual(
      new Set(logins.map((l) => JSON.stringify(l))),
      new Set([JSON.stringify({ username: 'mailer', password })]),
    );
    assert.ok(!JSON.stringify(await getUserEmailOptions(cp, m)).includes('S3cret'));
  });

  it('seals a password stored in the URL before store migration 0012 the next time it is read', async () => {
    const m = await newMigration();
    await setUserEmailOptions(cp, m, { sendWelcomeEmails: false });
    await store.kysely
      .updateTable('migration_user_settings')
      .set({ smtp_url: smtpUrl(), smtp_password_sealed: null })
      .where('migration_id', '=', m)
      .execute();
    const options = await getUserEmailOptions(cp, m);
    assert.equal(options.destination, `smtp://127.0.0.1:${authPort}`);
    const row = await storedSettings(m);
    assert.equal(row.smtp_url, `smtp://mailer@127.0.0.1:${authPort}`);
    assert.ok(!JSON.stringify(row).includes('S3cret'));
    await setUserEmailOptions(cp, m, { sendUserSummary: true, migratorEmail: 'migrator@vendor.example' });
    logins.length = 0;
    assert.equal((await sendUserEmails(cp, m)).summarySent, true);
    assert.ok(logins.length > 0 && logins.every((l) => l.username === 'mailer' && l.password === password));
  });

  it('refuses to send with another secrets key, with FERRY_SECRET_UNREADABLE and no secret in the message', async () => {
    const m = await newMigration();
    await setUserEmailOptions(cp, m, {
      sendUserSummary: true,
      migratorEmail: 'migrator@vendor.example',
      smtpUrl: smtpUrl(),
    });
    const previous = process.env.FERRY_SECRETS_KEY;
    process.env.FERRY_SECRETS_KEY = 'ab'.repeat(32);
    try {
      await assert.rejects(
        sendUserEmails(cp, m),
        (e) =>
          isFerryError(e, 'FERRY_SECRET_UNREADABLE') &&
          /sealed with another secrets key/.test(e.message) &&
          !e.message.includes('S3cret'),
      );
    } finally {
      if (previous === undefined) delete process.env.FERRY_SECRETS_KEY;
      else process.env.FERRY_SECRETS_KEY = previous;
    }
  });
});
