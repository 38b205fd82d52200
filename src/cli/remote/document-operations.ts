// What `ferry documents …` does, locally (the services on the store) or through a Ferry server
// (/api/v1/migrations/:id/documents/manifest, /api/v1/runs/:id/documents): the archive's manifest
// and a run's document report. Same answers both ways, so text and --json are the same.

import type { ControlPlane } from '../../services/control-plane.ts';
import {
  documentManifest,
  runDocuments,
  type DocumentManifestOptions,
  type DocumentManifestReport,
  type RunDocumentsOptions,
  type RunDocumentsReport,
} from '../../services/document-reports.ts';
import type { ApiClient } from './api-client.ts';
import type { OperationsFactory } from './operations.ts';

export interface DocumentOperations {
  manifest(
    migrationId: string,
    options: Omit<DocumentManifestOptions, 'signal'>,
  ): Promise<DocumentManifestReport>;
  run(runId: string, options: RunDocumentsOptions): Promise<RunDocumentsReport>;
}

function local(cp: ControlPlane): DocumentOperations {
  return {
    manifest: (migrationId, options) => documentManifest(cp, migrationId, options),
    run: (runId, options) => runDocuments(cp, runId, options),
  };
}

function remote(api: ApiClient): DocumentOperations {
  return {
    manifest: (migrationId, options) =>
      api.get<DocumentManifestReport>(`/migrations/${encodeURIComponent(migrationId)}/documents/manifest`, {
        query: { hash: options.hash === true ? 'true' : undefined, limit: options.limit },
        // Hashing reads every file of the archive on the server.
        timeoutMs: 30 * 60_000,
      }),
    run: (runId, options) => {
      // Several outcomes travel as a repeated parameter (?outcome=missing&outcome=failed).
      const outcomes = new URLSearchParams(
        (options.outcomes ?? []).map((o): [string, string] => ['outcome', o]),
      );
      const query = outcomes.size === 0 ? '' : `?${outcomes.toString()}`;
      return api.get<RunDocumentsReport>(`/runs/${encodeURIComponent(runId)}/documents${query}`, {
        query: { limit: options.limit },
      });
    },
  };
}

export const documentOperations: OperationsFactory<DocumentOperations> = { local, remote };
