// The migration phase, the tenant state and the rules of the control plane, as pure functions:
// every illegal action is refused with FERRY_ILLEGAL_TRANSITION and a message that names the state
// and the reason; a changed license with FERRY_LICENSE_CHANGED and the seeds' exact message.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFerryError } from '../../src/domain/errors.ts';
import {
  activePhases,
  transitionPhase,
  type MigrationPhase,
  type PhaseState,
} from '../../src/domain/migration-phase.ts';
import {
  assertCanGoLive,
  assertCanRecordChecklistResult,
  assertCanSignApproval,
  assertCanSignPlan,
  assertChecklistEditable,
  assertLicenseUnchanged,
  assertPlanEditable,
  assertRunAllowed,
  phaseActionOnRunEnd,
  phaseActionOnRunStart,
  runKinds,
  type ActiveRun,
  type MigrationFacts,
  type RunKind,
} from '../../src/domain/migration-rules.ts';
import { tenantEvents, tenantStates, transitionTenant } from '../../src/domain/tenant-state.ts';

const signed = [
  { party: 'vendor' as const, name: 'Vera Vendor', signedAt: '2027-01-01T00:00:00.000Z' },
  { party: 'customer' as const, name: 'Carl Customer', signedAt: '2027-01-02T00:00:00.000Z' },
];

function facts(phase: MigrationPhase, patch: Partial<MigrationFacts> = {}): MigrationFacts {
  return {
    id: 'm-1',
    phase,
    pausedFrom: phase === 'paused' ? 'parallel' : null,
    planActivityCount: 1,
    planSignatures: signed,
    approvalSignatures: [],
    checklist: [{ id: 'a', status: 'passed' }],
    finalCompletedAt: null,
    license: { companyName: 'Acme AB', serialNumber: 'SN-1' },
    ...patch,
  };
}

function refused(
  fn: () => unknown,
  pattern: RegExp,
  code: 'FERRY_ILLEGAL_TRANSITION' | 'FERRY_LICENSE_CHANGED' = 'FERRY_ILLEGAL_TRANSITION',
) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isFerryError(error, code), `expected ${code}, got ${String(error)}`);
    assert.match(error.message, pattern);
    assert.equal(error.status, 409);
    return true;
  });
}

const running: ActiveRun = { id: 'r-7', kind: 'test', status: 'running' };

describe('migration phase', () => {
  it('walks the main line planning → live', () => {
    let state: PhaseState = { phase: 'planning', pausedFrom: null };
    for (const action of [
      'start-first-migration',
      'complete-first-migration',
      'approve',
      'start-final-migration',
      'go-live',
    ] as const)
      state = transitionPhase(state, action);
    assert.deepEqual(state, { phase: 'live', pausedFrom: null });
  });

  it('pauses from every active phase and resumes to the phase it paused from', () => {
    for (const phase of activePhases) {
      const paused = transitionPhase({ phase, pausedFrom: null }, 'pause');
      assert.deepEqual(paused, { phase: 'paused', pausedFrom: phase });
      assert.deepEqual(transitionPhase(paused, 'resume'), { phase, pausedFrom: null });
    }
  });

  it('refuses every action on a live or an abandoned migration', () => {
    for (const action of [
      'start-first-migration',
      'approve',
      'pause',
      'resume',
      'abandon',
      'reset-cloud-data',
    ] as const) {
      refused(
        () => transitionPhase({ phase: 'live', pausedFrom: null }, action),
        /the migration is live: cannot/,
      );
      refused(
        () => transitionPhase({ phase: 'abandoned', pausedFrom: null }, action),
        /is abandoned: cannot/,
      );
    }
  });

  it('refuses a final migration before approval, saying so', () => {
    refused(
      () => transitionPhase({ phase: 'parallel', pausedFrom: null }, 'start-final-migration'),
      /parallel: cannot start-final-migration, a final run needs the approval signed by both parties/,
    );
  });

  it('refuses a main-line step while paused and tells how to continue', () => {
    refused(
      () => transitionPhase({ phase: 'paused', pausedFrom: 'parallel' }, 'approve'),
      /paused \(from parallel\): cannot approve, resume the phase first/,
    );
  });

  it('takes a parallel migration back to first-migration on reset, and refuses reset once approved', () => {
    assert.equal(
      transitionPhase({ phase: 'parallel', pausedFrom: null }, 'reset-cloud-data').phase,
      'first-migration',
    );
    refused(
      () => transitionPhase({ phase: 'approved', pausedFrom: null }, 'reset-cloud-data'),
      /approved data would be lost/,
    );
  });
});

describe('tenant state', () => {
  it('follows provisioned → in-migration → offline-maintenance ⇄ in-migration → running', () => {
    let s = transitionTenant('acme', 'provisioned', 'begin-run');
    assert.equal(s, 'in-migration');
    s = transitionTenant('acme', s, 'end-run');
    assert.equal(s, 'offline-maintenance');
    s = transitionTenant('acme', s, 'begin-run');
    s = transitionTenant('acme', s, 'accept');
    assert.equal(s, 'running');
  });

  it('refuses every event on an archived tenant and every write into a running one', () => {
    for (const event of tenantEvents)
      refused(() => transitionTenant('acme', 'archived', event), /tenant acme is archived: cannot/);
    for (const event of ['begin-run', 'end-run', 'reset-data'] as const)
      refused(
        () => transitionTenant('acme', 'running', event),
        /tenant acme is running: cannot .* it is live/,
      );
  });

  it('decides every state × event pair (no case falls through)', () => {
    for (const state of tenantStates)
      for (const event of tenantEvents) {
        try {
          assert.ok(tenantStates.includes(transitionTenant('t', state, event)));
        } catch (error) {
          assert.ok(isFerryError(error, 'FERRY_ILLEGAL_TRANSITION'), String(error));
        }
      }
  });
});

describe('migration rules: runs', () => {
  it('refuses a run of any kind after live', () => {
    for (const kind of runKinds)
      refused(
        () => assertRunAllowed(facts('live'), kind, null),
        /is live: a .* run refused: .*nothing of any kind/,
      );
  });

  it('refuses every run on an abandoned or paused migration', () => {
    for (const kind of runKinds) {
      refused(() => assertRunAllowed(facts('abandoned'), kind, null), /abandoned/);
      refused(
        () => assertRunAllowed(facts('paused'), kind, null),
        /paused \(from parallel\).*resume the phase first/,
      );
    }
  });

  it('refuses a run while another runs on the same migration, naming it', () => {
    refused(
      () => assertRunAllowed(facts('parallel'), 'incremental', running),
      /a incremental run refused: run r-7 \(test\) is running on this migration; only one run at a time/,
    );
  });

  it('refuses the first run until both parties signed the plan, naming the missing party', () => {
    refused(
      () => assertRunAllowed(facts('planning', { planSignatures: [signed[0]!] }), 'test', null),
      /planning: a test run refused: the plan must be signed by both parties before the first run; missing: customer/,
    );
    refused(
      () => assertRunAllowed(facts('planning', { planActivityCount: 0, planSignatures: [] }), 'full', null),
      /the plan has no activities/,
    );
    assert.doesNotThrow(() => assertRunAllowed(facts('planning'), 'test', null));
  });

  it('allows a diagnostic run before the plan is signed (it writes nothing)', () => {
    assert.doesNotThrow(() =>
      assertRunAllowed(facts('planning', { planSignatures: [] }), 'diagnostic', null),
    );
  });

  it('refuses a final run before approval', () => {
    for (const phase of ['planning', 'first-migration', 'parallel'] as const)
      refused(
        () => assertRunAllowed(facts(phase), 'final', null),
        /a final run refused: .*approval signed by both parties/,
      );
    assert.doesNotThrow(() => assertRunAllowed(facts('approved'), 'final', null));
  });

  it('allows only the final run (and diagnostics) once approved', () => {
    const allowed: RunKind[] = ['diagnostic', 'final'];
    for (const kind of runKinds) {
      if (allowed.includes(kind)) assert.doesNotThrow(() => assertRunAllowed(facts('approved'), kind, null));
      else refused(() => assertRunAllowed(facts('approved'), kind, null), /only the final run may start now/);
    }
  });

  it('moves the phase on the first run and the final run, and opens the parallel phase on success', () => {
    assert.equal(phaseActionOnRunStart(facts('planning'), 'test'), 'start-first-migration');
    assert.equal(phaseActionOnRunStart(facts('planning'), 'diagnostic'), null);
    assert.equal(phaseActionOnRunStart(facts('approved'), 'final'), 'start-final-migration');
    assert.equal(phaseActionOnRunEnd(facts('first-migration'), 'full', true), 'complete-first-migration');
    assert.equal(phaseActionOnRunEnd(facts('first-migration'), 'full', false), null);
  });
});

describe('migration rules: plan, checklist, approval, go-live', () => {
  it('changes and signs the plan only in planning, once per party', () => {
    assertPlanEditable(facts('planning'));
    refused(() => assertPlanEditable(facts('parallel')), /changing the plan refused: .*only in planning/);
    refused(
      () => assertCanSignPlan(facts('planning'), 'vendor'),
      /the vendor already signed it \(Vera Vendor/,
    );
    refused(
      () => assertCanSignPlan(facts('planning', { planActivityCount: 0, planSignatures: [] }), 'vendor'),
      /no activities/,
    );
  });

  it('records checklist results only in the parallel phase; items are added until approval', () => {
    assertCanRecordChecklistResult(facts('parallel'));
    refused(() => assertCanRecordChecklistResult(facts('first-migration')), /in the parallel phase/);
    assertChecklistEditable(facts('first-migration'));
    refused(() => assertChecklistEditable(facts('approved')), /fixed once the migration is approved/);
  });

  it('refuses approval before the checklist is complete, naming the items', () => {
    const open = facts('parallel', {
      checklist: [
        { id: 'users-log-in', status: 'passed' },
        { id: 'documents-open', status: 'failed' },
        { id: 'email', status: 'open' },
      ],
    });
    refused(
      () => assertCanSignApproval(open, 'vendor'),
      /parallel: signing the approval for the vendor refused: the checklist is not complete: 2 item\(s\) not passed \(documents-open: failed, email: open\)/,
    );
    refused(
      () => assertCanSignApproval(facts('parallel', { checklist: [] }), 'vendor'),
      /checklist is empty/,
    );
    refused(() => assertCanSignApproval(facts('first-migration'), 'vendor'), /after the first migration/);
    assert.doesNotThrow(() => assertCanSignApproval(facts('parallel'), 'customer'));
  });

  it('allows go-live only after a successful final run and with no run active', () => {
    refused(() => assertCanGoLive(facts('approved'), null), /go-live refused/);
    refused(() => assertCanGoLive(facts('final-migration'), null), /no final run has succeeded yet/);
    refused(() => assertCanGoLive(facts('final-migration', { finalCompletedAt: 'x' }), running), /run r-7/);
    assert.doesNotThrow(() => assertCanGoLive(facts('final-migration', { finalCompletedAt: 'x' }), null));
  });
});

describe('license binding', () => {
  it('refuses a changed company name or serial number with the exact message', () => {
    for (const current of [
      { companyName: 'Acme Holding AB', serialNumber: 'SN-1' },
      { companyName: 'Acme AB', serialNumber: 'SN-2' },
    ])
      refused(
        () => assertLicenseUnchanged(facts('parallel'), current),
        /^Unable to resume migration session because company name or serialnumber has changed$/,
        'FERRY_LICENSE_CHANGED',
      );
  });

  it('accepts the same license, and any license before the first run', () => {
    assertLicenseUnchanged(facts('parallel'), { companyName: 'Acme AB', serialNumber: 'SN-1' });
    assertLicenseUnchanged(facts('planning', { license: null }), { companyName: 'X', serialNumber: 'Y' });
  });
});
