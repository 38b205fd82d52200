// How a migration is shown on the terminal: phase, tenant, plan, checklist, approval.

import type { MigrationView } from '../services/migrations.ts';
import { formatEstimate } from '../services/migrations.ts';
import type { ChecklistItem, MigrationRecord } from '../store/migration-repository.ts';
import { pad } from './format.ts';

export function phaseLine(m: MigrationRecord): string {
  return m.phase === 'paused' ? `paused (from ${m.pausedFrom ?? '?'})` : m.phase;
}

export function checklistLines(items: ChecklistItem[]): string[] {
  if (items.length === 0) return ['  (no items yet: add them with --add "…")'];
  return items.map((i) => {
    const mark = i.status === 'passed' ? '[x]' : i.status === 'failed' ? '[!]' : '[ ]';
    const who = i.decidedBy === null ? '' : `  — ${i.status} by ${i.decidedBy} at ${i.decidedAt ?? '?'}`;
    return `  ${mark} ${pad(i.id, 28)} ${i.title}${i.owner === null ? '' : ` (${i.owner})`}${who}`;
  });
}

export function viewLines(v: MigrationView): string[] {
  const m = v.migration;
  const sig = (list: { party: string; name: string; signedAt: string }[], missing: string[]) =>
    [
      ...list.map((s) => `${s.party}: ${s.name} (${s.signedAt})`),
      ...missing.map((p) => `${p}: not signed`),
    ].join('; ');
  return [
    `Migration ${m.id}: ${phaseLine(m)} — ${v.phaseMeaning}`,
    `  installation  ${m.installationPath} (profile ${m.profileId})`,
    `  tenant        ${v.tenant.id}: ${v.tenant.state}; database ${v.tenant.databaseUrl}; documents ${v.tenant.blobStoreUrl}`,
    `  license       ${m.license === null ? 'recorded at the first run' : `${m.license.companyName} / ${m.license.serialNumber} (since ${m.license.recordedAt})`}`,
    `  active run    ${v.activeRun === null ? 'none' : `${v.activeRun.id} (${v.activeRun.kind}, ${v.activeRun.status})`}`,
    `  schedule      ${v.schedule === null ? 'none' : `${v.schedule.cron} (${v.schedule.timeZone}); next run ${v.schedule.nextRunAt ?? 'never'}`}`,
    `  runtime key   ${v.runtimeKey === null ? 'none yet' : `…${v.runtimeKey.hint} (created ${v.runtimeKey.createdAt})`}`,
    `Plan (${v.plan.activities.length} activities, ${formatEstimate(v.plan.totalEstimateMinutes)} in total)`,
    ...v.plan.activities.map(
      (a, i) =>
        `  ${i + 1}. ${a.activity} — ${a.owner}, ${formatEstimate(a.estimateMinutes)}, by ${a.deadline}`,
    ),
    `  signed: ${sig(v.plan.signatures, v.plan.missing)}`,
    'Checklist',
    ...checklistLines(v.checklist),
    `Approval: ${sig(v.approval.signatures, v.approval.missing)}`,
  ];
}
