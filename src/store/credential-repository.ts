// Operator tokens and runtime keys. Only sha256 hashes are stored: a leaked store does not leak a
// usable secret, and a secret is shown exactly once, when it is created.

import type { Kysely } from 'kysely';
import type { OperatorTokensTable, RuntimeKeysTable } from './control-plane-tables.ts';
import type { StoreDatabase } from './database.ts';

export interface OperatorTokenRecord {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface RuntimeKeyRecord {
  migrationId: string;
  /** The key's last four characters, to tell keys apart. */
  hint: string;
  createdAt: string;
}

function tokenFromRow(row: OperatorTokensTable): OperatorTokenRecord {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

function keyFromRow(
  row: Pick<RuntimeKeysTable, 'migration_id' | 'key_hint' | 'created_at'>,
): RuntimeKeyRecord {
  return { migrationId: row.migration_id, hint: row.key_hint, createdAt: row.created_at };
}

export class CredentialRepository {
  constructor(private readonly db: Kysely<StoreDatabase>) {}

  async insertToken(row: OperatorTokensTable): Promise<void> {
    await this.db.insertInto('operator_tokens').values(row).execute();
  }

  async listTokens(): Promise<OperatorTokenRecord[]> {
    const rows = await this.db
      .selectFrom('operator_tokens')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(tokenFromRow);
  }

  /** The token with this hash if it is not revoked; records its use. */
  async useToken(hash: string, at: string): Promise<OperatorTokenRecord | null> {
    const row = await this.db
      .selectFrom('operator_tokens')
      .selectAll()
      .where('token_hash', '=', hash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (row === undefined) return null;
    await this.db.updateTable('operator_tokens').set({ last_used_at: at }).where('id', '=', row.id).execute();
    return tokenFromRow({ ...row, last_used_at: at });
  }

  /** False when there is no such token or it was already revoked. */
  async revokeToken(id: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('operator_tokens')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async getRuntimeKey(migrationId: string): Promise<RuntimeKeyRecord | null> {
    const row = await this.db
      .selectFrom('runtime_keys')
      .select(['migration_id', 'key_hint', 'created_at'])
      .where('migration_id', '=', migrationId)
      .executeTakeFirst();
    return row === undefined ? null : keyFromRow(row);
  }

  /** Stores the key's hash, replacing any earlier key in the same statement (the old one stops working at once). */
  async putRuntimeKey(row: RuntimeKeysTable): Promise<void> {
    await this.db
      .insertInto('runtime_keys')
      .values(row)
      .onConflict((oc) =>
        oc.column('migration_id').doUpdateSet({
          key_hash: row.key_hash,
          key_hint: row.key_hint,
          created_at: row.created_at,
        }),
      )
      .execute();
  }

  /** The migration the key belongs to, or null. */
  async migrationOfRuntimeKey(hash: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('runtime_keys')
      .select('migration_id')
      .where('key_hash', '=', hash)
      .executeTakeFirst();
    return row?.migration_id ?? null;
  }
}
