// Secrets Ferry hands out (operator tokens, runtime keys): random, prefixed so a leaked one is
// recognisable, and stored only as their sha256.

import { createHash, randomBytes } from 'node:crypto';

/** `prefix` + 32 random bytes as base64url (43 characters). */
export function generateSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** Lower-case hex sha256 of the secret's UTF-8 bytes: what the store keeps. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A short random id, e.g. `tok_3f9a1c0b`. */
export function shortId(prefix: string): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}
