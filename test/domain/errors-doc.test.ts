import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { errorCatalogue } from '../../src/domain/errors.ts';

describe('error catalogue', () => {
  const doc = readFileSync('docs/errors.md', 'utf8');
  const documented = new Set([...doc.matchAll(/^\| `(FERRY_[A-Z0-9_]+)` \|/gm)].map((m) => m[1] ?? ''));

  it('documents every code in docs/errors.md', () => {
    for (const code of Object.keys(errorCatalogue))
      assert.ok(documented.has(code), `${code} is missing from docs/errors.md`);
  });

  it('documents no code that the catalogue does not have', () => {
    for (const code of documented)
      assert.ok(code in errorCatalogue, `docs/errors.md lists unknown code ${code}`);
  });

  it('gives every code the HTTP status the docs state', () => {
    for (const [code, entry] of Object.entries(errorCatalogue)) {
      assert.match(doc, new RegExp(`\\| \`${code}\` \\| ${entry.status} \\|`));
    }
  });
});
