// A run's lease, held by whoever executes the run: a `ferry worker` that took it from the queue, or
// the process that started or resumed it (`ferry run`, `ferry resume`, an embedded `ferry serve`).
// No run executes twice at once: every execution claims the lease first (compare-and-set in the
// store: free, expired or already this holder's), renews it while it works, and gives it up at the
// end. A second execution — a resume while a worker copies, a stale job — is refused with
// FERRY_RUN_LEASED naming the holder.
//
//   acquire ─► claimed? ──no──► FERRY_RUN_LEASED (holder, version, until when)
//                │yes
//                ▼
//   renew every ttl/3 ─► another holder took it (we stalled past the ttl)? ─► `signal` aborts
//                │                                                            (LEASE_LOST_REASON)
//                ▼
//   release (only if still ours)
//
// Only a run handed to the job queue is swept when its lease expires (run-worker.ts); a run a
// process executes on its own is not, so a killed `ferry run` is continued with `ferry resume`.

import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { FerryError } from '../domain/errors.ts';
import type { RunStore } from '../engine/run-store.ts';
import { RunRepository } from '../store/run-repository.ts';
import { controlPlaneVersion } from './update-check.ts';

/** The abort reason when another process took the lease (this one stalled past its lease time). */
export const LEASE_LOST_REASON = 'ferry:lease-lost';

export const defaultLeaseMs = 30_000;

export interface LeaseHolder {
  /** Unique among the processes sharing the store (a worker id, or `host-pid-random`). */
  owner: string;
  /** This process's Ferry version, recorded with the lease (`check for update`). */
  version: string;
  /** How long the lease lasts without renewal, in ms. */
  ttlMs: number;
  /** Renewal period in ms (default ttlMs / 3). */
  renewMs?: number;
}

/** A holder for one execution in this process: unique, so even two executions here exclude each other. */
export function processLeaseHolder(ttlMs = defaultLeaseMs): LeaseHolder {
  return {
    owner: `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`,
    version: controlPlaneVersion(),
    ttlMs,
  };
}

/**
 * Whether `owner` is a process of this host that no longer exists: a `ferry run` or `ferry resume`
 * killed with SIGKILL leaves its lease live for up to its ttl, and `ferry resume` on the same
 * machine must not wait for it. Owners of other hosts (or workers, whose ids are not `host-pid-…`)
 * are never judged dead here: their lease expires instead.
 */
export function isDeadLocalOwner(owner: string): boolean {
  const prefix = `${hostname()}-`;
  if (!owner.startsWith(prefix)) return false;
  const match = /^(\d+)-[0-9a-f]{4}$/u.exec(owner.slice(prefix.length));
  if (match === null) return false;
  const pid = Number(match[1]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** The refusal when `runId` is held elsewhere (null when it is not, or its lease expired). */
export async function leasedElsewhere(
  store: RunStore,
  runId: string,
  owner: string | null = null,
): Promise<FerryError | null> {
  const run = await store.getRun(runId);
  const lease = run?.lease ?? null;
  if (lease === null || lease.owner === owner || Date.parse(lease.expiresAt) <= Date.now()) return null;
  if (isDeadLocalOwner(lease.owner)) return null;
  return new FerryError(
    'FERRY_RUN_LEASED',
    `run ${runId} is executing in ${lease.owner}${lease.version === null ? '' : ` (Ferry ${lease.version})`}, ` +
      `whose lease runs until ${lease.expiresAt}: it cannot execute anywhere else at the same time`,
    { details: { runId, owner: lease.owner, version: lease.version, expiresAt: lease.expiresAt } },
  );
}

export class RunLease {
  /** Aborts with LEASE_LOST_REASON when another holder took the lease. */
  readonly signal: AbortSignal;
  private readonly lost = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> = Promise.resolve();
  private released = false;

  private constructor(
    private readonly repo: RunRepository | null,
    readonly runId: string,
    readonly holder: LeaseHolder,
    onLost: () => void,
  ) {
    this.signal = this.lost.signal;
    if (repo === null) return;
    const renewMs = holder.renewMs ?? Math.max(100, Math.floor(holder.ttlMs / 3));
    this.timer = setInterval(() => {
      this.renewing = this.renewing.then(async () => {
        if (this.released || this.lost.signal.aborted) return;
        try {
          if (!(await repo.renewRunLease(runId, holder.owner, holder.ttlMs))) {
            onLost();
            this.lost.abort(LEASE_LOST_REASON);
          }
        } catch {
          // The store is unreachable for a moment: the next tick tries again (the lease lasts three).
        }
      });
    }, renewMs);
  }

  /** Claims the lease or answers null when another holder's lease is live. */
  static async tryAcquire(
    store: RunStore,
    runId: string,
    holder: LeaseHolder,
    options: { queued?: boolean; onLost?: () => void } = {},
  ): Promise<RunLease | null> {
    // An engine-only store (tests of the engine) has no leases: nothing else can execute the run.
    if (!(store instanceof RunRepository)) return new RunLease(null, runId, holder, () => undefined);
    const queued = options.queued ?? false;
    let claimed = await store.claimExecutionLease(runId, holder, { queued });
    if (!claimed) {
      const owner = (await store.getRun(runId))?.lease?.owner;
      if (owner !== undefined && isDeadLocalOwner(owner))
        claimed = await store.claimExecutionLease(runId, holder, { queued, staleOwner: owner });
    }
    if (!claimed) return null;
    return new RunLease(store, runId, holder, options.onLost ?? (() => undefined));
  }

  /** Claims the lease or throws FERRY_RUN_LEASED naming the holder. */
  static async acquire(
    store: RunStore,
    runId: string,
    holder: LeaseHolder,
    options: { queued?: boolean; onLost?: () => void } = {},
  ): Promise<RunLease> {
    const lease = await RunLease.tryAcquire(store, runId, holder, options);
    if (lease !== null) return lease;
    const refusal = await leasedElsewhere(store, runId, holder.owner);
    if (refusal !== null) throw refusal;
    // The other lease expired between the claim and the read: one more try settles it.
    const retried = await RunLease.tryAcquire(store, runId, holder, options);
    if (retried !== null) return retried;
    throw new FerryError('FERRY_RUN_LEASED', `run ${runId} is executing in another process`);
  }

  get isLost(): boolean {
    return this.lost.signal.aborted;
  }

  /** Stops renewing and gives the lease up, unless another holder took it meanwhile. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.timer !== null) clearInterval(this.timer);
    await this.renewing;
    if (this.repo !== null && !this.isLost)
      await this.repo.releaseRunLease(this.runId, this.holder.owner).catch(() => undefined);
  }
}
