// `ferry migration mappings` through the real command: set from YAML and JSON files, show,
// refuse a bad file with one line, show the summary under `ferry migration plan`, clear.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initInstallation } from '../../src/profiles/crm/init-installation.ts';
import { tempDir } from '../support/servers.ts';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const dir = tempDir('cli-table-mappings');
const home = join(dir.path, 'home');

function ferry(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/ferry.js', '--home', home, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FERRY_STORE: '', FERRY_SERVER: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function ok(...args: string[]): Promise<string> {
  const r = await ferry(...args);
  assert.equal(r.code, 0, `ferry ${args.join(' ')} failed: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

describe('ferry migration mappings', () => {
  let id = '';
  const yamlFile = join(dir.path, 'mappings.yaml');
  const jsonFile = join(dir.path, 'mappings.json');
  const badFile = join(dir.path, 'bad.yaml');

  before(async () => {
    await initInstallation({ dir: join(dir.path, 'acme'), size: 'small', seed: 4, problems: false });
    const created = JSON.parse(
      await ok(
        '--json',
        'migration',
        'create',
        '--installation',
        join(dir.path, 'acme', 'installation.yaml'),
        '--profile',
        'crm',
        '--tenant',
        'acme',
      ),
    ) as { migration: { id: string } };
    id = created.migration.id;
    writeFileSync(
      yamlFile,
      [
        'version: 1',
        'excludeTables: [audit_log]',
        'tables:',
        '  persons:',
        '    rename: contacts',
        '    excludeColumns: [phone]',
        '    moveColumns:',
        '      - into: contact_scores',
        '        columns: [score]',
        '',
      ].join('\n'),
    );
    writeFileSync(jsonFile, JSON.stringify({ tables: { companies: { rename: 'organisations' } } }));
    writeFileSync(badFile, 'tables:\n  persons:\n    excludeColumns: [id]\n');
  });
  after(() => dir.remove());

  it('shows that there are none at first', async () => {
    assert.match(
      await ok('migration', 'mappings', id),
      /has no table mappings: every table is carried as it is/,
    );
  });

  it('sets them from a YAML file and shows source → target', async () => {
    const out = await ok('migration', 'mappings', id, '--set', yamlFile);
    assert.match(out, /persons → contacts without phone/);
    assert.match(out, /\+ contact_scores \(id, score\) keyed by the primary key of persons/);
    assert.match(out, /audit_log → not migrated \(excluded\)/);
    assert.match(out, /contact_scores: id, score/);
    const shown = JSON.parse(await ok('--json', 'migration', 'mappings', id, '--show')) as {
      mappings: { tables: Record<string, { rename?: string }> };
    };
    assert.equal(shown.mappings.tables.persons?.rename, 'contacts');
  });

  it('lists them under the plan', async () => {
    const out = await ok('migration', 'plan', id);
    assert.match(out, /Table mappings/);
    assert.match(out, /persons → contacts without phone/);
  });

  it('refuses a mapping that does not fit the source with one line, keeping the old ones', async () => {
    const r = await ferry('migration', 'mappings', id, '--set', badFile);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /column "id" of table "persons" is part of its primary key.*FERRY_TABLE_MAPPING_INVALID/,
    );
    assert.match(await ok('migration', 'mappings', id), /persons → contacts/);
  });

  it('refuses a file that is neither YAML nor JSON', async () => {
    const r = await ferry('migration', 'mappings', id, '--set', join(dir.path, 'mappings.txt'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /must end in \.yaml, \.yml or \.json/);
  });

  it('replaces them from a JSON file, then clears them', async () => {
    const out = await ok('migration', 'mappings', id, '--set', jsonFile);
    assert.match(out, /companies → organisations/);
    assert.doesNotMatch(out, /contacts/);
    assert.match(await ok('migration', 'mappings', id, '--clear'), /Table mappings of .* removed/);
    assert.match(await ok('migration', 'mappings', id, '--clear'), /had no table mappings/);
  });
});
