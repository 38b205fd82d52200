// The CRM's installation checks: active satellites, `SentryAddonNames` user preferences (with the
// seed's fix: delete them), documents missing from the archive, customizations and integrations.

import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { CheckDefinition, ProfileContext } from '../../profile.ts';
import { findTable, isTrue, readRows, requireTable, textOf } from '../../source-rows.ts';

export const activeSatellites: CheckDefinition = {
  id: 'crm.active-satellites',
  title: 'No active satellite',
  severity: 'blocking',
  guidance:
    'Satellites do not exist in the cloud and their unsynchronised changes would be lost. ' +
    'Synchronise each listed satellite a last time, then deactivate it in the administration client.',
  async run(ctx) {
    const table = findTable(ctx, 'satellites');
    if (table === null) return { count: 0, unit: 'satellites', examples: [] };
    let count = 0;
    const examples: string[] = [];
    for await (const row of readRows(ctx, table, ['id', 'name', 'is_active'] as const)) {
      if (!isTrue(row.is_active)) continue;
      count++;
      if (examples.length < 20) examples.push(`satellite ${textOf(row.id)} (${textOf(row.name)}) is active`);
    }
    return { count, unit: 'satellites', examples };
  },
};

const SENTRY = 'sentryaddonnames';

async function* sentryPreferences(ctx: ProfileContext) {
  const table = requireTable(ctx, 'user_preferences', 'crm');
  const columns = ['id', 'user_id', 'section', 'pref_key', 'pref_value'] as const;
  for await (const row of readRows(ctx, table, columns)) {
    const key = textOf(row.pref_key).toLowerCase();
    const value = textOf(row.pref_value).toLowerCase();
    if (key === SENTRY || value.includes(SENTRY)) yield row;
  }
}

export const sentryAddonPreferences: CheckDefinition = {
  id: 'crm.sentry-addon-preferences',
  title: "No 'SentryAddonNames' references in user preferences",
  severity: 'blocking',
  guidance:
    "Sentry add-ons do not run in the cloud and their 'SentryAddonNames' preferences stop users' clients from starting. " +
    'Remove these user-preference rows (the offered fix deletes exactly the rows listed).',
  async run(ctx) {
    let count = 0;
    const examples: string[] = [];
    for await (const row of sentryPreferences(ctx)) {
      count++;
      if (examples.length < 20) {
        examples.push(
          `user_preferences id ${textOf(row.id)} (user ${textOf(row.user_id)}, ${textOf(row.section)}/${textOf(row.pref_key)} = ${JSON.stringify(textOf(row.pref_value))})`,
        );
      }
    }
    return { count, unit: 'rows', examples };
  },
  fix: {
    description:
      "Delete the user-preference rows that reference 'SentryAddonNames' from the source database.",
    async apply(ctx, edits) {
      const ids: string[] = [];
      for await (const row of sentryPreferences(ctx)) ids.push(textOf(row.id));
      if (ids.length === 0) return { changed: 0 };
      return { changed: await edits.deleteRows('user_preferences', 'id', ids) };
    },
  },
};

/** How many archive files are probed at once. */
const PROBE_CONCURRENCY = 16;

async function isFileInArchive(root: string, path: string): Promise<boolean> {
  const full = resolve(root, path);
  const rel = relative(root, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return false;
  try {
    await access(full, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

export const documentsMissing: CheckDefinition = {
  id: 'crm.documents-missing',
  title: 'Every document is in the archive',
  severity: 'warning',
  guidance:
    'Documents whose file is missing from the archive are listed per run and not uploaded. Put the files back into the archive; ' +
    'a later recovery-missing-files run uploads them without touching the tenant database.',
  async run(ctx) {
    const table = findTable(ctx, 'documents');
    if (table === null) return { count: 0, unit: 'documents', examples: [] };
    const root = resolve(ctx.installation.archive);
    let count = 0;
    const examples: string[] = [];
    let pending: { id: string; title: string; path: string }[] = [];
    const probe = async () => {
      const found = await Promise.all(pending.map((d) => isFileInArchive(root, d.path)));
      pending.forEach((d, i) => {
        if (found[i] === true) return;
        count++;
        if (examples.length < 20)
          examples.push(`document ${d.id} (${d.title}): ${d.path} is not in the archive`);
      });
      pending = [];
    };
    for await (const row of readRows(ctx, table, ['id', 'title', 'file_path'] as const)) {
      pending.push({ id: textOf(row.id), title: textOf(row.title), path: textOf(row.file_path) });
      if (pending.length >= PROBE_CONCURRENCY) await probe();
    }
    await probe();
    return { count, unit: 'documents', examples };
  },
};

export const customizations: CheckDefinition = {
  id: 'crm.customizations',
  title: 'Customizations and integrations found',
  severity: 'warning',
  guidance:
    'Integrations (app authorizations) and scheduled tasks may not work after the migration. Ask their developers whether a cloud ' +
    'version exists, or look for an app in the App Store; authorizations are not migrated and must be granted again in the tenant.',
  async run(ctx) {
    let count = 0;
    const examples: string[] = [];
    const authorizations = findTable(ctx, 'app_authorizations');
    if (authorizations !== null) {
      for await (const row of readRows(ctx, authorizations, ['id', 'app_name', 'scopes'] as const)) {
        count++;
        if (examples.length < 20) {
          const scopes = row.scopes === null ? '' : `, scopes ${textOf(row.scopes)}`;
          examples.push(
            `integration: app authorization ${textOf(row.id)} "${textOf(row.app_name)}"${scopes}`,
          );
        }
      }
    }
    const tasks = findTable(ctx, 'scheduled_tasks');
    if (tasks !== null) {
      for await (const row of readRows(ctx, tasks, ['id', 'name', 'cron', 'enabled'] as const)) {
        if (!isTrue(row.enabled)) continue;
        count++;
        if (examples.length < 20)
          examples.push(
            `customization: scheduled task ${textOf(row.id)} "${textOf(row.name)}" (${textOf(row.cron)})`,
          );
      }
    }
    return { count, unit: 'items', examples };
  },
};
