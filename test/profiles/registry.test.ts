// profileById: the profiles Ferry ships, and a clear error naming them for an unknown id.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFerryError } from '../../src/domain/errors.ts';
import { installationProfiles } from '../../src/domain/installation.ts';
import { profileById, profileIds } from '../../src/profiles/registry.ts';

void describe('profile registry', () => {
  void it('finds crm and erp by id', () => {
    assert.equal(profileById('crm').id, 'crm');
    assert.equal(profileById('erp').id, 'erp');
  });

  void it('refuses an unknown id with FERRY_INVALID_ARGUMENT naming the known ids', () => {
    assert.throws(
      () => profileById('sap'),
      (e: unknown) =>
        isFerryError(e, 'FERRY_INVALID_ARGUMENT') && /"sap"/.test(e.message) && /crm, erp/.test(e.message),
    );
  });

  void it('knows every profile an installation.yaml may name', () => {
    assert.deepEqual([...profileIds].sort(), [...installationProfiles].sort());
  });

  void it('gives every check a unique, profile-prefixed id and up-front guidance', () => {
    for (const id of profileIds) {
      const checks = profileById(id).checks;
      assert.equal(new Set(checks.map((c) => c.id)).size, checks.length);
      for (const c of checks) {
        assert.ok(c.id.startsWith(`${id}.`), c.id);
        assert.ok(c.guidance.length > 20 && c.title.length > 5, c.id);
      }
    }
  });
});
