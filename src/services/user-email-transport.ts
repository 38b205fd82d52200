// Where the users' emails go, behind one narrow port: an SMTP server when a transport URL is given
// (`smtp://host:port`, `smtps://user:password@host:465`), otherwise (the embedded default) the
// outbox folder, one RFC 822 `.eml` file per message rendered by nodemailer's stream transport.
// The SMTP URL may hold a password: only `smtpDisplay` (no credentials) is ever shown.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { redactSecrets } from '../connectors/connection-url.ts';
import { FerryError } from '../domain/errors.ts';

export interface OutgoingMessage {
  from: string;
  to: string;
  replyTo?: string;
  subject: string;
  text: string;
  /** A short name for the outbox file, e.g. `welcome-17`. */
  label: string;
}

export interface MailPort {
  readonly kind: 'smtp' | 'outbox';
  /** Where the messages go: `smtp://host:port` (no credentials) or the outbox folder. */
  readonly destination: string;
  send(message: OutgoingMessage): Promise<void>;
  close(): void;
}

/** Validates an SMTP transport URL: smtp:// or smtps:// with a host. */
export function parseSmtpUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FerryError('FERRY_INVALID_ARGUMENT', `the SMTP URL "${smtpDisplayOf(raw)}" is not a valid URL`);
  }
  if ((url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || url.hostname === '')
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `the SMTP URL must look like smtp://host:port or smtps://user:password@host:465, got "${smtpDisplayOf(raw)}"`,
    );
  return url;
}

/** `smtp://host:port` without user, password or parameters; safe to print. */
export function smtpDisplay(url: URL): string {
  const port = url.port === '' ? (url.protocol === 'smtps:' ? '465' : '587') : url.port;
  return `${url.protocol}//${url.hostname}:${port}`;
}

function smtpDisplayOf(raw: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(raw)?.[0] ?? '';
  const rest = raw.slice(scheme.length).replace(/^[^@/]*@/, '');
  return scheme + rest.replace(/[?#].*$/, '');
}

function secretsOf(url: URL): string[] {
  return [url.password, decodeURIComponent(url.password)].filter((s) => s !== '');
}

export async function openSmtpPort(raw: string): Promise<MailPort> {
  const url = parseSmtpUrl(raw);
  const destination = smtpDisplay(url);
  const transport = nodemailer.createTransport({
    url: raw,
    pool: true,
    maxConnections: 3,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  const clean = (error: unknown): string =>
    redactSecrets(error instanceof Error ? error.message : String(error), secretsOf(url));
  try {
    await transport.verify();
  } catch (error) {
    transport.close();
    throw new FerryError(
      'FERRY_EMAIL_FAILED',
      `the SMTP server ${destination} did not accept a connection: ${clean(error)}`,
      {
        details: { destination },
      },
    );
  }
  return {
    kind: 'smtp',
    destination,
    async send(message) {
      try {
        await transport.sendMail({
          from: message.from,
          to: message.to,
          ...(message.replyTo === undefined ? {} : { replyTo: message.replyTo }),
          subject: message.subject,
          text: message.text,
        });
      } catch (error) {
        throw new FerryError(
          'FERRY_EMAIL_FAILED',
          `${destination} refused the message to ${message.to}: ${clean(error)}`,
          {
            details: { destination },
          },
        );
      }
    },
    close() {
      transport.close();
    },
  };
}

/** Writes each message as `<stamp>-<label>.eml` into `folder` (created when missing). */
export async function openOutboxPort(folder: string, stamp: string): Promise<MailPort> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const safeStamp = stamp.replace(/[^0-9A-Za-z]/g, '');
  return {
    kind: 'outbox',
    destination: folder,
    async send(message) {
      const info = await transport.sendMail({
        from: message.from,
        to: message.to,
        ...(message.replyTo === undefined ? {} : { replyTo: message.replyTo }),
        subject: message.subject,
        text: message.text,
      });
      if (!Buffer.isBuffer(info.message))
        throw new FerryError('FERRY_INTERNAL', 'nodemailer rendered a stream where a buffer was asked for');
      const file = join(folder, `${safeStamp}-${message.label.replace(/[^0-9A-Za-z_-]/g, '_')}.eml`);
      await writeFile(file, info.message, { mode: 0o600 });
    },
    close() {
      transport.close();
    },
  };
}
