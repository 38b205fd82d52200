// Operator tokens: bearer tokens for the HTTP API and remote CLI. A token is shown once, when it
// is created; the store keeps its sha256 only. Revoking one refuses it at once.

import { FerryError } from '../domain/errors.ts';
import type { OperatorTokenRecord } from '../store/credential-repository.ts';
import { type ControlPlane, credentialsRepo, nowIso } from './control-plane.ts';
import { generateSecret, hashSecret, shortId } from './secrets.ts';

/** Every operator token starts with this, so a leaked one is recognisable. */
export const OPERATOR_TOKEN_PREFIX = 'ferry_op_';

export async function createOperatorToken(
  cp: ControlPlane,
  name: string,
): Promise<{ token: string; record: OperatorTokenRecord }> {
  const trimmed = name.trim();
  if (trimmed === '')
    throw new FerryError('FERRY_INVALID_ARGUMENT', 'a token needs a name (who or what uses it)');
  const token = generateSecret(OPERATOR_TOKEN_PREFIX);
  const record: OperatorTokenRecord = {
    id: shortId('tok_'),
    name: trimmed,
    createdAt: nowIso(cp),
    lastUsedAt: null,
    revokedAt: null,
  };
  await credentialsRepo(cp).insertToken({
    id: record.id,
    name: record.name,
    token_hash: hashSecret(token),
    created_at: record.createdAt,
    last_used_at: null,
    revoked_at: null,
  });
  return { token, record };
}

export function listOperatorTokens(cp: ControlPlane): Promise<OperatorTokenRecord[]> {
  return credentialsRepo(cp).listTokens();
}

export async function revokeOperatorToken(cp: ControlPlane, id: string): Promise<void> {
  if (!(await credentialsRepo(cp).revokeToken(id, nowIso(cp))))
    throw new FerryError('FERRY_TOKEN_NOT_FOUND', `there is no active operator token "${id}"`, {
      details: { tokenId: id },
    });
}

/** The token's record when `token` is a valid, unrevoked operator token; null otherwise. */
export async function verifyOperatorToken(
  cp: ControlPlane,
  token: string,
): Promise<OperatorTokenRecord | null> {
  if (!token.startsWith(OPERATOR_TOKEN_PREFIX)) return null;
  return credentialsRepo(cp).useToken(hashSecret(token), nowIso(cp));
}
