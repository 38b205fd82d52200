import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isFerryError } from '../../src/domain/errors.ts';
import type { Installation } from '../../src/domain/installation.ts';
import { readInstallation, writeInstallation } from '../../src/services/installation-file.ts';
import { tempDir } from '../support/servers.ts';

const dir = tempDir('installation-file');
after(() => dir.remove());

const valid = (): Installation => ({
  name: 'Acme on-premises',
  profile: 'crm',
  database: `sqlite:${join(dir.path, 'crm.db')}`,
  archive: join(dir.path, 'archive'),
  serviceConfig: join(dir.path, 'service', 'ferry-crm.config'),
  generated: { size: 'small', seed: 42 },
});

async function rejectsWith(text: string, field: string): Promise<Error> {
  const file = join(dir.path, `broken-${field.replace(/\W/g, '_')}.yaml`);
  writeFileSync(file, text);
  let caught: unknown;
  try {
    await readInstallation(file);
  } catch (error) {
    caught = error;
  }
  assert.ok(
    isFerryError(caught, 'FERRY_INSTALLATION_INVALID'),
    `expected FERRY_INSTALLATION_INVALID, got ${String(caught)}`,
  );
  assert.match(caught.message, new RegExp(`"${field}"`));
  assert.ok(caught.message.includes(file), 'the message names the file');
  return caught;
}

void describe('installation.yaml', () => {
  void it('round-trips, writing paths inside its folder relative', async () => {
    const file = join(dir.path, 'installation.yaml');
    await writeInstallation(file, valid());
    const text = (await import('node:fs')).readFileSync(file, 'utf8');
    assert.match(text, /database: sqlite:crm\.db/);
    assert.match(text, /archive: archive/);
    assert.match(text, /serviceConfig: service\/ferry-crm\.config/);
    assert.deepEqual(await readInstallation(file), valid());
  });

  void it('resolves relative paths against the file’s folder, not the working directory', async () => {
    const file = join(dir.path, 'rel.yaml');
    writeFileSync(
      file,
      'name: x\nprofile: crm\ndatabase: sqlite:data/crm.db\narchive: ../arc\nserviceConfig: svc.config\n',
    );
    const installation = await readInstallation(file);
    assert.equal(installation.database, `sqlite:${join(dir.path, 'data', 'crm.db')}`);
    assert.equal(installation.archive, join(dir.path, '..', 'arc'));
    assert.equal(installation.serviceConfig, join(dir.path, 'svc.config'));
    assert.equal(installation.generated, undefined);
  });

  void it('keeps server URLs as written', async () => {
    const file = join(dir.path, 'server.yaml');
    await writeInstallation(file, {
      ...valid(),
      database: 'postgres://crm:pw@db.example:5432/crm?schema=crm',
    });
    assert.equal((await readInstallation(file)).database, 'postgres://crm:pw@db.example:5432/crm?schema=crm');
  });

  void it('names a missing field', async () => {
    await rejectsWith('name: x\nprofile: crm\narchive: a\nserviceConfig: s\n', 'database');
  });

  void it('names a wrong profile', async () => {
    await rejectsWith(
      'name: x\nprofile: sap\ndatabase: sqlite:x.db\narchive: a\nserviceConfig: s\n',
      'profile',
    );
  });

  void it('names a nested field', async () => {
    await rejectsWith(
      'name: x\nprofile: crm\ndatabase: sqlite:x.db\narchive: a\nserviceConfig: s\ngenerated: { size: huge, seed: 1 }\n',
      'generated.size',
    );
  });

  void it('names an unknown field', async () => {
    await rejectsWith(
      'name: x\nprofile: crm\ndatabase: sqlite:x.db\narchive: a\nserviceConfig: s\narchvie: b\n',
      'archvie',
    );
  });

  void it('never prints the database password', async () => {
    const error = await rejectsWith(
      'name: x\nprofile: crm\ndatabase: "ftp://crm:s3cr3t-pw@db.example/crm"\narchive: a\nserviceConfig: s\n',
      'database',
    );
    assert.ok(!error.message.includes('s3cr3t-pw'));
  });

  void it('rejects text that is not YAML, and a missing file', async () => {
    const file = join(dir.path, 'not-yaml.yaml');
    writeFileSync(file, 'name: [unclosed\n');
    await assert.rejects(readInstallation(file), (e: unknown) =>
      isFerryError(e, 'FERRY_INSTALLATION_INVALID'),
    );
    await assert.rejects(readInstallation(join(dir.path, 'nope.yaml')), (e: unknown) =>
      isFerryError(e, 'FERRY_INSTALLATION_INVALID'),
    );
  });

  void it('refuses to write an invalid installation', async () => {
    await assert.rejects(
      writeInstallation(join(dir.path, 'bad.yaml'), { ...valid(), name: '' }),
      (e: unknown) => isFerryError(e, 'FERRY_INSTALLATION_INVALID') && e.message.includes('"name"'),
    );
  });
});
