// The crm profile's hooks on a generated SQLite installation: version, license, users (every field,
// every email in order), companies, and freeze/unfreeze/archive of the service config file.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { openSource } from '../../../src/connectors/registry.ts';
import type { SourceConnection } from '../../../src/connectors/types.ts';
import { isFerryError } from '../../../src/domain/errors.ts';
import type { InitInstallationSummary } from '../../../src/profiles/crm/init-installation.ts';
import { initInstallation } from '../../../src/profiles/crm/init-installation.ts';
import { problemUsers } from '../../../src/profiles/crm/planted-problems.ts';
import { crmProfile } from '../../../src/profiles/crm/profile.ts';
import type { ProfileContext } from '../../../src/profiles/profile.ts';
import { tempDir } from '../../support/servers.ts';

void describe('crm profile hooks', () => {
  const dir = tempDir('crm-profile');
  let summary: InitInstallationSummary;
  let source: SourceConnection;
  let ctx: ProfileContext;

  before(async () => {
    summary = await initInstallation({ dir: dir.path, seed: 3 });
    source = await openSource(summary.installation.database);
    ctx = { installation: summary.installation, source, tables: await source.listTables() };
  });
  after(async () => {
    await source?.close();
    dir.remove();
  });

  void it('reads the version and its minimum', async () => {
    assert.equal(await crmProfile.version.read(ctx), '6.4');
    assert.equal(crmProfile.version.minimum, '7.1');
  });

  void it('reads the license the migration session is bound to', async () => {
    const license = await crmProfile.license.read(ctx);
    assert.match(license.serialNumber, /^FCRM-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/);
    assert.ok(license.companyName.length > 3);
  });

  void it('lists every user with group, position, every email in order, administrator flag and plan', async () => {
    const users = await crmProfile.users.list(ctx);
    assert.equal(users.length, 50);
    const ten = users.find((u) => u.id === '10');
    assert.ok(ten !== undefined);
    assert.equal(ten.emails.length, 2, 'even ids have a second, private address');
    assert.match(ten.emails[0] ?? '', /@crm-demo\.example$/);
    assert.match(ten.emails[1] ?? '', /@private\.example$/);
    assert.equal(ten.plan, 'standard');
    assert.deepEqual(users.find((u) => u.id === String(problemUsers.noEmail))?.emails, []);
    assert.ok(users.filter((u) => u.isAdministrator).some((u) => u.id === '1' && u.plan === 'standard'));
    assert.ok(users.some((u) => u.group !== null) && users.some((u) => u.position !== null));
    assert.ok(
      users.some((u) => u.plan === null),
      'some users have no plan',
    );
    for (const u of users) assert.ok(u.plan === null || crmProfile.users.plans.includes(u.plan));
  });

  void it('is one company holding every table but the permission table', async () => {
    const companies = await crmProfile.companies.list(ctx);
    assert.equal(companies.length, 1);
    const [company] = companies;
    assert.equal(company?.name, (await crmProfile.license.read(ctx)).companyName);
    assert.ok(company?.tables.includes('users') && !company.tables.includes('role_permissions'));
    assert.equal(company?.tables.length, ctx.tables.length - 1);
    assert.ok((company?.estimatedBytes ?? 0) > 0);
  });

  void it('freezes through the service config (Frozen + no-login), idempotently, and unfreezes', async () => {
    const file = summary.installation.serviceConfig;
    const original = readFileSync(file, 'utf8');
    assert.equal(await crmProfile.freeze.isFrozen(summary.installation), false);
    await crmProfile.freeze.freeze(summary.installation);
    const frozen = readFileSync(file, 'utf8');
    assert.match(frozen, /^Frozen = true$/m);
    assert.match(frozen, /^LoginMode = no-login$/m);
    assert.match(frozen, /^\[Archive\]$/m, 'other sections are kept');
    assert.equal(await crmProfile.freeze.isFrozen(summary.installation), true);
    await crmProfile.freeze.freeze(summary.installation);
    assert.equal(readFileSync(file, 'utf8'), frozen);
    await crmProfile.freeze.unfreeze(summary.installation);
    assert.equal(readFileSync(file, 'utf8'), original);
  });

  void it('archives after go-live and then refuses to unfreeze', async () => {
    await crmProfile.freeze.archive(summary.installation);
    assert.equal(await crmProfile.freeze.isFrozen(summary.installation), true);
    assert.match(readFileSync(summary.installation.serviceConfig, 'utf8'), /^LoginMode = read-only$/m);
    await assert.rejects(crmProfile.freeze.unfreeze(summary.installation), (e: unknown) =>
      isFerryError(e, 'FERRY_ILLEGAL_TRANSITION'),
    );
  });

  void it('names a missing service config file', async () => {
    const missing = { ...summary.installation, serviceConfig: `${dir.path}/nope.config` };
    await assert.rejects(
      crmProfile.freeze.isFrozen(missing),
      (e: unknown) => isFerryError(e, 'FERRY_INSTALLATION_INVALID') && e.message.includes('nope.config'),
    );
  });
});
