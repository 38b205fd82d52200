// The document archive's part of a migration run: upload the documents the database references to
// the tenant's blob store, resumably (one upload session per run), and report what was uploaded,
// unchanged, missing or failed. Recovery runs follow the previous run's session: `missing-files`
// uploads only what was missing or failed then (and changed files); `overwrite-test` only new or
// changed documents.

import { openSource } from '../connectors/registry.ts';
import type { Installation } from '../domain/installation.ts';
import type { ApplicationProfile } from '../profiles/profile.ts';
import { DocumentOutcomeRepository } from '../storage/document-outcomes.ts';
import type { UploadMode } from '../storage/document-outcomes.ts';
import { openBlobStore } from '../storage/open-blob-store.ts';
import { uploadDocuments, type UploadReport } from '../storage/upload-documents.ts';
import type { TenantRecord } from '../store/migration-repository.ts';
import type { ControlPlane } from './control-plane.ts';

export interface MigrationUploadInput {
  cp: ControlPlane;
  migrationId: string;
  runId: string;
  installation: Installation;
  profile: ApplicationProfile;
  tenant: TenantRecord;
  mode: UploadMode;
  signal?: AbortSignal;
}

/** The newest earlier run of the migration that has an upload session. */
async function previousSession(cp: ControlPlane, migrationId: string, runId: string): Promise<string | null> {
  const outcomes = new DocumentOutcomeRepository(cp.store.kysely);
  for (const run of await cp.store.listRunsOfMigration(migrationId)) {
    if (run.id === runId) continue;
    if ((await outcomes.getSession(run.id)) !== null) return run.id;
  }
  return null;
}

/** Null when the application has no document archive. */
export async function uploadMigrationDocuments(input: MigrationUploadInput): Promise<UploadReport | null> {
  const hook = input.profile.documents;
  if (hook === undefined) return null;
  const source = await openSource(input.installation.database);
  let referenced;
  try {
    referenced = await hook.referenced({
      installation: input.installation,
      source,
      tables: await source.listTables(),
      ...(input.signal === undefined ? {} : { signal: input.signal }),
    });
  } finally {
    await source.close();
  }
  const store = openBlobStore(input.tenant.blobStoreUrl);
  try {
    return await uploadDocuments({
      sessionId: input.runId,
      archiveRoot: input.installation.archive,
      referenced,
      store,
      outcomes: new DocumentOutcomeRepository(input.cp.store.kysely),
      mode: input.mode,
      previousSessionId:
        input.mode === 'initial' ? null : await previousSession(input.cp, input.migrationId, input.runId),
      ...(input.signal === undefined ? {} : { signal: input.signal }),
    });
  } finally {
    await store.close();
  }
}
