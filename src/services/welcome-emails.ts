// The last step of the users checklist (seed 000): a welcome email to each user with a plan
// (optional) and a user summary to the migrator (optional). The options are stored per migration;
// the run service calls `sendUserEmails` after a successful live or final run. Messages go over
// SMTP when a transport URL is set, otherwise into `<ferry home>/outbox/<migration>/` as `.eml`
// files. A user is welcomed once per username: a second call skips users already welcomed at the
// same address.

import { join } from 'node:path';
import { FerryError, isFerryError } from '../domain/errors.ts';
import { isValidEmail } from '../profiles/email-address.ts';
import type { StoredUser, UserSettingsRecord } from '../store/user-repository.ts';
import { type ControlPlane, nowIso } from './control-plane.ts';
import { getMigration } from './migrations.ts';
import {
  type MailPort,
  type OutgoingMessage,
  openOutboxPort,
  openSmtpPort,
  parseSmtpUrl,
  smtpDisplay,
} from './user-email-transport.ts';
import { holdsPlainPassword, smtpForStore, smtpUrlForSending } from './smtp-settings.ts';
import { duplicateUsernames, hasValidUsername } from './user-readiness.ts';
import { assertUsersEditable, loadUsers, usersRepo } from './users.ts';

/** The sender when no migrator email is set. */
export const DEFAULT_SENDER = 'Ferry <no-reply@ferry.localhost>';

export interface UserEmailOptions {
  sendWelcomeEmails: boolean;
  sendUserSummary: boolean;
  /** Who gets the user summary (and the replies to welcome emails). */
  migratorEmail: string | null;
  transport: 'smtp' | 'outbox';
  /** `smtp://host:port` (never the credentials) or the outbox folder. */
  destination: string;
}

export interface UserEmailOptionsPatch {
  sendWelcomeEmails?: boolean;
  sendUserSummary?: boolean;
  /** null clears it. */
  migratorEmail?: string | null;
  /**
   * SMTP transport URL; null: back to the outbox. A password in it is stored sealed with the secrets
   * key (secret-box.ts), never in clear, and never shown.
   */
  smtpUrl?: string | null;
}

export function outboxFolder(cp: ControlPlane, migrationId: string): string {
  return join(cp.store.home, 'outbox', migrationId);
}

const noSettings: UserSettingsRecord = {
  usersLoadedAt: null,
  sendWelcomeEmails: false,
  sendUserSummary: false,
  migratorEmail: null,
  smtpUrl: null,
  smtpPasswordSealed: null,
};

/**
 * The migration's email settings. A row stored before the password was sealed (store migration
 * 0012) still holds it in its URL: it is sealed now, and the plain URL overwritten.
 */
async function emailSettings(cp: ControlPlane, migrationId: string): Promise<UserSettingsRecord> {
  const repo = usersRepo(cp);
  const settings = (await repo.getSettings(migrationId)) ?? noSettings;
  if (!holdsPlainPassword(settings)) return settings;
  const stored = smtpForStore(settings.smtpUrl, cp.store.home);
  await repo.updateSettings(migrationId, stored, nowIso(cp));
  return { ...settings, ...stored } as UserSettingsRecord;
}

function optionsView(cp: ControlPlane, migrationId: string, s: UserSettingsRecord): UserEmailOptions {
  return {
    sendWelcomeEmails: s.sendWelcomeEmails,
    sendUserSummary: s.sendUserSummary,
    migratorEmail: s.migratorEmail,
    transport: s.smtpUrl === null ? 'outbox' : 'smtp',
    destination: s.smtpUrl === null ? outboxFolder(cp, migrationId) : smtpDisplay(parseSmtpUrl(s.smtpUrl)),
  };
}

export async function getUserEmailOptions(cp: ControlPlane, migrationId: string): Promise<UserEmailOptions> {
  await getMigration(cp, migrationId);
  return optionsView(cp, migrationId, await emailSettings(cp, migrationId));
}

export async function setUserEmailOptions(
  cp: ControlPlane,
  migrationId: string,
  patch: UserEmailOptionsPatch,
): Promise<UserEmailOptions> {
  assertUsersEditable(await getMigration(cp, migrationId));
  const repo = usersRepo(cp);
  const current = (await repo.getSettings(migrationId)) ?? noSettings;
  const migratorEmail =
    patch.migratorEmail === undefined ? current.migratorEmail : (patch.migratorEmail?.trim() ?? null);
  if (migratorEmail !== null && !isValidEmail(migratorEmail))
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `the migrator's email "${migratorEmail}" is not a valid email address`,
    );
  const smtp = patch.smtpUrl === undefined ? {} : smtpForStore(patch.smtpUrl, cp.store.home);
  const sendUserSummary = patch.sendUserSummary ?? current.sendUserSummary;
  if (sendUserSummary && migratorEmail === null)
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      "the user summary goes to the migrator: give the migrator's email address (--migrator EMAIL) to turn it on",
    );
  await repo.updateSettings(
    migrationId,
    {
      ...(patch.sendWelcomeEmails === undefined ? {} : { sendWelcomeEmails: patch.sendWelcomeEmails }),
      sendUserSummary,
      migratorEmail,
      ...smtp,
    },
    nowIso(cp),
  );
  return getUserEmailOptions(cp, migrationId);
}

// ---- messages ----------------------------------------------------------------------------------

export interface EmailContext {
  migrationId: string;
  tenantId: string;
  application: string;
  sender: string;
  migratorEmail: string | null;
}

export function welcomeMessage(
  ctx: EmailContext,
  user: StoredUser & { username: string; plan: string },
): OutgoingMessage {
  const lines = [
    `Hello ${user.name},`,
    '',
    `${ctx.application} is moving to the cloud, to tenant ${ctx.tenantId}. From now on you log in there with:`,
    '',
    `  Username: ${user.username}`,
    `  Plan:     ${user.plan}`,
    ...(user.isAdministrator ? ['', 'You are an administrator of the tenant.'] : []),
    '',
    ctx.migratorEmail === null
      ? 'If something does not work, contact the consultant who runs your migration.'
      : `If something does not work, contact the consultant who runs your migration: ${ctx.migratorEmail}.`,
  ];
  return {
    from: ctx.sender,
    to: `"${user.name.replace(/["\\]/g, '')}" <${user.username}>`,
    ...(ctx.migratorEmail === null ? {} : { replyTo: ctx.migratorEmail }),
    subject: `Welcome to ${ctx.application} in the cloud (tenant ${ctx.tenantId})`,
    text: lines.join('\n') + '\n',
    label: `welcome-${user.id}`,
  };
}

export function summaryMessage(
  ctx: EmailContext & { migratorEmail: string },
  users: StoredUser[],
  welcome: WelcomeCounts | null,
): OutgoingMessage {
  const withPlan = users.filter((u) => u.plan !== null);
  const without = users.filter((u) => u.plan === null);
  const line = (u: StoredUser): string =>
    `  ${u.id}  ${u.name}  plan ${u.plan ?? 'none'}  username ${u.username ?? '(none)'}${u.isAdministrator ? '  administrator' : ''}`;
  const text = [
    `User summary for migration ${ctx.migrationId} (tenant ${ctx.tenantId}, ${ctx.application}).`,
    '',
    `Users with a plan (${withPlan.length}): they can log in with their username.`,
    ...withPlan.map(line),
    '',
    `Users without a plan (${without.length}): they cannot log in.`,
    ...without.map(line),
    '',
    welcome === null
      ? 'Welcome emails: not sent (turned off).'
      : `Welcome emails: ${welcome.sent} sent, ${welcome.alreadySent} already sent before, ${welcome.failed} failed.`,
  ].join('\n');
  return {
    from: ctx.sender,
    to: ctx.migratorEmail,
    subject: `User summary for migration ${ctx.migrationId}: ${withPlan.length} users with a plan`,
    text: text + '\n',
    label: 'user-summary',
  };
}

// ---- sending -----------------------------------------------------------------------------------

export interface WelcomeCounts {
  /** Welcome emails sent by this call. */
  sent: number;
  /** Users with a plan already welcomed at the same username by an earlier call. */
  alreadySent: number;
  /** Users with a plan but no valid username, or one shared with another user (not sent). */
  skipped: number;
  failed: number;
}

export interface UserEmailsResult {
  transport: 'smtp' | 'outbox';
  /** `smtp://host:port` or the outbox folder; null when nothing was to be sent. */
  destination: string | null;
  /** Null when welcome emails are turned off. */
  welcome: WelcomeCounts | null;
  /** Whether the user summary went to the migrator (false when turned off). */
  summarySent: boolean;
  /** One line per message that could not be sent. */
  failures: { to: string; message: string }[];
}

/**
 * Sends what the migration's options ask for: a welcome email to each user with a plan and a valid
 * username not yet welcomed at that address, and the user summary to the migrator. Returns the
 * counts. Throws FERRY_EMAIL_FAILED when the SMTP server cannot be reached at all; a message the
 * server refuses is counted as failed and the others are still sent.
 */
export async function sendUserEmails(cp: ControlPlane, migrationId: string): Promise<UserEmailsResult> {
  const { migration, profile, users } = await loadUsers(cp, migrationId);
  const repo = usersRepo(cp);
  const settings = await emailSettings(cp, migrationId);
  const transportKind = settings.smtpUrl === null ? 'outbox' : 'smtp';
  const wantSummary = settings.sendUserSummary && settings.migratorEmail !== null;
  if (!settings.sendWelcomeEmails && !wantSummary)
    return { transport: transportKind, destination: null, welcome: null, summarySent: false, failures: [] };
  const stamp = nowIso(cp);
  const smtpUrl = smtpUrlForSending(settings, cp.store.home);
  const port: MailPort =
    smtpUrl === null
      ? await openOutboxPort(outboxFolder(cp, migrationId), stamp)
      : await openSmtpPort(smtpUrl);
  const ctx: EmailContext = {
    migrationId,
    tenantId: migration.tenantId,
    application: profile.title,
    sender: settings.migratorEmail ?? DEFAULT_SENDER,
    migratorEmail: settings.migratorEmail,
  };
  const failures: UserEmailsResult['failures'] = [];
  const attempt = async (message: OutgoingMessage): Promise<boolean> => {
    try {
      await port.send(message);
      return true;
    } catch (error) {
      if (!isFerryError(error, 'FERRY_EMAIL_FAILED')) throw error;
      failures.push({ to: message.to, message: error.message });
      return false;
    }
  };
  try {
    let welcome: WelcomeCounts | null = null;
    if (settings.sendWelcomeEmails) {
      welcome = { sent: 0, alreadySent: 0, skipped: 0, failed: 0 };
      const shared = new Set(duplicateUsernames(users).flatMap((d) => d.users.map((u) => u.id)));
      for (const user of users) {
        if (user.plan === null) continue;
        if (user.username === null || !hasValidUsername(user) || shared.has(user.id)) {
          welcome.skipped++;
          continue;
        }
        if (user.welcomeSentTo === user.username) {
          welcome.alreadySent++;
          continue;
        }
        if (await attempt(welcomeMessage(ctx, { ...user, username: user.username, plan: user.plan }))) {
          welcome.sent++;
          await repo.markWelcomeSent(migrationId, user.id, user.username, nowIso(cp));
        } else {
          welcome.failed++;
        }
      }
    }
    let summarySent = false;
    if (wantSummary && settings.migratorEmail !== null)
      summarySent = await attempt(
        summaryMessage({ ...ctx, migratorEmail: settings.migratorEmail }, users, welcome),
      );
    return { transport: port.kind, destination: port.destination, welcome, summarySent, failures };
  } finally {
    port.close();
  }
}
