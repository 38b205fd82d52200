// The users area of the store: per migration, the users loaded from the source with the plan and
// username the migrator chose, the email options, and the user → cloud identity mappings. Plain
// reads and writes; every rule lives in the users services.

import type { Kysely, Selectable } from 'kysely';
import type { StoreDatabase } from './database.ts';
import type { UsersTables } from './users-tables.ts';

/** A user of a migration as stored. */
export interface StoredUser {
  id: string;
  name: string;
  group: string | null;
  position: string | null;
  emails: string[];
  isAdministrator: boolean;
  /** The plan the source gives the user (null: none). */
  sourcePlan: string | null;
  /** The plan the user gets in the tenant (null: none, cannot log in). */
  plan: string | null;
  planChosen: boolean;
  username: string | null;
  usernameChosen: boolean;
  welcomeSentTo: string | null;
  welcomeSentAt: string | null;
}

/** What a load from the source gives for one user (the rest is kept or derived). */
export interface LoadedUser {
  id: string;
  name: string;
  group: string | null;
  position: string | null;
  emails: string[];
  isAdministrator: boolean;
  sourcePlan: string | null;
  plan: string | null;
  planChosen: boolean;
  username: string | null;
  usernameChosen: boolean;
}

export interface UserSettingsRecord {
  usersLoadedAt: string | null;
  sendWelcomeEmails: boolean;
  sendUserSummary: boolean;
  migratorEmail: string | null;
  /** Without its password (a row from before store migration 0012 may hold one): never print it. */
  smtpUrl: string | null;
  /** The SMTP password, sealed (services/secret-box.ts); null when the URL needs none. */
  smtpPasswordSealed: string | null;
}

export interface UserMappingRecord {
  userId: string;
  identity: string;
  identityKey: string;
  mappedAt: string;
}

export type UserSettingsPatch = Partial<Omit<UserSettingsRecord, 'usersLoadedAt'>>;

type UserRow = Selectable<UsersTables['migration_users']>;

function toUser(row: UserRow): StoredUser {
  return {
    id: row.user_id,
    name: row.name,
    group: row.group_name,
    position: row.job_position,
    emails: JSON.parse(row.emails_json) as string[],
    isAdministrator: Number(row.is_administrator) === 1,
    sourcePlan: row.source_plan,
    plan: row.plan,
    planChosen: Number(row.plan_chosen) === 1,
    username: row.username,
    usernameChosen: Number(row.username_chosen) === 1,
    welcomeSentTo: row.welcome_sent_to,
    welcomeSentAt: row.welcome_sent_at,
  };
}

const flag = (value: boolean): number => (value ? 1 : 0);

export class UserRepository {
  constructor(private readonly db: Kysely<StoreDatabase>) {}

  // ---- settings --------------------------------------------------------------------------------

  async getSettings(migrationId: string): Promise<UserSettingsRecord | null> {
    const row = await this.db
      .selectFrom('migration_user_settings')
      .selectAll()
      .where('migration_id', '=', migrationId)
      .executeTakeFirst();
    if (row === undefined) return null;
    return {
      usersLoadedAt: row.users_loaded_at,
      sendWelcomeEmails: Number(row.send_welcome_emails) === 1,
      sendUserSummary: Number(row.send_user_summary) === 1,
      migratorEmail: row.migrator_email,
      smtpUrl: row.smtp_url,
      smtpPasswordSealed: row.smtp_password_sealed ?? null,
    };
  }

  async updateSettings(migrationId: string, patch: UserSettingsPatch, at: string): Promise<void> {
    const values = {
      ...(patch.sendWelcomeEmails === undefined
        ? {}
        : { send_welcome_emails: flag(patch.sendWelcomeEmails) }),
      ...(patch.sendUserSummary === undefined ? {} : { send_user_summary: flag(patch.sendUserSummary) }),
      ...(patch.migratorEmail === undefined ? {} : { migrator_email: patch.migratorEmail }),
      ...(patch.smtpUrl === undefined ? {} : { smtp_url: patch.smtpUrl }),
      ...(patch.smtpPasswordSealed === undefined ? {} : { smtp_password_sealed: patch.smtpPasswordSealed }),
      updated_at: at,
    };
    await this.db
      .insertInto('migration_user_settings')
      .values({ migration_id: migrationId, users_loaded_at: null, ...values })
      .onConflict((oc) => oc.column('migration_id').doUpdateSet(values))
      .execute();
  }

  // ---- users -----------------------------------------------------------------------------------

  async listUsers(migrationId: string): Promise<StoredUser[]> {
    const rows = await this.db
      .selectFrom('migration_users')
      .selectAll()
      .where('migration_id', '=', migrationId)
      .orderBy('ordinal')
      .execute();
    return rows.map(toUser);
  }

  /**
   * Replaces the migration's users with `users` (in this order) in one transaction: users no
   * longer present are removed with their mappings; the others are written as given, keeping
   * their welcome-email record. Marks the users as loaded at `at`.
   */
  async replaceUsers(migrationId: string, users: LoadedUser[], at: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const keep = users.map((u) => u.id);
      let removed = trx.deleteFrom('migration_users').where('migration_id', '=', migrationId);
      let unmapped = trx.deleteFrom('user_mappings').where('migration_id', '=', migrationId);
      if (keep.length > 0) {
        removed = removed.where('user_id', 'not in', keep);
        unmapped = unmapped.where('user_id', 'not in', keep);
      }
      await removed.execute();
      await unmapped.execute();
      for (const [ordinal, u] of users.entries()) {
        const values = {
          ordinal,
          name: u.name,
          group_name: u.group,
          job_position: u.position,
          emails_json: JSON.stringify(u.emails),
          is_administrator: flag(u.isAdministrator),
          source_plan: u.sourcePlan,
          plan: u.plan,
          plan_chosen: flag(u.planChosen),
          username: u.username,
          username_chosen: flag(u.usernameChosen),
        };
        await trx
          .insertInto('migration_users')
          .values({ migration_id: migrationId, user_id: u.id, ...values })
          .onConflict((oc) => oc.columns(['migration_id', 'user_id']).doUpdateSet(values))
          .execute();
      }
      await trx
        .insertInto('migration_user_settings')
        .values({ migration_id: migrationId, users_loaded_at: at, updated_at: at })
        .onConflict((oc) => oc.column('migration_id').doUpdateSet({ users_loaded_at: at, updated_at: at }))
        .execute();
    });
  }

  /** Sets the plan of the given users (chosen by the migrator); returns how many rows changed. */
  async setPlan(migrationId: string, userIds: string[], plan: string | null): Promise<number> {
    if (userIds.length === 0) return 0;
    const result = await this.db
      .updateTable('migration_users')
      .set({ plan, plan_chosen: 1 })
      .where('migration_id', '=', migrationId)
      .where('user_id', 'in', userIds)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async setUsername(migrationId: string, userId: string, username: string): Promise<void> {
    await this.db
      .updateTable('migration_users')
      .set({ username, username_chosen: 1 })
      .where('migration_id', '=', migrationId)
      .where('user_id', '=', userId)
      .execute();
  }

  async markWelcomeSent(migrationId: string, userId: string, username: string, at: string): Promise<void> {
    await this.db
      .updateTable('migration_users')
      .set({ welcome_sent_to: username, welcome_sent_at: at })
      .where('migration_id', '=', migrationId)
      .where('user_id', '=', userId)
      .execute();
  }

  // ---- mappings --------------------------------------------------------------------------------

  async listMappings(migrationId: string): Promise<UserMappingRecord[]> {
    const rows = await this.db
      .selectFrom('user_mappings')
      .selectAll()
      .where('migration_id', '=', migrationId)
      .orderBy('mapped_at')
      .orderBy('user_id')
      .execute();
    return rows.map((r) => ({
      userId: r.user_id,
      identity: r.identity,
      identityKey: r.identity_key,
      mappedAt: r.mapped_at,
    }));
  }

  /**
   * Inserts a mapping unless the user or the identity is already mapped; returns false when a
   * row with the same user or identity key exists (the caller decides what that means).
   */
  async insertMapping(migrationId: string, mapping: UserMappingRecord): Promise<boolean> {
    const result = await this.db
      .insertInto('user_mappings')
      .values({
        migration_id: migrationId,
        user_id: mapping.userId,
        identity: mapping.identity,
        identity_key: mapping.identityKey,
        mapped_at: mapping.mappedAt,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async deleteMapping(migrationId: string, userId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('user_mappings')
      .where('migration_id', '=', migrationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
