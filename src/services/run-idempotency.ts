// Idempotency keys on run creation (`Idempotency-Key` on POST /runs and POST /migrations/:id/runs,
// and the scheduler's `schedule:MIGRATION:DUE`): the same key, in the same scope (route and
// migration), always answers with the same run, and of two concurrent requests exactly one
// creates it.
//
//   reserve (unique insert of scope + key) ──won──► create the run ─► bind the key to it
//        │                                               └─ failed before the run existed ─► release
//        └─lost──► bound to a run? answer it (created: false)
//                  still pending? wait for the winner (up to a minute), then answer its run; a
//                  reservation the winner released is tried again; one older than 5 minutes was
//                  left by a request that died, and is taken over

import { setTimeout as sleep } from 'node:timers/promises';
import { FerryError } from '../domain/errors.ts';
import { IdempotencyRepository } from '../store/idempotency-repository.ts';
import type { Store } from '../store/open-store.ts';

const waitMs = 60_000;
const pollMs = 100;
const abandonedAfterMs = 5 * 60_000;

export interface IdempotentAnswer {
  runId: string;
  /** False when an earlier request with the same key created the run. */
  created: boolean;
}

/**
 * Runs `create` at most once per (scope, key). `create` must call `bind(runId)` as soon as its run
 * exists (before it finishes, for runs that execute in the background) and resolve with the run id.
 */
export async function idempotentRun(
  store: Store,
  scope: string,
  key: string,
  create: (bind: (runId: string) => Promise<void>) => Promise<string>,
): Promise<IdempotentAnswer> {
  const repo = new IdempotencyRepository(store.kysely);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const reservation = await repo.reserve(scope, key, new Date().toISOString());
    if (reservation.reserved) break;
    if (reservation.runId !== null) return { runId: reservation.runId, created: false };
    if (Date.now() - Date.parse(reservation.createdAt) > abandonedAfterMs) {
      await repo.releaseAbandoned(scope, key, new Date(Date.now() - abandonedAfterMs).toISOString());
      continue;
    }
    if (Date.now() > deadline)
      throw new FerryError(
        'FERRY_IDEMPOTENCY_KEY_PENDING',
        `the request with idempotency key "${key}" that came first is still creating its run`,
        { details: { scope } },
      );
    await sleep(pollMs);
  }
  let bound = false;
  try {
    return {
      runId: await create(async (runId) => {
        bound = true;
        await repo.bind(scope, key, runId);
      }),
      created: true,
    };
  } catch (error) {
    if (!bound) await repo.release(scope, key).catch(() => undefined);
    throw error;
  }
}
