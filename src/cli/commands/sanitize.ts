// Data quality commands: `ferry sanitize MIGRATION --find|--fix|--on-load on|off`,
// `ferry repair-companions MIGRATION` and `ferry setup-checklist RUN`. Each works on the local
// store (--home/--store) or through a Ferry server (--server), with the same output.

import type { Command } from 'commander';
import { FerryError } from '../../domain/errors.ts';
import { repairCompanions, type CompanionRepairReport } from '../../services/companion-repair.ts';
import type { ControlPlane } from '../../services/control-plane.ts';
import {
  getSanitizeOnLoad,
  sanitize,
  setSanitizeOnLoad,
  type SanitizeView,
} from '../../services/sanitize.ts';
import {
  buildSetupChecklist,
  renderSetupChecklist,
  type SetupChecklist,
} from '../../services/setup-checklist.ts';
import { print } from '../control-plane-session.ts';
import { formatCount } from '../format.ts';
import type { ApiClient } from '../remote/api-client.ts';
import { withOperations, type OperationsFactory } from '../remote/operations.ts';
import type { GlobalOptions } from '../run-output.ts';

interface DataQualityOperations {
  sanitize(migrationId: string, mode: 'find' | 'fix'): Promise<SanitizeView>;
  sanitizeOnLoad(migrationId: string, enabled?: boolean): Promise<boolean>;
  repairCompanions(migrationId: string): Promise<CompanionRepairReport>;
  setupChecklist(runId: string): Promise<SetupChecklist>;
}

function local(cp: ControlPlane): DataQualityOperations {
  return {
    sanitize: (migrationId, mode) => sanitize(cp, migrationId, mode),
    sanitizeOnLoad: (migrationId, enabled) =>
      enabled === undefined
        ? getSanitizeOnLoad(cp, migrationId)
        : setSanitizeOnLoad(cp, migrationId, enabled),
    repairCompanions: (migrationId) => repairCompanions(cp, migrationId),
    setupChecklist: (runId) => buildSetupChecklist(cp, runId),
  };
}

function remote(api: ApiClient): DataQualityOperations {
  const migration = (id: string) => `/migrations/${encodeURIComponent(id)}`;
  return {
    sanitize: (migrationId, mode) => api.post<SanitizeView>(`${migration(migrationId)}/sanitize`, { mode }),
    async sanitizeOnLoad(migrationId, enabled) {
      const path = `${migration(migrationId)}/sanitize-on-load`;
      const answer =
        enabled === undefined
          ? await api.get<{ sanitizeOnLoad: boolean }>(path)
          : await api.put<{ sanitizeOnLoad: boolean }>(path, { enabled });
      return answer.sanitizeOnLoad;
    },
    repairCompanions: (migrationId) =>
      api.post<CompanionRepairReport>(`${migration(migrationId)}/repair-companions`, {}),
    setupChecklist: (runId) => api.get<SetupChecklist>(`/runs/${encodeURIComponent(runId)}/setup-checklist`),
  };
}

export const dataQualityOperations: OperationsFactory<DataQualityOperations> = { local, remote };

function sanitizeLines(v: SanitizeView): string[] {
  const lines =
    v.mode === 'find'
      ? [`Invalid characters in the source ${v.database} (read only): ${formatCount(v.found)} value(s)`]
      : [
          `Sanitized the tenant copy ${v.database}: ${formatCount(v.fixed ?? 0)} of ${formatCount(v.found)} value(s) fixed (the source is unchanged)`,
        ];
  for (const c of v.columns) {
    const fixed = c.fixed === null ? '' : `, ${formatCount(c.fixed)} fixed`;
    lines.push(
      `  ${c.table}.${c.column}: ${formatCount(c.found)} found${fixed}${c.notFixed ? ` (not fixed: ${c.notFixed})` : ''}`,
    );
  }
  if (v.mode === 'find' && v.found > 0)
    lines.push(
      `After a load, \`ferry sanitize ${v.migrationId} --fix\` fixes them in the tenant copy; \`--on-load on\` does it after every load.`,
    );
  return lines;
}

function onOff(value: string): boolean {
  if (value === 'on' || value === 'off') return value === 'on';
  throw new FerryError('FERRY_INVALID_ARGUMENT', `--on-load must be on or off, got "${value}"`);
}

/** The setup checklist printed at the end of a `ferry run` report (text mode). */
export async function printSetupChecklistOfRun(g: GlobalOptions, runId: string): Promise<void> {
  if (g.json) return;
  const checklist = await withOperations(g, dataQualityOperations, (ops) => ops.setupChecklist(runId));
  process.stdout.write(`\n${renderSetupChecklist(checklist).join('\n')}\n`);
}

export function registerDataQualityCommands(program: Command, global: () => GlobalOptions): void {
  program
    .command('sanitize')
    .summary('find invalid characters in the source, or fix them in the tenant copy')
    .description(
      [
        'Invalid characters are control characters (other than tab, line feed and carriage return), DEL,',
        'zero-width spaces and joiners, byte-order marks, and trailing whitespace in text columns: the',
        'cloud service rejects or mangles them. The fix deletes those characters and trims trailing',
        'whitespace; nothing else in a value changes.',
        '',
        '  --find          count them per table and column in the source (reads only)',
        '  --fix           rewrite them in the loaded tenant (by primary key, in pages); never in the source',
        '  --on-load on    also fix them automatically after every test, full and final run (off: only on request)',
        '',
        'A diagnostic run reports the same counts in its table results.',
        'Example: ferry sanitize m-1a2b3c --find',
      ].join('\n'),
    )
    .argument('<migration>', 'migration id')
    .option('--find', 'count invalid characters in the source (read only)', false)
    .option('--fix', 'fix them in the loaded tenant copy', false)
    .option('--on-load <on|off>', 'fix them after every test, full and final run', onOff)
    .action(async (migrationId: string, flags: { find: boolean; fix: boolean; onLoad?: boolean }) => {
      const g = global();
      const chosen = [flags.find, flags.fix, flags.onLoad !== undefined].filter(Boolean).length;
      if (chosen !== 1)
        throw new FerryError(
          'FERRY_INVALID_ARGUMENT',
          'give exactly one of --find, --fix or --on-load on|off',
          {
            hint: `ferry sanitize ${migrationId} --find counts them in the source; --fix fixes the tenant copy.`,
          },
        );
      await withOperations(g, dataQualityOperations, async (ops) => {
        if (flags.onLoad !== undefined) {
          const on = await ops.sanitizeOnLoad(migrationId, flags.onLoad);
          print(
            g,
            { type: 'sanitize-on-load', migrationId, sanitizeOnLoad: on },
            on
              ? `Sanitize on load is on: test, full and final runs of ${migrationId} fix invalid characters in the tenant copy.`
              : `Sanitize on load is off: fix the tenant copy with \`ferry sanitize ${migrationId} --fix\`.`,
          );
          return;
        }
        const view = await ops.sanitize(migrationId, flags.fix ? 'fix' : 'find');
        print(g, { type: 'sanitize', ...view }, sanitizeLines(view));
      });
    });

  program
    .command('repair-companions')
    .summary('insert the companion (extension) records the profile expects into the tenant')
    .description(
      [
        'Some base tables need a companion (extension) row per row (the profile lists them; for the crm,',
        'company_extensions per company). `ferry check` reports the missing ones; after a run, this inserts',
        "them in the tenant with the profile's default values — never in the source. Repeating it inserts nothing.",
      ].join('\n'),
    )
    .argument('<migration>', 'migration id')
    .action(async (migrationId: string) => {
      const g = global();
      await withOperations(g, dataQualityOperations, async (ops) => {
        const report = await ops.repairCompanions(migrationId);
        const lines = [
          `Companion repair in the tenant ${report.database}: ${formatCount(report.inserted)} row(s) inserted`,
        ];
        for (const c of report.companions)
          lines.push(
            `  ${c.base} → ${c.companion}: ${c.skipped === undefined ? `${formatCount(c.inserted)} inserted` : `skipped: ${c.skipped}`}`,
          );
        print(g, { type: 'companion-repair', ...report }, lines);
      });
    });

  program
    .command('setup-checklist')
    .summary('tables a run did not bring to the tenant, and what to set up there instead')
    .description(
      'Lists the tables of RUN that are not in the tenant: excluded by the profile (e.g. permissions, with\n' +
        "what to set up instead), excluded by the migration's table mappings, not carried by the plan, or\n" +
        'failed. `ferry run` prints it at the end.',
    )
    .argument('<run>', 'run id (see `ferry runs`)')
    .action(async (runId: string) => {
      const g = global();
      await withOperations(g, dataQualityOperations, async (ops) => {
        const checklist = await ops.setupChecklist(runId);
        print(g, { type: 'setup-checklist', ...checklist }, renderSetupChecklist(checklist));
      });
    });
}
