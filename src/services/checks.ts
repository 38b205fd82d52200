// Pre-migration checks: run an installation's profile checks against its source, apply an offered
// fix on request, and the gate a run calls before it starts (`assertNoBlockingChecks`).
//
// Running the checks only reads the source (through the connector contract); the one write is a
// check's fix, applied by `applyFix` when an operator asks for it, never by a run.

import { redactUrl } from '../connectors/connection-url.ts';
import { openSource } from '../connectors/registry.ts';
import { deleteSourceRows } from '../connectors/source-edits.ts';
import type { SourceConnection } from '../connectors/types.ts';
import { FerryError, isFerryError } from '../domain/errors.ts';
import type { Installation } from '../domain/installation.ts';
import type {
  ApplicationProfile,
  CheckDefinition,
  CheckOutcome,
  CheckSeverity,
  ProfileContext,
  SourceEdits,
} from '../profiles/profile.ts';
import { profileById } from '../profiles/registry.ts';
import { readInstallation } from './installation-file.ts';

/** At most this many examples are kept per check. */
export const MAX_EXAMPLES = 20;

export interface CheckResult {
  id: string;
  title: string;
  severity: CheckSeverity;
  /** `pass` when nothing was found; otherwise the check's severity. */
  outcome: CheckOutcome;
  count: number;
  /** What `count` counts ('users', 'rows'…), when the check says. */
  unit: string | null;
  /** Up to 20 examples. */
  examples: string[];
  /** What to do (empty for a pass is not guaranteed: it always says what the rule is about). */
  guidance: string;
  /** Counts per place (e.g. `table.column`), when the check spreads its count. */
  breakdown: { label: string; count: number }[];
  /** True when the check offers a fix (`applyFix` / `ferry check --fix ID`). */
  fixAvailable: boolean;
  /** Set when the check could not run: its outcome is then its severity, its count 0. */
  error: { code: string; message: string } | null;
  durationMs: number;
}

export interface ChecksReport {
  /** The installation checked; its database URL without a password. */
  installation: { name: string; profile: string; database: string };
  profile: string;
  results: CheckResult[];
  /** True when at least one blocking check failed: a run (other than diagnostic) may not start. */
  blocking: boolean;
}

export interface RunChecksOptions {
  /** Profile id or profile; default: the installation's `profile`. */
  profile?: string | ApplicationProfile;
  /** Only these check ids (default: every check of the profile). */
  only?: string[];
  signal?: AbortSignal;
}

async function resolveInstallation(installation: string | Installation): Promise<Installation> {
  return typeof installation === 'string' ? readInstallation(installation) : installation;
}

function resolveProfile(
  installation: Installation,
  profile: RunChecksOptions['profile'],
): ApplicationProfile {
  if (profile === undefined) return profileById(installation.profile);
  return typeof profile === 'string' ? profileById(profile) : profile;
}

async function withContext<T>(
  installation: Installation,
  signal: AbortSignal | undefined,
  use: (ctx: ProfileContext) => Promise<T>,
): Promise<T> {
  const source: SourceConnection = await openSource(installation.database);
  try {
    const tables = await source.listTables();
    return await use({ installation, source, tables, ...(signal ? { signal } : {}) });
  } finally {
    await source.close();
  }
}

/** Runs one check; an error inside it becomes a failed result that says the check could not run. */
export async function runCheck(check: CheckDefinition, ctx: ProfileContext): Promise<CheckResult> {
  const started = Date.now();
  const base = {
    id: check.id,
    title: check.title,
    severity: check.severity,
    fixAvailable: check.fix !== undefined,
  };
  try {
    const finding = await check.run(ctx);
    return {
      ...base,
      outcome: finding.count > 0 ? check.severity : 'pass',
      count: finding.count,
      unit: finding.unit ?? null,
      examples: finding.examples.slice(0, MAX_EXAMPLES),
      guidance: finding.guidance ?? check.guidance,
      breakdown: finding.breakdown ?? [],
      error: null,
      durationMs: Date.now() - started,
    };
  } catch (error) {
    ctx.signal?.throwIfAborted();
    const message = redactUrl(error instanceof Error ? error.message : String(error));
    return {
      ...base,
      outcome: check.severity,
      count: 0,
      unit: null,
      examples: [],
      guidance: `The check could not run: ${message}. ${check.guidance}`,
      breakdown: [],
      error: { code: isFerryError(error) ? error.code : 'FERRY_INTERNAL', message },
      durationMs: Date.now() - started,
    };
  }
}

/** Runs the profile's checks against the installation's source, reading only. */
export async function runChecks(
  installationOrPath: string | Installation,
  options: RunChecksOptions = {},
): Promise<ChecksReport> {
  const installation = await resolveInstallation(installationOrPath);
  const profile = resolveProfile(installation, options.profile);
  const checks =
    options.only === undefined ? profile.checks : options.only.map((id) => checkById(profile, id));
  const results = await withContext(installation, options.signal, async (ctx) => {
    const out: CheckResult[] = [];
    for (const check of checks) {
      options.signal?.throwIfAborted();
      out.push(await runCheck(check, ctx));
    }
    return out;
  });
  return {
    installation: {
      name: installation.name,
      profile: profile.id,
      database: redactUrl(installation.database),
    },
    profile: profile.id,
    results,
    blocking: results.some((r) => r.outcome === 'blocking'),
  };
}

function checkById(profile: ApplicationProfile, checkId: string): CheckDefinition {
  const check = profile.checks.find((c) => c.id === checkId);
  if (check === undefined) {
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `the ${profile.id} profile has no check ${JSON.stringify(checkId)}; its checks are ${profile.checks.map((c) => c.id).join(', ')}`,
      { details: { check: checkId, profile: profile.id } },
    );
  }
  return check;
}

export interface FixOutcome {
  checkId: string;
  /** What the fix did, in words. */
  description: string;
  /** Rows (or other objects) the fix changed. */
  changed: number;
  /** The check run again after the fix. */
  after: CheckResult;
}

/**
 * Applies the fix a check offers, on the source, on explicit request only. Unknown check ids and
 * checks without a fix are FERRY_INVALID_ARGUMENT.
 */
export async function applyFix(
  installationOrPath: string | Installation,
  checkId: string,
  options: Pick<RunChecksOptions, 'profile' | 'signal'> = {},
): Promise<FixOutcome> {
  const installation = await resolveInstallation(installationOrPath);
  const profile = resolveProfile(installation, options.profile);
  const check = checkById(profile, checkId);
  const fix = check.fix;
  if (fix === undefined) {
    const fixable = profile.checks.filter((c) => c.fix !== undefined).map((c) => c.id);
    throw new FerryError(
      'FERRY_INVALID_ARGUMENT',
      `check ${checkId} offers no fix${fixable.length > 0 ? `; checks with a fix: ${fixable.join(', ')}` : ''}`,
      { hint: "Follow the check's guidance (`ferry check INSTALLATION`) to resolve it in the application." },
    );
  }
  const edits: SourceEdits = {
    deleteRows: (table, keyColumn, keys) => deleteSourceRows(installation.database, table, keyColumn, keys),
  };
  const { changed } = await withContext(installation, options.signal, (ctx) => fix.apply(ctx, edits));
  const after = await withContext(installation, options.signal, (ctx) => runCheck(check, ctx));
  return { checkId, description: fix.description, changed, after };
}

/** The run gate: throws FERRY_CHECKS_BLOCKING naming every blocking check that failed. */
export function assertNoBlockingChecks(results: readonly CheckResult[]): void {
  const blocking = results.filter((r) => r.outcome === 'blocking');
  if (blocking.length === 0) return;
  const ids = blocking.map((r) => r.id);
  throw new FerryError(
    'FERRY_CHECKS_BLOCKING',
    `${blocking.length === 1 ? 'a blocking check fails' : `${blocking.length} blocking checks fail`}: ${ids.join(', ')}; a run other than diagnostic cannot start`,
    { details: { checks: ids } },
  );
}
