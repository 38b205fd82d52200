// Run status: the one place its transitions are decided.
//
//   queued ──► running ──► succeeded | succeeded-with-warnings | failed | cancelled
//                 ▲  │
//                 │  ▼
//                paused
//
// `ferry resume` moves a run that did not finish (failed, cancelled, paused, or `running` but
// abandoned by a killed process) back to `running`; it continues from its last checkpoint.

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
