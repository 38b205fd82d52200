// A migration's users on both stores (a SQLite file and a fresh PostgreSQL database), on a
// generated crm `small` installation with its planted user problems: listing and the free-text
// filter, plans, usernames, the readiness gate before a run, refresh, and user mappings.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isFerryError, type ErrorCode } from '../../src/domain/errors.ts';
import { problemUsers } from '../../src/profiles/crm/planted-problems.ts';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import { profileById } from '../../src/profiles/registry.ts';
import type { ControlPlane } from '../../src/services/control-plane.ts';
import { abandon } from '../../src/services/migration-lifecycle.ts';
import { createMigration } from '../../src/services/migrations.ts';
import { listUserMappings, mapUser, unmapUser } from '../../src/services/user-mappings.ts';
import { assignPlan } from '../../src/services/user-plans.ts';
import { usersReadiness } from '../../src/services/user-readiness.ts';
import { listDuplicateUsernames, setUsername } from '../../src/services/usernames.ts';
import {
  assertUsersReady,
  listUsers,
  refreshUsers,
  shownFields,
  userListColumns,
} from '../../src/services/users.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { freshDatabase, skipUnless, tempDir, type TestDatabase } from '../support/servers.ts';

const dir = tempDir('users');
let installation = '';

before(async () => {
  await initInstallation({ dir: join(dir.path, 'acme'), size: 'small' });
  installation = join(dir.path, 'acme', 'installation.yaml');
});
after(() => dir.remove());

async function rejects(promise: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<Error> {
  let caught: unknown = null;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(isFerryError(caught, code), `expected ${code}, got ${String(caught)}`);
  if (message !== undefined) assert.match(caught.message, message);
  return caught;
}

const [dupA, dupB] = problemUsers.duplicatePairs[0];

function usersOn(storeKind: 'sqlite' | 'postgres'): void {
  let store: Store;
  let cp: ControlPlane;
  let pgDb: TestDatabase | null = null;
  let m = '';
  let tenantCount = 0;

  before(async () => {
    const home = join(dir.path, `home-${storeKind}`);
    if (storeKind === 'postgres') {
      pgDb = await freshDatabase('postgres', 'users_store');
      store = await openStore({ url: pgDb.url, home });
    } else {
      store = await openStore({ home });
    }
    cp = { store, profiles: profileById };
  });
  after(async () => {
    await store.close();
    await pgDb?.drop();
  });

  async function newMigration(): Promise<string> {
    const v = await createMigration(cp, {
      installationPath: installation,
      profileId: 'crm',
      tenantId: `acme-${storeKind.slice(0, 2)}-${++tenantCount}`,
    });
    return v.migration.id;
  }

  it('loads every user with every field from the source the first time they are needed', async () => {
    m = await newMigration();
    const list = await listUsers(cp, m);
    assert.equal(list.total, 50);
    assert.equal(list.users.length, 50);
    assert.deepEqual(list.plans, ['standard', 'sales', 'service', 'marketing']);
    const first = list.users[0];
    assert.ok(first !== undefined);
    assert.equal(first.id, '1');
    assert.equal(first.isAdministrator, true);
    assert.equal(first.plan, first.sourcePlan);
    assert.equal(first.username, first.emails[0]);
    // The planted user without any email, and the one with only an invalid one: no username.
    const noEmail = list.users.find((u) => u.id === String(problemUsers.noEmail));
    const invalid = list.users.find((u) => u.id === String(problemUsers.invalidEmail));
    assert.deepEqual(noEmail?.emails, []);
    assert.equal(noEmail?.username, null);
    assert.deepEqual(noEmail?.problems, ['no username']);
    assert.equal(invalid?.username, null);
    assert.match(invalid?.emails[0] ?? '', /\(at\)/);
  });

  it('reports the planted duplicates and users without a valid email as not ready, naming them', async () => {
    const list = await listUsers(cp, m);
    assert.equal(list.readiness.ready, false);
    assert.equal(list.readiness.duplicates.length, problemUsers.duplicatePairs.length);
    assert.deepEqual(
      list.readiness.duplicates.map((d) => d.users.map((u) => u.id)),
      problemUsers.duplicatePairs.map((p) => p.map(String)),
    );
    assert.deepEqual(
      list.readiness.withoutValidUsername.map((u) => u.id),
      [String(problemUsers.noEmail), String(problemUsers.invalidEmail)],
    );
    const error = await rejects(assertUsersReady(cp, m), 'FERRY_USERS_NOT_READY');
    assert.match(error.message, /2 user\(s\) with a plan have no valid username: 15 \(.+\), 25 \(/);
    assert.match(error.message, /3 username\(s\) are used by more than one user with a plan/);
    assert.match(error.message, new RegExp(`is used by ${dupA} \\(.+\\), ${dupB} \\(`));
    const dups = await listDuplicateUsernames(cp, m);
    assert.equal(dups.duplicates.length, 3);
    assert.ok((dups.duplicates[0]?.users[0]?.emails.length ?? 0) >= 1);
  });

  it('filters case-insensitively over every shown field, every word must match', async () => {
    const all = (await listUsers(cp, m)).users;
    const u = all.find((x) => x.group !== null && x.position !== null);
    assert.ok(u?.group && u.position);
    const byGroup = await listUsers(cp, m, { filter: u.group.toUpperCase() });
    assert.ok(byGroup.users.length > 0);
    const needle = u.group.toLowerCase();
    assert.ok(byGroup.users.every((x) => shownFields(x).some((f) => f?.toLowerCase().includes(needle))));
    assert.ok(byGroup.users.some((x) => x.group === u.group));
    assert.equal(byGroup.total, 50);
    const byEmail = await listUsers(cp, m, { filter: 'PRIVATE.example' });
    assert.deepEqual(
      byEmail.users.map((x) => x.id),
      all.filter((x) => x.emails.some((e) => e.includes('private.example'))).map((x) => x.id),
    );
    const admins = await listUsers(cp, m, { filter: 'administrator' });
    assert.deepEqual(
      admins.users.map((x) => x.id),
      all.filter((x) => x.isAdministrator).map((x) => x.id),
    );
    const both = await listUsers(cp, m, { filter: `${u.name.split(' ')[0]} ${u.group}` });
    assert.ok(both.users.some((x) => x.id === u.id));
    assert.ok(both.users.length <= byGroup.users.length);
    assert.equal((await listUsers(cp, m, { filter: 'no-such-text-anywhere' })).users.length, 0);
  });

  it('searches exactly the columns a list shows: any shown cell finds its user, nothing unshown does', async () => {
    const all = (await listUsers(cp, m)).users;
    const user = all.find((x) => x.group !== null && x.position !== null && x.emails.length > 1);
    assert.ok(user !== undefined);
    for (const column of userListColumns) {
      const cell = column.value(user);
      if (cell === null) continue;
      const found = await listUsers(cp, m, { filter: cell });
      assert.ok(
        found.users.some((x) => x.id === user.id),
        `${column.header} "${cell}" finds ${user.id}`,
      );
    }
    // A user's problems name other users; they are not a column, so they are not searched.
    const [a] = problemUsers.duplicatePairs[0];
    const withProblem = all.find((x) => x.id === String(a));
    assert.ok(withProblem?.problems.some((p) => p.startsWith('username also used by')));
    assert.equal((await listUsers(cp, m, { filter: 'also used by' })).users.length, 0);
    assert.deepEqual(
      userListColumns.map((c) => c.header),
      ['ID', 'NAME', 'ROLE', 'PLAN', 'USERNAME', 'GROUP', 'POSITION', 'EMAILS', 'IDENTITY'],
    );
  });

  it('assigns a plan or none to one user or every user matching a filter', async () => {
    const one = await assignPlan(cp, m, { userId: '13' }, 'Marketing');
    assert.equal(one.plan, 'marketing');
    assert.equal(one.matched, 1);
    assert.equal(
      (await listUsers(cp, m, { filter: '' })).users.find((u) => u.id === '13')?.plan,
      'marketing',
    );
    const group = (await listUsers(cp, m)).users.find((u) => u.group === 'Support')?.group ?? 'Support';
    const bulk = await assignPlan(cp, m, { filter: group.toLowerCase() }, 'service');
    assert.ok(bulk.matched > 1);
    assert.ok(bulk.users.every((u) => u.plan === 'service'));
    const none = await assignPlan(cp, m, { userId: '13' }, 'none');
    assert.equal(none.plan, null);
    await rejects(
      assignPlan(cp, m, { userId: '13' }, 'platinum'),
      'FERRY_INVALID_ARGUMENT',
      /standard, sales/,
    );
    await rejects(assignPlan(cp, m, { userId: 'nobody' }, 'sales'), 'FERRY_USER_NOT_FOUND');
  });

  it('refuses a plan change that would leave no administrator with a plan', async () => {
    await rejects(
      assignPlan(cp, m, { filter: 'administrator' }, 'none'),
      'FERRY_USERS_NOT_READY',
      /would leave no administrator with a plan/,
    );
    const admins = (await listUsers(cp, m, { filter: 'administrator' })).users;
    assert.ok(
      admins.every((a) => a.plan !== null),
      'nothing changed',
    );
  });

  it('sets usernames by picking an email or typing one; invalid and taken ones are refused', async () => {
    const a = (await listUsers(cp, m)).users.find((u) => u.id === String(dupA));
    assert.ok(a !== undefined && a.emails.length === 2, 'the first user of a pair has a second address');
    const picked = await setUsername(cp, m, String(dupA), { pick: 2 });
    assert.equal(picked.user.username, a.emails[1]);
    assert.deepEqual(picked.user.problems, []);
    await rejects(
      setUsername(cp, m, String(dupA), { pick: 3 }),
      'FERRY_INVALID_ARGUMENT',
      /--pick must be 1 to 2/,
    );
    await rejects(
      setUsername(cp, m, '15', { email: 'hiroshi(at)example' }),
      'FERRY_INVALID_ARGUMENT',
      /not a valid email/,
    );
    await rejects(setUsername(cp, m, '15', { email: 'hiroshi@nodot' }), 'FERRY_INVALID_ARGUMENT');
    const taken = a.emails[1]?.toUpperCase() ?? '';
    await rejects(
      setUsername(cp, m, '15', { email: taken }),
      'FERRY_USERNAME_TAKEN',
      new RegExp(`username of ${dupA} `),
    );
    // A user without a plan may share an address: it matters only with a plan.
    const free = await setUsername(cp, m, '13', { email: taken });
    assert.equal(free.user.username, taken);
  });

  it('is ready once every user with a plan has a unique valid username', async () => {
    await setUsername(cp, m, '15', { email: 'hiroshi.vik@acme.example' });
    await setUsername(cp, m, '25', { email: 'yuki.zimmermann@acme.example' });
    const [[, b2], [, b3]] = [problemUsers.duplicatePairs[1], problemUsers.duplicatePairs[2]];
    await setUsername(cp, m, String(b2), { email: `user${b2}@acme.example` });
    await rejects(assertUsersReady(cp, m), 'FERRY_USERS_NOT_READY', /1 username\(s\)/);
    await assignPlan(cp, m, { userId: String(b3) }, 'none');
    const readiness = (await listUsers(cp, m)).readiness;
    assert.deepEqual(readiness.problems, []);
    await assertUsersReady(cp, m);
    // Giving the no-plan user with a shared address a plan brings the duplicate back.
    await assignPlan(cp, m, { userId: '13' }, 'sales');
    await rejects(assertUsersReady(cp, m), 'FERRY_USERS_NOT_READY', new RegExp(`${dupA} \\(.+\\), 13 \\(`));
    await assignPlan(cp, m, { userId: '13' }, 'none');
    await assertUsersReady(cp, m);
  });

  it('refresh keeps what the migrator chose and follows the source for the rest', async () => {
    const before = (await listUsers(cp, m)).users;
    const result = await refreshUsers(cp, m);
    assert.deepEqual(result.added, []);
    assert.deepEqual(result.removed, []);
    assert.equal(result.readiness.ready, true);
    const afterList = (await listUsers(cp, m)).users;
    assert.deepEqual(
      afterList.map((u) => [u.id, u.plan, u.username]),
      before.map((u) => [u.id, u.plan, u.username]),
    );
  });

  it('maps users to cloud identities one to one; the same pair twice changes nothing', async () => {
    const first = await mapUser(cp, m, '1', 'Lars@Cloud.example');
    assert.equal(first.changed, true);
    const again = await mapUser(cp, m, '1', 'lars@cloud.EXAMPLE');
    assert.equal(again.changed, false);
    assert.equal(again.mapping.identity, 'Lars@Cloud.example');
    await rejects(
      mapUser(cp, m, '1', 'other@cloud.example'),
      'FERRY_USER_MAPPING_CONFLICT',
      /already mapped to Lars@Cloud.example/,
    );
    await rejects(
      mapUser(cp, m, '2', 'LARS@cloud.example'),
      'FERRY_USER_MAPPING_CONFLICT',
      /already mapped to user 1/,
    );
    await rejects(mapUser(cp, m, 'ghost', 'ghost@cloud.example'), 'FERRY_USER_NOT_FOUND');
    await rejects(mapUser(cp, m, '2', 'two words'), 'FERRY_INVALID_ARGUMENT');
    await mapUser(cp, m, '2', 'bjorn@cloud.example');
    const mappings = await listUserMappings(cp, m);
    assert.deepEqual(
      mappings.map((x) => [x.userId, x.identity]),
      [
        ['1', 'Lars@Cloud.example'],
        ['2', 'bjorn@cloud.example'],
      ],
    );
    assert.equal((await listUsers(cp, m, { filter: 'bjorn@cloud' })).users[0]?.id, '2');
    assert.deepEqual(await unmapUser(cp, m, '1'), { removed: true });
    assert.equal((await mapUser(cp, m, '2', 'bjorn@cloud.example')).changed, false);
    assert.equal((await mapUser(cp, m, '3', 'lars@cloud.example')).changed, true);
  });

  it('settles two concurrent mappings of one identity: one wins, the other is a conflict', async () => {
    const results = await Promise.allSettled([
      mapUser(cp, m, '4', 'race@cloud.example'),
      mapUser(cp, m, '5', 'race@cloud.example'),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const lost = results.find((r) => r.status === 'rejected');
    assert.ok(lost !== undefined && isFerryError(lost.reason, 'FERRY_USER_MAPPING_CONFLICT'));
  });

  it('refuses mapping and unmapping, like every user edit, once the migration has ended', async () => {
    const ended = await newMigration();
    await mapUser(cp, ended, '1', 'kept@cloud.example');
    await abandon(cp, ended);
    for (const edit of [
      () => mapUser(cp, ended, '2', 'late@cloud.example'),
      () => unmapUser(cp, ended, '1'),
      () => assignPlan(cp, ended, { userId: '2' }, 'none'),
      () => setUsername(cp, ended, '2', { pick: 1 }),
    ])
      await rejects(
        edit(),
        'FERRY_ILLEGAL_TRANSITION',
        /is abandoned: its users, plans and usernames can no longer be changed/,
      );
    assert.deepEqual(
      (await listUserMappings(cp, ended)).map((x) => x.identity),
      ['kept@cloud.example'],
    );
  });

  it('an unknown migration is FERRY_MIGRATION_NOT_FOUND', async () => {
    await rejects(listUsers(cp, 'm-nope'), 'FERRY_MIGRATION_NOT_FOUND');
    await rejects(assertUsersReady(cp, 'm-nope'), 'FERRY_MIGRATION_NOT_FOUND');
  });
}

describe('users on the SQLite store', () => usersOn('sqlite'));

describe('users on the PostgreSQL store', { skip: await skipUnless('postgres') }, () => usersOn('postgres'));

describe('user readiness rules', () => {
  const user = (id: string, isAdministrator: boolean, plan: string | null, username: string | null) => ({
    id,
    name: `User ${id}`,
    isAdministrator,
    plan,
    username,
  });

  it('needs an administrator with a plan', () => {
    const r = usersReadiness([
      user('1', true, null, 'a@x.example'),
      user('2', false, 'sales', 'b@x.example'),
    ]);
    assert.equal(r.ready, false);
    assert.match(r.problems[0] ?? '', /no administrator has a plan \(administrators: 1 \(User 1\)\)/);
    const none = usersReadiness([user('2', false, 'sales', 'b@x.example')]);
    assert.match(none.problems[0] ?? '', /no administrator among the users/);
  });

  it('compares usernames case-insensitively and only among users with a plan', () => {
    const r = usersReadiness([
      user('1', true, 'standard', 'A@x.example'),
      user('2', false, 'sales', ' a@X.example'),
      user('3', false, null, 'a@x.example'),
    ]);
    assert.deepEqual(
      r.duplicates.map((d) => [d.username, d.users.map((u) => u.id)]),
      [['a@x.example', ['1', '2']]],
    );
  });
});
