// The users area's tables (migrations/0003-users.ts) as Kysely sees them. Flags are integers 0/1 so
// the same schema works on SQLite and PostgreSQL; lists are JSON text.

import type { Generated } from 'kysely';

export interface UsersTables {
  migration_user_settings: {
    migration_id: string;
    /** When the users were last loaded from the source; null before the first load. */
    users_loaded_at: string | null;
    send_welcome_emails: Generated<number>;
    send_user_summary: Generated<number>;
    migrator_email: string | null;
    /**
     * SMTP transport URL without its password (rows written before migration 0012 may still hold
     * one until they are read again: never print it). Null: write to the outbox.
     */
    smtp_url: string | null;
    /** The SMTP password sealed with the secrets key (services/secret-box.ts); null when none. */
    smtp_password_sealed?: string | null;
    updated_at: string;
  };
  migration_users: {
    migration_id: string;
    user_id: string;
    /** The user's position in the source's order. */
    ordinal: number;
    name: string;
    group_name: string | null;
    job_position: string | null;
    emails_json: string;
    is_administrator: number;
    source_plan: string | null;
    plan: string | null;
    /** 1 when the migrator chose the plan (kept on refresh); 0 while it follows the source. */
    plan_chosen: number;
    username: string | null;
    /** 1 when the migrator chose the username (kept on refresh); 0 while it is the first valid email. */
    username_chosen: number;
    /** The username the welcome email went to, and when; null until it was sent. */
    welcome_sent_to: string | null;
    welcome_sent_at: string | null;
  };
  user_mappings: {
    migration_id: string;
    user_id: string;
    identity: string;
    /** `emailKey(identity)`: unique per migration, so an identity belongs to one user. */
    identity_key: string;
    mapped_at: string;
  };
}
