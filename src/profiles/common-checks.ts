// Checks every profile can use as they are, parameterised by the profile's own facts: the minimum
// source version, the tables that are not migrated, the invalid-characters scan over every text
// column, and base rows missing their companion (extension) row. Dialect-neutral: they read through
// the connector contract only.

import type { TableSchema } from '../connectors/types.ts';
import type { CheckDefinition, CompanionTable, ExcludedTable, VersionHook } from './profile.ts';
import { hasInvalidCharacters, showInvisible } from './invalid-text.ts';
import { compareVersions, readRows, textOf } from './source-rows.ts';

/** The excluded-table rule that matches `table`, or undefined. */
export function excludedRuleFor(
  excluded: readonly ExcludedTable[],
  table: string,
): ExcludedTable | undefined {
  return excluded.find((rule) =>
    typeof rule.table === 'string'
      ? rule.table === table
      : new RegExp(rule.table.source, rule.table.flags).test(table),
  );
}

export function versionCheck(prefix: string, application: string, version: VersionHook): CheckDefinition {
  return {
    id: `${prefix}.version`,
    title: `Source version is at least ${version.minimum}`,
    severity: 'blocking',
    guidance: `Upgrade the on-premises ${application} to version ${version.minimum} or later, then run the checks again.`,
    async run(ctx) {
      const installed = await version.read(ctx);
      const below = compareVersions(installed, version.minimum) < 0;
      return {
        count: below ? 1 : 0,
        unit: 'installation',
        examples: below ? [`installed version ${installed} is below the minimum ${version.minimum}`] : [],
      };
    },
  };
}

export function excludedTablesCheck(prefix: string, excluded: readonly ExcludedTable[]): CheckDefinition {
  return {
    id: `${prefix}.excluded-tables`,
    title: 'Tables that will not be migrated',
    severity: 'warning',
    guidance:
      'These tables stay behind by design. After the first run, set up in the tenant what each one held (see the reasons); the setup checklist lists them again.',
    async run(ctx) {
      const examples: string[] = [];
      let count = 0;
      for (const table of ctx.tables) {
        const rule = excludedRuleFor(excluded, table.name);
        if (rule === undefined) continue;
        count++;
        if (examples.length < 20)
          examples.push(
            `${table.name} (~${table.estimatedRows} rows): ${rule.reason} Set up instead: ${rule.setup}`,
          );
      }
      return { count, unit: 'tables', examples };
    },
  };
}

const isTextColumn = (table: TableSchema, name: string): boolean =>
  table.columns.some((c) => c.name === name && c.type.kind === 'text');

export function invalidCharactersCheck(prefix: string): CheckDefinition {
  return {
    id: `${prefix}.invalid-characters`,
    title: 'No invalid characters in text columns',
    severity: 'warning',
    guidance:
      'Control characters, zero-width spaces and trailing whitespace are rejected or mangled by the cloud service. ' +
      'Clean them in the source, or let sanitize fix them on the tenant copy after the run (the source is never changed silently).',
    async run(ctx) {
      const perColumn = new Map<string, number>();
      const examples: string[] = [];
      let count = 0;
      for (const table of ctx.tables) {
        const textColumns = table.columns.filter((c) => isTextColumn(table, c.name)).map((c) => c.name);
        if (textColumns.length === 0) continue;
        const key = (table.primaryKey ?? []).filter((k) => !textColumns.includes(k));
        const columns = [...key, ...textColumns];
        for await (const row of readRows(ctx, table, columns)) {
          for (const column of textColumns) {
            const value = row[column];
            if (typeof value !== 'string' || !hasInvalidCharacters(value)) continue;
            count++;
            const label = `${table.name}.${column}`;
            perColumn.set(label, (perColumn.get(label) ?? 0) + 1);
            if (examples.length < 20) {
              const where =
                table.primaryKey === null
                  ? ''
                  : ` [${table.primaryKey.map((k) => `${k}=${textOf(row[k] ?? null)}`).join(', ')}]`;
              examples.push(`${label}${where}: ${showInvisible(value)}`);
            }
          }
        }
      }
      const breakdown = [...perColumn].map(([label, n]) => ({ label, count: n }));
      return {
        count,
        unit: 'values',
        examples,
        breakdown,
        ...(breakdown.length === 0
          ? {}
          : {
              guidance: `Found in ${breakdown.map((b) => `${b.label} (${b.count})`).join(', ')}. Clean these values in the source, or run sanitize on the tenant copy after the run.`,
            }),
      };
    },
  };
}

const keyText = (cells: readonly (string | Buffer | null)[]): string =>
  JSON.stringify(cells.map((c) => (c === null ? null : Buffer.isBuffer(c) ? c.toString('hex') : c)));

export function missingCompanionsCheck(
  prefix: string,
  companions: readonly CompanionTable[],
): CheckDefinition {
  return {
    id: `${prefix}.missing-companion-records`,
    title: 'Every record has its companion (extension) record',
    severity: 'warning',
    guidance:
      'The application expects an extension record for each of these rows; without one the row does not open in the cloud. ' +
      "After a run, `ferry repair-companions MIGRATION` inserts the missing records in the tenant with the profile's defaults " +
      '(the source is not changed); or create them in the source before the run.',
    async run(ctx) {
      const examples: string[] = [];
      const breakdown: { label: string; count: number }[] = [];
      let count = 0;
      for (const rule of companions) {
        const base = ctx.tables.find((t) => t.name === rule.base);
        const companion = ctx.tables.find((t) => t.name === rule.companion);
        const baseKey = base?.primaryKey ?? [];
        if (base === undefined || baseKey.length === 0) continue;
        // The companion's primary key holds the base row's key, column by column. Only the keys
        // are held (as a set), never whole rows.
        const present = new Set<string>();
        const companionKey = companion?.primaryKey ?? [];
        if (companion !== undefined && companionKey.length === baseKey.length) {
          for await (const row of readRows(ctx, companion, companionKey))
            present.add(keyText(companionKey.map((k) => row[k] ?? null)));
        }
        let missing = 0;
        for await (const row of readRows(ctx, base, baseKey)) {
          const cells = baseKey.map((k) => row[k] ?? null);
          if (present.has(keyText(cells))) continue;
          missing++;
          if (examples.length < 20)
            examples.push(
              `${rule.base} ${baseKey.map((k, i) => `${k}=${textOf(cells[i] ?? null)}`).join(', ')} has no ${rule.companion} row`,
            );
        }
        count += missing;
        if (missing > 0) breakdown.push({ label: `${rule.base} → ${rule.companion}`, count: missing });
      }
      return { count, unit: 'rows', examples, breakdown };
    },
  };
}
