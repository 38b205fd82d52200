// Secrets Ferry must be able to read back (an SMTP password), kept in the store only sealed:
// AES-256-GCM with a key that is not in the store. The key is `$FERRY_SECRETS_KEY` (32 bytes as 64
// hex digits or base64) when set — give every machine that shares a PostgreSQL store the same one —
// else the file `secrets.key` in the Ferry home, created (0600, 32 random bytes as hex) on first use.
//
// A sealed value is `ferry-sealed:v1:<key id>:<iv>:<tag>:<ciphertext>` (base64url); the key id is
// the first 8 hex digits of the key's sha256, so a value sealed under another key is refused with
// FERRY_SECRET_UNREADABLE instead of decrypting to garbage. The plain text is never logged.

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FerryError } from '../domain/errors.ts';

const PREFIX = 'ferry-sealed:v1:';
export const SECRETS_KEY_FILE = 'secrets.key';

export interface SecretKey {
  id: string;
  bytes: Buffer;
  /** Where it came from, safe to print: `$FERRY_SECRETS_KEY` or the key file's path. */
  origin: string;
}

function keyId(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 8);
}

function decodeKey(text: string, origin: string): SecretKey {
  const trimmed = text.trim();
  const bytes = /^[0-9a-f]{64}$/i.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64');
  if (bytes.length !== 32)
    throw new FerryError(
      'FERRY_SECRET_UNREADABLE',
      `the secrets key in ${origin} is not 32 bytes (64 hex digits or base64)`,
      { hint: 'Generate one with `openssl rand -hex 32`.' },
    );
  return { id: keyId(bytes), bytes, origin };
}

/** The key secrets are sealed with: `$FERRY_SECRETS_KEY`, else `<home>/secrets.key` (created when missing). */
export function secretKey(home: string, env: NodeJS.ProcessEnv = process.env): SecretKey {
  const fromEnv = env.FERRY_SECRETS_KEY;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return decodeKey(fromEnv, '$FERRY_SECRETS_KEY');
  const file = join(home, SECRETS_KEY_FILE);
  try {
    return decodeKey(readFileSync(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(home, { recursive: true, mode: 0o700 });
  try {
    // `wx`: of two processes creating it at once, one wins and the other reads the winner's key.
    writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return decodeKey(readFileSync(file, 'utf8'), file);
}

export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX);
}

export function seal(plain: string, key: SecretKey): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url'));
  return `${PREFIX}${key.id}:${parts.join(':')}`;
}

/** The plain text of a sealed value; FERRY_SECRET_UNREADABLE when another key sealed it or it was altered. */
export function unseal(sealed: string, key: SecretKey, what: string): string {
  const fields = sealed.startsWith(PREFIX) ? sealed.slice(PREFIX.length).split(':') : [];
  const [id, iv, tag, body] = fields;
  if (fields.length !== 4 || id === undefined || iv === undefined || tag === undefined || body === undefined)
    throw new FerryError('FERRY_SECRET_UNREADABLE', `the stored ${what} is not a sealed secret`);
  if (id !== key.id)
    throw new FerryError(
      'FERRY_SECRET_UNREADABLE',
      `the stored ${what} was sealed with another secrets key (key ${id}; this process has key ${key.id} from ${key.origin})`,
    );
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch (cause) {
    throw new FerryError('FERRY_SECRET_UNREADABLE', `the stored ${what} could not be unsealed (altered?)`, {
      cause,
    });
  }
}
