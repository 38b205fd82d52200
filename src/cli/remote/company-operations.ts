// What `ferry migration companies init|status` does, locally or through a Ferry server
// (/api/v1/migrations/:id/companies/initializations, src/api/routes/company-initializations.ts).
// Locally the jobs go to the store's queue: executed in this process with the SQLite store, handed
// to pg-boss for `ferry worker` processes with the PostgreSQL store. Remotely the server's queue
// takes them (its in-process executor, or its workers). Both answer the services' shapes.

import { isBusy } from '../../domain/company-initialization.ts';
import {
  listCompanyInitializations,
  startCompanyInitializations,
  startInProcessCompanyInitializer,
  waitForCompanyInitializations,
  type CompanyInitializations,
} from '../../services/company-initialization.ts';
import type { ControlPlane } from '../../services/control-plane.ts';
import type { ApiClient } from './api-client.ts';
import type { OperationsFactory } from './operations.ts';

export interface CompanyInitializationStart {
  list: CompanyInitializations;
  /** True when `list` shows the jobs ended (waited for, or executed here). */
  waited: boolean;
}

export interface CompanyOperations {
  /**
   * Queues one job per company (null: every selected company); with `wait` (always, when the jobs
   * execute in this process) answers once every one of them has ended.
   */
  initialize(
    migrationId: string,
    companyIds: string[] | null,
    wait: boolean,
  ): Promise<CompanyInitializationStart>;
  status(migrationId: string): Promise<CompanyInitializations>;
}

/** How often a waiting CLI asks again (local store or server), in ms. */
const POLL_MS = 500;

function local(cp: ControlPlane, storeUrl: string | undefined): CompanyOperations {
  return {
    async initialize(migrationId, companyIds, wait) {
      if (cp.store.kind === 'postgres' && storeUrl !== undefined) {
        const { PgBossQueue } = await import('../../queue/pg-boss-queue.ts');
        const queue = await PgBossQueue.open({ url: storeUrl, supervise: false });
        let started: CompanyInitializations;
        try {
          started = await startCompanyInitializations(cp, migrationId, companyIds, queue);
        } finally {
          await queue.stop({ graceful: false });
        }
        if (!wait) return { list: started, waited: false };
        const ids = started.companies.map((c) => c.companyId);
        return { list: await waitForCompanyInitializations(cp, migrationId, ids), waited: true };
      }
      // The SQLite store has no workers: the jobs execute here, and the command waits for them.
      const queue = await startInProcessCompanyInitializer(cp);
      try {
        const started = await startCompanyInitializations(cp, migrationId, companyIds, queue);
        await queue.idle();
        const ids = started.companies.map((c) => c.companyId);
        return { list: await waitForCompanyInitializations(cp, migrationId, ids), waited: true };
      } finally {
        await queue.stop();
      }
    },
    status: (migrationId) => listCompanyInitializations(cp, migrationId),
  };
}

function remote(api: ApiClient): CompanyOperations {
  const path = (id: string) => `/migrations/${encodeURIComponent(id)}/companies/initializations`;
  const status = (id: string) => api.get<CompanyInitializations>(path(id));
  return {
    async initialize(migrationId, companyIds, wait) {
      const started = await api.post<CompanyInitializations>(path(migrationId), { companyIds });
      if (!wait) return { list: started, waited: false };
      const ids = new Set(started.companies.map((c) => c.companyId));
      for (;;) {
        const all = await status(migrationId);
        const watched = all.companies.filter((c) => ids.has(c.companyId));
        if (!watched.some((c) => isBusy(c.status)))
          return { list: { migrationId, companies: watched }, waited: true };
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
    status,
  };
}

/** `--store` names the PostgreSQL store whose queue the workers share (local mode only). */
export function companyOperations(storeUrl: string | undefined): OperationsFactory<CompanyOperations> {
  return { local: (cp) => local(cp, storeUrl), remote };
}
