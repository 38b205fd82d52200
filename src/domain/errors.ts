// The error catalogue. Every error Ferry raises on purpose has a stable code, an HTTP status and a
// line in docs/errors.md (test/domain/errors-doc.test.ts keeps them in sync). Never reuse a retired
// code. Messages say what was found; `hint` says what to do; the original error travels as `cause`.

export const errorCatalogue = {
  FERRY_INVALID_ARGUMENT: {
    status: 400,
    user: true,
    hint: 'Check the command line; `ferry help COMMAND` shows every option.',
  },
  FERRY_URL_INVALID: {
    status: 400,
    user: true,
    hint: 'Use postgres://user@host:5432/db?schema=name, mysql://user@host:3306/db or sqlite:path/to/file.db.',
  },
  FERRY_HOST_UNREACHABLE: {
    status: 502,
    user: true,
    hint: 'Check the host and port, and that the server is running and accepts connections.',
  },
  FERRY_AUTH_FAILED: { status: 502, user: true, hint: 'Check the user name and password in the URL.' },
  FERRY_DATABASE_NOT_FOUND: {
    status: 404,
    user: true,
    hint: 'Create the database first, or correct its name in the URL.',
  },
  FERRY_TARGET_UNSUPPORTED: {
    status: 400,
    user: true,
    hint: 'Targets are PostgreSQL (postgres://…?schema=tenant) or SQLite (sqlite:file).',
  },
  FERRY_TARGET_NOT_EMPTY: {
    status: 409,
    user: true,
    hint: 'Use another schema or file, or pass --replace to drop the conflicting tables first.',
  },
  FERRY_TABLE_NOT_FOUND: {
    status: 404,
    user: true,
    hint: 'Check the table names given to --tables/--exclude against the source.',
  },
  FERRY_SOURCE_TABLE_DROPPED: {
    status: 409,
    user: true,
    hint: 'The table disappeared from the source during the run; restore it and run `ferry resume`, or exclude it.',
  },
  FERRY_SOURCE_ROW_TOO_LONG: {
    status: 422,
    user: true,
    hint: "Raise the source server's max_allowed_packet (SET GLOBAL max_allowed_packet = 1073741824), then run `ferry resume RUN`.",
  },
  FERRY_DISK_FULL: {
    status: 507,
    user: true,
    hint: 'Free space on the target disk, then run `ferry resume RUN`.',
  },
  FERRY_VALUE_OUT_OF_RANGE: {
    status: 422,
    user: true,
    hint: 'A source value does not fit the target column type; widen the column in the source or exclude the table.',
  },
  FERRY_COLUMN_UNSUPPORTED: {
    status: 422,
    user: true,
    hint: 'Exclude the column or the table, or convert the column in the source.',
  },
  FERRY_VERIFY_MISMATCH: {
    status: 409,
    user: true,
    hint: 'Source and target differ in the named key range; rerun with --replace, or check for writes to the target.',
  },
  FERRY_RUN_NOT_FOUND: { status: 404, user: true, hint: '`ferry runs` lists the runs in this home.' },
  FERRY_RUN_NOT_RESUMABLE: {
    status: 409,
    user: true,
    hint: 'Only a run that did not finish can be resumed; start a new one.',
  },
  FERRY_RUN_FAILED: {
    status: 500,
    user: true,
    hint: 'See the table results for the tables that failed and what to do.',
  },
  FERRY_CANCELLED: {
    status: 409,
    user: true,
    hint: 'The run was cancelled; `ferry resume RUN` continues it.',
  },
  FERRY_NO_DATA_UPGRADE: {
    status: 409,
    user: true,
    hint: "The migration's application profile has no data upgrade steps; there is nothing to upgrade.",
  },
  FERRY_INSTALLATION_INVALID: {
    status: 400,
    user: true,
    hint: 'Fix installation.yaml; `ferry demo init DIR` writes a valid example.',
  },
  FERRY_ILLEGAL_TRANSITION: {
    status: 409,
    user: true,
    hint: 'The action is not allowed in the current state; see docs/errors.md.',
  },
  FERRY_LICENSE_CHANGED: {
    status: 409,
    user: true,
    hint: "The installation's license no longer matches the one recorded at the first run; restore it, or abandon this migration and set up a new one.",
  },
  FERRY_MIGRATION_NOT_FOUND: {
    status: 404,
    user: true,
    hint: '`ferry migration list` shows the migrations in this store.',
  },
  FERRY_TENANT_IN_USE: {
    status: 409,
    user: true,
    hint: 'A tenant belongs to one migration at a time; finish or abandon that one, or choose another tenant id.',
  },
  FERRY_TENANT_NOT_FOUND: {
    status: 404,
    user: true,
    hint: '`GET /api/v1/tenants` (or `ferry migration list`) shows the tenants in this store.',
  },
  FERRY_TENANT_NOT_LOADED: {
    status: 409,
    user: true,
    hint: 'Sanitize --fix and repair-companions work on a loaded tenant: finish a test, full or final run first (`ferry run MIGRATION`), and wait until no run is active.',
  },
  FERRY_CHECKLIST_ITEM_NOT_FOUND: {
    status: 404,
    user: true,
    hint: '`ferry migration checklist MIGRATION` lists the item ids.',
  },
  FERRY_DOCUMENTS_FAILED: {
    status: 502,
    user: true,
    hint: 'Some documents could not be uploaded after retries; check the blob store, then run again (finished documents are kept).',
  },
  FERRY_UNAUTHORIZED: {
    status: 401,
    user: true,
    hint: 'Create a token with `ferry token create --name NAME` and send it as `Authorization: Bearer TOKEN`.',
  },
  FERRY_FORBIDDEN: {
    status: 403,
    user: true,
    hint: 'A runtime key lets an agent reach only its own migration’s agent endpoints (heartbeat, update check, the migration’s status); use an operator token (`ferry token create`) for everything else.',
  },
  FERRY_SERVER_UNREACHABLE: {
    status: 502,
    user: true,
    hint: 'Check the URL given to --server (or $FERRY_SERVER) and that `ferry serve` is running there.',
  },
  FERRY_SERVER_ERROR: {
    status: 502,
    user: true,
    hint: 'The answer did not come from a Ferry API of this version; check that --server points at `ferry serve` (not a proxy page) and that both run the same Ferry version.',
  },
  FERRY_TOKEN_NOT_FOUND: {
    status: 404,
    user: true,
    hint: '`ferry token list` shows the operator tokens.',
  },
  FERRY_SOURCE_ERROR: {
    status: 502,
    user: true,
    hint: 'The source database reported an error; see the cause.',
  },
  FERRY_TARGET_ERROR: {
    status: 502,
    user: true,
    hint: 'The target database reported an error; see the cause.',
  },
  FERRY_BLOB_STORE_ERROR: {
    status: 502,
    user: true,
    hint: 'The document store (filesystem or S3-compatible) reported an error; see the cause, then rerun the upload with the same session: finished documents are not uploaded again.',
  },
  FERRY_BLOB_CHECKSUM_MISMATCH: {
    status: 422,
    user: true,
    hint: 'The stored document differs from the archive file (it changed while being uploaded, or the store corrupted it); rerun the upload.',
  },
  FERRY_DOCUMENT_SESSION_CONFLICT: {
    status: 409,
    user: true,
    hint: 'Resume an upload session with the mode, archive and store it was started with, or start a new session.',
  },
  FERRY_CHECKS_BLOCKING: {
    status: 409,
    user: true,
    hint: 'Run `ferry check INSTALLATION` to see each blocking finding with its examples and what to do; fix them in the source, then start the run again.',
  },
  FERRY_USERS_NOT_READY: {
    status: 409,
    user: true,
    hint: '`ferry users list MIGRATION` shows every user with what is wrong; give an administrator a plan with `ferry users plan`, and each user with a plan a unique valid username with `ferry users username` (`ferry users duplicates` lists the clashes).',
  },
  FERRY_USER_NOT_FOUND: {
    status: 404,
    user: true,
    hint: '`ferry users list MIGRATION` shows the user ids; `ferry users refresh MIGRATION` reloads them from the source.',
  },
  FERRY_USERNAME_TAKEN: {
    status: 409,
    user: true,
    hint: "A username belongs to one user with a plan; choose another address, or first change the other user's username or plan.",
  },
  FERRY_USER_MAPPING_CONFLICT: {
    status: 409,
    user: true,
    hint: 'A user maps to one cloud identity and an identity to one user; `ferry users mappings MIGRATION` shows the mappings, `ferry users unmap` removes one.',
  },
  FERRY_EMAIL_FAILED: {
    status: 502,
    user: true,
    hint: 'The SMTP server did not accept the connection or the messages; check the URL given to `ferry users emails --smtp`, or leave it out to write the messages to the outbox folder.',
  },
  FERRY_CHANGE_TRACKING_UNAVAILABLE: {
    status: 409,
    user: true,
    hint: 'Enable change tracking on the source before the next full run (`enableChangeTracking`), or run the incremental run with the checksum method.',
  },
  FERRY_TABLE_MAPPING_INVALID: {
    status: 400,
    user: true,
    hint: 'Fix the table mappings file; docs/table-mappings.md describes the format and the rules.',
  },
  FERRY_COMPANY_BUSY: {
    status: 409,
    user: true,
    hint: '`ferry migration companies status MIGRATION` shows each company’s initialization; wait until it has succeeded or failed, then try again.',
  },
  FERRY_COMPANY_INITIALIZATION_FAILED: {
    status: 500,
    user: true,
    hint: 'See the message: fix its cause in the tenant or the source, then start the initialization of that company again.',
  },
  FERRY_CHECK_NOT_FOUND: {
    status: 404,
    user: true,
    hint: '`ferry check INSTALLATION` (or `POST /api/v1/migrations/ID/checks`) lists the check ids of the profile.',
  },
  FERRY_SECRET_UNREADABLE: {
    status: 500,
    user: true,
    hint: 'Give this process the key the secret was sealed with: the same $FERRY_SECRETS_KEY on every machine that shares the store (or a copy of the home’s secrets.key), or set the secret again (`ferry users emails MIGRATION --smtp URL`).',
  },
  FERRY_RUN_LEASED: {
    status: 409,
    user: true,
    hint: 'The run executes in another process (its lease is live): wait for it, or pause it (`ferry runs pause RUN`) and resume it once paused. If that process is gone, its lease expires within the lease time (30 s by default) and the run can be resumed.',
  },
  FERRY_IDEMPOTENCY_KEY_PENDING: {
    status: 409,
    user: true,
    hint: 'Another request with the same Idempotency-Key is still creating its run: retry the same request in a few seconds to get that run.',
  },
  FERRY_INTERNAL: {
    status: 500,
    user: false,
    hint: 'This is a bug in Ferry. Please report it with the output of --verbose.',
  },
} as const satisfies Record<string, { status: number; user: boolean; hint: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export interface FerryErrorOptions {
  cause?: unknown;
  /** Overrides the catalogue's hint with a more specific one. */
  hint?: string;
  /** Structured facts kept for logs and API responses (table, column, SQLSTATE…). Never secrets. */
  details?: Record<string, unknown>;
}

export class FerryError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly status: number;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: FerryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FerryError';
    this.code = code;
    this.hint = options.hint ?? errorCatalogue[code].hint;
    this.status = errorCatalogue[code].status;
    this.details = options.details ?? {};
  }

  get isUserError(): boolean {
    return errorCatalogue[this.code].user;
  }
}

export function isFerryError(error: unknown, code?: ErrorCode): error is FerryError {
  return error instanceof FerryError && (code === undefined || error.code === code);
}
