// Retries with exponential backoff for transient blob-store errors. Whether an error is transient is
// decided by its code (errno, SDK error name, HTTP status), never by its message text.

import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryOptions {
  /** Attempts in total, the first included (default 5). */
  attempts?: number;
  /** Delay before the first retry, in milliseconds (default 200); doubled each retry, with jitter. */
  baseDelayMs?: number;
  /** Upper bound of one delay, in milliseconds (default 10,000). */
  maxDelayMs?: number;
  signal?: AbortSignal;
  /** Called before each retry (for logs and counters). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

const transientErrno = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EMFILE',
  'ENFILE',
  'EAGAIN',
  'EBUSY',
  'UND_ERR_SOCKET',
]);

const transientNames = new Set([
  'RequestTimeout',
  'RequestTimeoutException',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
]);

/** Marks an error as worth another attempt (used by stores and by fault-injecting test wrappers). */
export class TransientError extends Error {
  readonly transient = true;
}

/** True for errors a retry may cure: network resets, timeouts, throttling, HTTP 5xx and 429. */
export function isTransient(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof TransientError) return true;
    const { code, name, $metadata, $retryable } = e as Error & {
      code?: unknown;
      $metadata?: { httpStatusCode?: number };
      $retryable?: unknown;
    };
    if (typeof code === 'string' && transientErrno.has(code)) return true;
    if (transientNames.has(name)) return true;
    if ($retryable !== undefined) return true;
    const status = $metadata?.httpStatusCode;
    if (status !== undefined && (status >= 500 || status === 429)) return true;
  }
  return false;
}

/** Run `attempt` until it succeeds, a non-transient error occurs, or the attempts are used up. */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 5);
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 10_000;
  for (let n = 1; ; n++) {
    options.signal?.throwIfAborted();
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= attempts || !isTransient(error) || options.signal?.aborted === true) throw error;
      const delay = Math.min(max, base * 2 ** (n - 1)) * (0.5 + Math.random() / 2);
      options.onRetry?.(error, n, delay);
      await sleep(delay, undefined, { signal: options.signal });
    }
  }
}
