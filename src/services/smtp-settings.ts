// How a migration's SMTP URL is kept: the URL without its password in the store (safe to show as
// `smtp://host:port`), the password sealed with the secrets key (secret-box.ts) beside it. Only
// `smtpUrlForSending` puts the two together again, for the mail transport; nothing prints it.

import type { UserSettingsPatch, UserSettingsRecord } from '../store/user-repository.ts';
import { isSealed, seal, secretKey, unseal } from './secret-box.ts';
import { parseSmtpUrl } from './user-email-transport.ts';

/** What to store for `raw` (validated): the URL without password, and the sealed password. */
export function smtpForStore(
  raw: string | null,
  home: string,
): Pick<UserSettingsPatch, 'smtpUrl' | 'smtpPasswordSealed'> {
  if (raw === null) return { smtpUrl: null, smtpPasswordSealed: null };
  const url = parseSmtpUrl(raw);
  const password = url.password === '' ? null : decodeURIComponent(url.password);
  url.password = '';
  return {
    smtpUrl: url.toString(),
    smtpPasswordSealed: password === null ? null : seal(password, secretKey(home)),
  };
}

/** True for a row written before store migration 0012: its URL still holds the password in clear. */
export function holdsPlainPassword(settings: Pick<UserSettingsRecord, 'smtpUrl'>): boolean {
  if (settings.smtpUrl === null) return false;
  try {
    return parseSmtpUrl(settings.smtpUrl).password !== '';
  } catch {
    return false;
  }
}

/** The full URL for the mail transport (password unsealed), or null for the outbox. */
export function smtpUrlForSending(
  settings: Pick<UserSettingsRecord, 'smtpUrl' | 'smtpPasswordSealed'>,
  home: string,
): string | null {
  if (settings.smtpUrl === null) return null;
  const sealed = settings.smtpPasswordSealed;
  if (sealed === null || !isSealed(sealed)) return settings.smtpUrl;
  const url = parseSmtpUrl(settings.smtpUrl);
  url.password = encodeURIComponent(unseal(sealed, secretKey(home), 'SMTP password'));
  return url.toString();
}
