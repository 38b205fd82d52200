// Run status: the one place its transitions are decided.
//
//   queued ──► running ──► succeeded | succeeded-with-warnings | failed | cancelled
//                 ▲  │
//                 │  ▼
//                paused
//
// `ferry resume` moves a run that did not finish (failed, cancelled, paused, or `running` but
// abandoned by a killed process) back to `running`; it continues from its last checkpoint.
//
// Pausing: an operator asks (services/run-control.ts records the request in the store, so any
// process may ask); the process executing the run aborts its signal with PAUSE_REASON; the
// executor stops taking chunks, lets the ones in flight finish and checkpoint, and ends `paused`
// instead of `cancelled`. A paused run keeps its migration (no other run starts) until it is
// resumed or cancelled.

import { FerryError } from './errors.ts';

export const runStatuses = [
  'queued',
  'running',
  'paused',
  'succeeded',
  'succeeded-with-warnings',
  'failed',
  'cancelled',
] as const;

export type RunStatus = (typeof runStatuses)[number];

const transitions: Record<RunStatus, readonly RunStatus[]> = {
  queued: ['running', 'cancelled'],
  running: ['running', 'paused', 'succeeded', 'succeeded-with-warnings', 'failed', 'cancelled'],
  paused: ['running', 'cancelled'],
  succeeded: [],
  'succeeded-with-warnings': [],
  failed: ['running'],
  cancelled: ['running'],
};

/** The abort reason that makes an executor end `paused` rather than `cancelled`. */
export const PAUSE_REASON = 'ferry:pause-requested';

/** The abort reason of a cancel an operator asked for (through the store, from any process). */
export const CANCEL_REASON = 'ferry:cancel-requested';

/** Whether `signal` was aborted to pause the run (not to cancel it or to shut down). */
export function isPauseRequest(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason === PAUSE_REASON;
}

/**
 * The signal for the reads and writes of chunks: an operator's pause or cancel stops the run at a
 * chunk boundary (no new chunk starts; the ones in flight finish and are checkpointed), so it does
 * not reach them; any other abort (Ctrl-C, a lost lease, a shutdown) does.
 */
export function chunkSignal(signal: AbortSignal): AbortSignal {
  const atBoundary = (reason: unknown) => reason === PAUSE_REASON || reason === CANCEL_REASON;
  if (signal.aborted) return atBoundary(signal.reason) ? new AbortController().signal : signal;
  const controller = new AbortController();
  signal.addEventListener(
    'abort',
    () => {
      if (!atBoundary(signal.reason)) controller.abort(signal.reason);
    },
    { once: true },
  );
  return controller.signal;
}

/** Statuses in which a run holds its migration: it has not ended. */
export function isOpen(status: RunStatus): boolean {
  return status === 'queued' || status === 'running' || status === 'paused';
}

export function isFinished(status: RunStatus): boolean {
  return status === 'succeeded' || status === 'succeeded-with-warnings';
}

export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return transitions[from].includes(to);
}

export function assertRunTransition(runId: string, from: RunStatus, to: RunStatus): void {
  if (!canTransition(from, to)) {
    throw new FerryError('FERRY_ILLEGAL_TRANSITION', `run ${runId} is ${from} and cannot become ${to}`, {
      details: { runId, from, to },
    });
  }
}
