// What happens after a migration run's engine returned, the same for a run that started here, one
// resumed, and one a `ferry worker` executed:
//
//   paused?                   → nothing: the run keeps its migration until it is resumed or cancelled
//   a load that succeeded     → the documents (the kind's upload mode; failed uploads fail the run)
//   (test, full, final,         → the tenant's user registry (users, plans, usernames)
//    incremental, recovery-     → after a live load (full, final): welcome emails and the user summary;
//    overwrite-test)              what cannot be sent is a run warning with guidance, never a failure
//                                 of a run whose data loaded
//                               → with sanitize on load: invalid characters fixed in the tenant copy
//   a diagnostic              → invalid characters counted in its scratch copy (then dropped)
//   always                    → the gate releases the migration and moves the phase on

import { openTarget } from '../connectors/registry.ts';
import { isFerryError } from '../domain/errors.ts';
import type { RunKind } from '../domain/migration-rules.ts';
import type { RunOutcome } from '../engine/execute-run.ts';
import type { UploadReport } from '../storage/upload-documents.ts';
import type { RunWarning } from '../store/run-repository.ts';
import type { ControlPlane } from './control-plane.ts';
import { createRunGate, type RunEndOutcome } from './run-gate.ts';
import { appendRunLog, runLogDir } from './run-log.ts';
import type { PreparedRun } from './run-preparation.ts';
import { uploadModeFor, uploadPreparedDocuments } from './run-preparation.ts';
import { reportInvalidTextOfDiagnostic, sanitizeAfterLoad } from './sanitize.ts';
import { writeTenantUserRegistry } from './tenant-user-registry.ts';
import { sendUserEmails } from './welcome-emails.ts';

export interface MigrationRunOutcome extends RunOutcome {
  kind: RunKind;
  /** The document upload of this run; null when the application has no archive or the kind moves none. */
  documents: UploadReport | null;
  /** What went wrong after the data loaded without failing the run (e.g. emails not sent). */
  warnings: RunWarning[];
}

/** Kinds after which documents are uploaded and the tenant's user registry is written. */
const loadsTenant: readonly RunKind[] = ['test', 'full', 'final', 'incremental', 'recovery-overwrite-test'];
/** Kinds that reload every table: sanitize on load applies after them. */
const reloadsTenant: readonly RunKind[] = ['test', 'full', 'final', 'recovery-overwrite-test'];

export interface PostLoadInput {
  cp: ControlPlane;
  kind: RunKind;
  prepared: PreparedRun;
  outcome: RunOutcome;
  /** A documents-only run's own upload (recovery-missing-files). */
  documents?: UploadReport | null;
  /** The diagnostic's scratch copy (its run's target). */
  scratchUrl?: string;
  signal: AbortSignal;
}

/** The one post-load path of every migration run (see the header). */
export async function finishMigrationRun(input: PostLoadInput): Promise<MigrationRunOutcome> {
  const { cp, kind, prepared } = input;
  const migrationId = prepared.migration.id;
  let outcome = input.outcome;
  let documents = input.documents ?? null;
  // A paused run keeps the migration (no other run starts) until it is resumed or cancelled.
  if (outcome.status === 'paused') return { ...outcome, kind, documents: null, warnings: [] };
  const succeeded = outcome.status === 'succeeded' || outcome.status === 'succeeded-with-warnings';
  if (succeeded && loadsTenant.includes(kind)) {
    documents = await uploadPreparedDocuments(cp, prepared, outcome.runId, uploadModeFor(kind), input.signal);
    outcome = await withDocumentOutcome(cp, outcome, documents);
    await writeUserRegistry(cp, migrationId, prepared);
    // After a live load the users log in to the tenant: welcome them (a test run's tenant stays closed).
    if (kind === 'full' || kind === 'final') await sendWelcomeEmails(cp, migrationId, outcome.runId);
    // With `ferry sanitize MIGRATION --on-load on`, invalid characters are fixed in the tenant copy.
    if (reloadsTenant.includes(kind))
      outcome = await sanitizeAfterLoad(cp, migrationId, outcome, input.signal);
  }
  // A diagnostic run counts invalid characters in its scratch copy before the copy is dropped.
  if (kind === 'diagnostic' && input.scratchUrl !== undefined)
    outcome = await reportInvalidTextOfDiagnostic(cp, migrationId, outcome, input.scratchUrl, input.signal);
  const warnings = await cp.store.listRunWarnings(outcome.runId);
  if (warnings.length > 0 && outcome.status === 'succeeded')
    outcome = { ...outcome, status: 'succeeded-with-warnings' };
  await createRunGate(cp).runEnded(migrationId, outcome.runId, kind, endOutcome(outcome.status));
  return {
    ...outcome,
    kind,
    documents,
    warnings: warnings.map(({ code, text, guidance }) => ({
      code,
      text,
      ...(guidance === undefined ? {} : { guidance }),
    })),
  };
}

export function endOutcome(status: RunOutcome['status']): RunEndOutcome {
  switch (status) {
    case 'succeeded':
    case 'succeeded-with-warnings':
    case 'failed':
    case 'cancelled':
      return status;
    case 'queued':
    case 'running':
    case 'paused':
      return 'failed';
    default: {
      const never: never = status;
      return never;
    }
  }
}

/** Documents that failed to upload fail the run; missing ones are listed (the run still counts). */
async function withDocumentOutcome(
  cp: ControlPlane,
  outcome: RunOutcome,
  documents: UploadReport | null,
): Promise<RunOutcome> {
  if (documents === null || documents.failed.length === 0) return outcome;
  await cp.store.updateRun(outcome.runId, {
    status: 'failed',
    error: {
      code: 'FERRY_DOCUMENTS_FAILED',
      message: `${documents.failed.length} document(s) failed to upload`,
    },
  });
  return { ...outcome, status: 'failed' };
}

/** The tenant's user registry gets the users with their plans and usernames. */
async function writeUserRegistry(
  cp: ControlPlane,
  migrationId: string,
  prepared: PreparedRun,
): Promise<void> {
  const target = await openTarget(prepared.tenant.databaseUrl);
  try {
    await writeTenantUserRegistry(cp, migrationId, target);
  } finally {
    await target.close();
  }
}

/**
 * Welcome emails and the user summary, when the migration asks for them. The data is loaded by now:
 * a message that cannot be sent, or an SMTP server that cannot be reached, is recorded as a warning
 * on the run (and in its log) with what to do; the run does not fail for it.
 */
async function sendWelcomeEmails(cp: ControlPlane, migrationId: string, runId: string): Promise<void> {
  const guidance =
    `Fix the SMTP server or its settings (\`ferry users emails ${migrationId} --smtp URL\`), then send what is ` +
    `missing with \`ferry users send-emails ${migrationId}\`: users already welcomed are skipped.`;
  const warnings: RunWarning[] = [];
  try {
    const sent = await sendUserEmails(cp, migrationId);
    for (const failure of sent.failures)
      warnings.push({
        code: 'FERRY_EMAIL_FAILED',
        text: `the email to ${failure.to} was not sent: ${failure.message}`,
        guidance,
      });
  } catch (error) {
    // Only errors Ferry raises on purpose (SMTP unreachable, a secret it cannot unseal) are
    // warnings; a bug still fails loudly.
    if (!isFerryError(error) || !error.isUserError) throw error;
    warnings.push({
      code: error.code,
      text: `welcome emails and the user summary were not sent: ${error.message}`,
      guidance,
    });
  }
  for (const warning of warnings) {
    await cp.store.addRunWarning(runId, warning);
    appendRunLog(runLogDir(cp.store), runId, { type: 'warning', ...warning });
  }
}
