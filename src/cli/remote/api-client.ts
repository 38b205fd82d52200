// The CLI's HTTP client for a Ferry server (`ferry serve`): bearer auth, JSON in and out, and the
// API's error body `{ code, message, hint, details }` (src/api/errors.ts) turned back into the
// FerryError the local services would have thrown, so the error handler prints the same one line.
// The token is sent in the Authorization header only: it never appears in a message.

import { errorCatalogue, FerryError, type ErrorCode } from '../../domain/errors.ts';

export interface ServerConnection {
  /** Base URL of the server, e.g. http://ferry.example:7070 (a trailing /api/v1 is accepted). */
  url: string;
  /** Operator token (`ferry token create` on the server's home). */
  token?: string;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  /** Milliseconds before the request is given up (default two minutes: checks read the source). */
  timeoutMs?: number;
}

const defaultTimeoutMs = 120_000;

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(errorCatalogue, code);
}

/** The URL as it may be printed: scheme, host, port and path, without user name or password. */
export function printableServerUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

function parseServerUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `--server must be a URL such as http://localhost:7070, got "${raw.replace(/\/\/[^@/]*@/, '//***@')}"`,
      { cause },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `--server must be an http:// or https:// URL, got ${url.protocol} (${printableServerUrl(url)})`,
    );
  // Accept the base URL with or without the API prefix and trailing slashes.
  url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
  url.search = '';
  url.hash = '';
  return url;
}

/** Why fetch failed, from Node's undici error chain (ECONNREFUSED, ENOTFOUND, a timeout…). */
function networkReason(error: unknown): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return 'no answer in time';
  let current: unknown = error;
  while (current instanceof Error) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return error instanceof Error ? error.message : String(error);
}

export class ApiClient {
  private readonly base: URL;
  /** The server's URL without credentials, for messages. */
  readonly printableUrl: string;
  private readonly token: string | undefined;

  constructor(connection: ServerConnection) {
    this.base = parseServerUrl(connection.url);
    this.printableUrl = printableServerUrl(this.base);
    this.token = connection.token;
  }

  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, options);
  }

  post<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body: body ?? {} });
  }

  put<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PUT', path, { ...options, body });
  }

  delete<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('DELETE', path, options);
  }

  /** `path` is relative to /api/v1, e.g. `/migrations/m-1/plan`. Answers the parsed JSON body. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, {
      ...options,
      signal: AbortSignal.timeout(options.timeoutMs ?? defaultTimeoutMs),
    });
    const text = await response.text();
    if (!response.ok) throw this.errorFrom(method, path, response, text);
    if (text === '') return null as T;
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new FerryError(
        'FERRY_SERVER_ERROR',
        `${method} ${path} at ${this.printableUrl} answered ${response.status} with a body that is not JSON`,
        { cause },
      );
    }
  }

  /** An open response whose body the caller reads as a stream (Server-Sent Events). */
  async stream(path: string, signal: AbortSignal): Promise<Response> {
    const response = await this.send('GET', path, {
      headers: { accept: 'text/event-stream' },
      signal,
    });
    if (!response.ok) throw this.errorFrom('GET', path, response, await response.text());
    return response;
  }

  private async send(
    method: string,
    path: string,
    options: RequestOptions & { signal: AbortSignal },
  ): Promise<Response> {
    // The server may live under a path prefix (behind a proxy): keep it, without its last slash.
    const url = new URL(`${this.base.pathname.replace(/\/+$/, '')}/api/v1${path}`, this.base.origin);
    for (const [name, value] of Object.entries(options.query ?? {}))
      if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(url, {
        method,
        headers,
        signal: options.signal,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
    } catch (cause) {
      // An abort the caller asked for is not the server's fault: let it through as it is.
      if (options.signal.aborted && !(cause instanceof DOMException && cause.name === 'TimeoutError'))
        throw cause;
      throw new FerryError(
        'FERRY_SERVER_UNREACHABLE',
        `no Ferry server answered at ${this.printableUrl} (${networkReason(cause)})`,
        { cause, details: { server: this.printableUrl } },
      );
    }
  }

  private errorFrom(method: string, path: string, response: Response, text: string): FerryError {
    type ErrorBody = { code?: unknown; message?: unknown; hint?: unknown; details?: unknown };
    let body: ErrorBody | null = null;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) body = parsed as ErrorBody;
    } catch {
      body = null;
    }
    const message = typeof body?.message === 'string' ? body.message : null;
    const details =
      typeof body?.details === 'object' && body.details !== null
        ? (body.details as Record<string, unknown>)
        : {};
    if (response.status === 401) {
      return new FerryError(
        'FERRY_UNAUTHORIZED',
        this.token === undefined
          ? `${this.printableUrl} needs an operator token and none was given`
          : `${this.printableUrl} refused the operator token (${message ?? 'unknown or revoked'})`,
        {
          hint:
            'Create a token on the server’s home with `ferry token create --name NAME` and pass it in ' +
            '$FERRY_TOKEN (or --token).',
        },
      );
    }
    if (message === null || !isErrorCode(body?.code)) {
      return new FerryError(
        'FERRY_SERVER_ERROR',
        message === null
          ? `${method} ${path} at ${this.printableUrl} answered ${response.status} ${response.statusText}, not a Ferry API error`
          : `${this.printableUrl} answered ${response.status}: ${message} [${String(body?.code)}]`,
        { details: { status: response.status, ...details } },
      );
    }
    if (body?.code === 'FERRY_INTERNAL')
      return new FerryError(
        'FERRY_INTERNAL',
        `${method} ${path} failed inside the server at ${this.printableUrl}; its log has the details`,
      );
    return new FerryError(body.code as ErrorCode, message, {
      ...(typeof body.hint === 'string' ? { hint: body.hint } : {}),
      details,
    });
  }
}
