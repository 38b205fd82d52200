// Who is around the control plane, with which Ferry version: every `ferry serve` and `ferry worker`
// beats into the store (process_heartbeats) while it runs. `check for update` compares a worker's
// version with the control plane's — the newest server seen — and a worker older than that says
// so when it starts, before it takes a run.
//
//   beat every 10 s ─► seen in the last 60 s = live
//   worker starts   ─► live servers newer than me? ─► warn: update this worker

import type { Store } from '../store/open-store.ts';
import {
  ProcessHeartbeatRepository,
  type ProcessHeartbeat,
  type ProcessRole,
} from '../store/process-heartbeat-repository.ts';
import { checkForUpdate, compareVersions, controlPlaneVersion, type UpdateCheck } from './update-check.ts';

export const heartbeatMs = 10_000;
/** A process not seen for this long is gone (six missed beats). */
export const liveForMs = 60_000;

export interface HeartbeatHandle {
  stop(): Promise<void>;
}

/** Beats for `id` now and every `everyMs` until stopped; the row is removed on a clean stop. */
export async function startHeartbeat(
  store: Store,
  process: { id: string; role: ProcessRole; version?: string },
  everyMs = heartbeatMs,
): Promise<HeartbeatHandle> {
  const repo = new ProcessHeartbeatRepository(store.kysely);
  const beat = {
    id: process.id,
    role: process.role,
    version: process.version ?? controlPlaneVersion(),
    migrationId: null,
  };
  await repo.beat(beat, new Date().toISOString());
  let beating = Promise.resolve();
  const timer = setInterval(() => {
    beating = beating.then(() =>
      // The store is unreachable for a moment: the next beat tries again (a process is live for six).
      repo.beat(beat, new Date().toISOString()).catch(() => undefined),
    );
  }, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await beating;
      await repo.remove(process.id).catch(() => undefined);
    },
  };
}

export interface LiveProcess extends ProcessHeartbeat {
  /** Against the control plane's version; null for servers (they are the control plane). */
  update: UpdateCheck | null;
}

export interface FleetView {
  /** The control plane's version: the newest live server's, or this process's when none beats. */
  controlPlaneVersion: string;
  processes: LiveProcess[];
}

/** The live servers and workers, each worker checked against the control plane's version. */
export async function fleet(store: Store, now = Date.now()): Promise<FleetView> {
  const live = await new ProcessHeartbeatRepository(store.kysely).seenSince(
    new Date(now - liveForMs).toISOString(),
  );
  const servers = live.filter((p) => p.role === 'server').map((p) => p.version);
  const latest = [controlPlaneVersion(), ...servers].reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
  return {
    controlPlaneVersion: latest,
    processes: live.map((p) => ({
      ...p,
      update: p.role === 'server' ? null : checkForUpdate(p.version, latest),
    })),
  };
}

/** A worker's own check when it starts: null when it is as new as every live server. */
export async function workerUpdateCheck(
  store: Store,
  version = controlPlaneVersion(),
): Promise<UpdateCheck | null> {
  const view = await fleet(store);
  const check = checkForUpdate(version, view.controlPlaneVersion);
  return check.updateAvailable ? check : null;
}

export interface FleetUpdateCheck extends UpdateCheck {
  /** The live workers, each against the control plane's version. */
  workers: { id: string; version: string; updateAvailable: boolean; lastSeenAt: string }[];
}

/**
 * Check for update: `workerVersion` against the control plane's version (the newest live server's,
 * or this process's), with every live worker's own answer beside it.
 */
export async function checkFleetForUpdate(store: Store, workerVersion: string): Promise<FleetUpdateCheck> {
  const view = await fleet(store);
  return {
    ...checkForUpdate(workerVersion, view.controlPlaneVersion),
    workers: view.processes
      .filter((p) => p.role === 'worker')
      .map((p) => ({
        id: p.id,
        version: p.version,
        updateAvailable: p.update?.updateAvailable ?? false,
        lastSeenAt: p.lastSeenAt,
      })),
  };
}
