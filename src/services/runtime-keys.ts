// Runtime keys: the secret an on-premises agent uses to talk to the control plane for one
// migration. Stored as sha256 only, so "get" can show the key itself only when it creates it;
// afterwards it shows the key's hint and age. Reset replaces the hash in one statement: the old
// key is refused from that moment on.

import { assertNotEnded } from '../domain/migration-rules.ts';
import type { RuntimeKeyRecord } from '../store/credential-repository.ts';
import { type ControlPlane, credentialsRepo, migrationsRepo, nowIso } from './control-plane.ts';
import { getMigration, loadFacts } from './migrations.ts';
import { generateSecret, hashSecret } from './secrets.ts';

export const RUNTIME_KEY_PREFIX = 'ferry_rk_';

export interface RuntimeKeyResult {
  /** The key itself: present only when it was just created (shown once). */
  key: string | null;
  record: RuntimeKeyRecord;
}

async function issue(cp: ControlPlane, migrationId: string): Promise<RuntimeKeyResult> {
  const key = generateSecret(RUNTIME_KEY_PREFIX);
  const record: RuntimeKeyRecord = { migrationId, hint: key.slice(-4), createdAt: nowIso(cp) };
  await credentialsRepo(cp).putRuntimeKey({
    migration_id: migrationId,
    key_hash: hashSecret(key),
    key_hint: record.hint,
    created_at: record.createdAt,
  });
  return { key, record };
}

async function assertUsable(cp: ControlPlane, migrationId: string, what: string): Promise<void> {
  const migration = await getMigration(cp, migrationId);
  assertNotEnded(await loadFacts(migrationsRepo(cp), migration), what);
}

/** The migration's runtime key: created (and shown once) when it has none, else its hint and age. */
export async function getRuntimeKey(cp: ControlPlane, migrationId: string): Promise<RuntimeKeyResult> {
  const existing = await credentialsRepo(cp).getRuntimeKey(migrationId);
  if (existing !== null) {
    await getMigration(cp, migrationId);
    return { key: null, record: existing };
  }
  await assertUsable(cp, migrationId, 'creating a runtime key');
  return issue(cp, migrationId);
}

/** A new key, shown once; the old one is refused from now on. */
export async function resetRuntimeKey(cp: ControlPlane, migrationId: string): Promise<RuntimeKeyResult> {
  await assertUsable(cp, migrationId, 'resetting the runtime key');
  return issue(cp, migrationId);
}

/** The migration id the key belongs to, or null for an unknown or replaced key. */
export async function verifyRuntimeKey(cp: ControlPlane, key: string): Promise<string | null> {
  if (!key.startsWith(RUNTIME_KEY_PREFIX)) return null;
  return credentialsRepo(cp).migrationOfRuntimeKey(hashSecret(key));
}
