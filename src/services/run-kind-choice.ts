// Which run `ferry run MIGRATION` starts when no kind is asked for, and why (DESIGN.md: "no earlier
// session → initial upload; an earlier session → recovery, offering recovery-missing-files and,
// after a test run, recovery-overwrite-test").
//
// A session is a load that succeeded: a test, full, final, incremental or recovery-overwrite-test
// run ending `succeeded` or `succeeded-with-warnings`. Diagnostics (they write nothing to the
// tenant), failed and cancelled runs do not count.
//
//   approved / final-migration            → final (the final migration is next)
//   no session yet                        → test: the initial upload, source untouched
//                                            (a failed load is named: `ferry resume` continues it)
//   a session                             → incremental: brings the tenant up to date, the sensible
//                                            default in the parallel phase; the recovery kinds are
//                                            offered beside it: recovery-missing-files always,
//                                            recovery-overwrite-test when a test run loaded the tenant

import type { RunKind } from '../domain/migration-rules.ts';
import type { RunRecord } from '../engine/run-store.ts';
import type { MigrationRecord } from '../store/migration-repository.ts';
import type { ControlPlane } from './control-plane.ts';

/** Kinds whose success means the tenant holds a loaded session. */
export const loadingKinds: readonly RunKind[] = [
  'test',
  'full',
  'final',
  'incremental',
  'recovery-overwrite-test',
];

export interface RunKindOption {
  kind: RunKind;
  reason: string;
}

export interface RunKindChoice extends RunKindOption {
  /** The other kinds that fit now (the recovery modes), each with what it would do. */
  alternatives: RunKindOption[];
}

export function succeededLoad(run: RunRecord): boolean {
  return (
    (loadingKinds as readonly string[]).includes(run.kind) &&
    (run.status === 'succeeded' || run.status === 'succeeded-with-warnings')
  );
}

/** The runs of the migration that loaded its tenant, newest first. */
export async function successfulLoads(cp: ControlPlane, migrationId: string): Promise<RunRecord[]> {
  return (await cp.store.listRunsOfMigration(migrationId)).filter(succeededLoad);
}

export async function chooseRunKind(cp: ControlPlane, migration: MigrationRecord): Promise<RunKindChoice> {
  const runs = await cp.store.listRunsOfMigration(migration.id);
  const loads = runs.filter(succeededLoad);
  if (migration.phase === 'approved' || migration.phase === 'final-migration') {
    return {
      kind: 'final',
      reason: `the migration is ${migration.phase}: the final migration is next`,
      alternatives: [],
    };
  }
  const last = loads[0];
  if (last === undefined) {
    const failed = runs.find(
      (r) =>
        (loadingKinds as readonly string[]).includes(r.kind) && ['failed', 'cancelled'].includes(r.status),
    );
    return {
      kind: 'test',
      reason:
        'no earlier session of this migration (no load succeeded yet): an initial upload as a test run, which ' +
        'leaves the source untouched (ask for --kind full for the live first migration)' +
        (failed === undefined
          ? ''
          : `; run ${failed.id} (${failed.kind}) ${failed.status}: \`ferry resume ${failed.id}\` continues it instead`),
      alternatives: [],
    };
  }
  const testLoad = loads.find((r) => r.kind === 'test' || r.kind === 'recovery-overwrite-test');
  const alternatives: RunKindOption[] = [
    {
      kind: 'recovery-missing-files',
      reason:
        'recovery: uploads only the documents missing or changed since the last upload; the tenant database stays as it is',
    },
    ...(testLoad === undefined
      ? []
      : [
          {
            kind: 'recovery-overwrite-test' as const,
            reason: `recovery after the test run ${testLoad.id}: a fresh tenant database, and only new or changed documents uploaded`,
          },
        ]),
  ];
  return {
    kind: 'incremental',
    reason:
      `an earlier session exists (${last.kind} run ${last.id}): an incremental run brings the tenant up to date; ` +
      `for a recovery ask for ${alternatives.map((a) => `--kind ${a.kind}`).join(' or ')}`,
    alternatives,
  };
}
