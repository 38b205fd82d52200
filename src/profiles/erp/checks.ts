// The small ERP's pre-migration checks: version, company names the cloud accepts, a valid email
// for every licensed user, plus the common invalid-characters and excluded-tables checks.

import { excludedTablesCheck, invalidCharactersCheck, versionCheck } from '../common-checks.ts';
import { isValidEmail } from '../email-address.ts';
import type { CheckDefinition, ExcludedTable, ProfileContext } from '../profile.ts';
import { findTable, readRows, textOf } from '../source-rows.ts';
import { companyNames } from './companies.ts';
import { erpUsers, erpVersion } from './hooks.ts';

/** Longest company name the cloud accepts. */
export const MAX_COMPANY_NAME = 30;
// eslint-disable-next-line no-control-regex -- control characters are rejected too
const REJECTED = /[\\/:*?"<>|\u0000-\u001F]/u;

/** Why the cloud rejects `name` as a company name, or null when it accepts it. */
export function companyNameProblem(name: string): string | null {
  const bad = REJECTED.exec(name)?.[0];
  if (bad !== undefined) return `contains ${JSON.stringify(bad)}, which the cloud rejects`;
  if (name.length > MAX_COMPANY_NAME)
    return `is ${name.length} characters long (at most ${MAX_COMPANY_NAME})`;
  if (name.trim() !== name) return 'begins or ends with a space';
  return null;
}

/** Every company the source knows: table-name prefixes and rows of the shared `Company` table. */
async function allCompanyNames(ctx: ProfileContext): Promise<string[]> {
  const names = companyNames(ctx.tables);
  const table = findTable(ctx, 'Company');
  if (table !== null) {
    for await (const row of readRows(ctx, table, ['Name'] as const)) {
      const name = textOf(row.Name);
      if (!names.includes(name)) names.push(name);
    }
  }
  return names;
}

const companyNamesCheck: CheckDefinition = {
  id: 'erp.company-names',
  title: 'Company names contain only characters the cloud accepts',
  severity: 'blocking',
  guidance: `Rename each listed company in the ERP (at most ${MAX_COMPANY_NAME} characters, none of \\ / : * ? " < > |), then run the checks again.`,
  async run(ctx) {
    let count = 0;
    const examples: string[] = [];
    for (const name of await allCompanyNames(ctx)) {
      const problem = companyNameProblem(name);
      if (problem === null) continue;
      count++;
      if (examples.length < 20) examples.push(`company ${JSON.stringify(name)} ${problem}`);
    }
    return { count, unit: 'companies', examples };
  },
};

const licensedUsersValidEmail: CheckDefinition = {
  id: 'erp.licensed-users-valid-email',
  title: 'Every licensed user has a valid contact email',
  severity: 'blocking',
  guidance:
    'Enter a valid Contact Email for each listed user, or disable the user if they should not log in.',
  async run(ctx) {
    let count = 0;
    const examples: string[] = [];
    for (const user of await erpUsers.list(ctx)) {
      if (user.plan === null || user.emails.some(isValidEmail)) continue;
      count++;
      if (examples.length < 20)
        examples.push(
          `user ${user.name} (${user.plan}): ${user.emails.length === 0 ? 'no contact email' : JSON.stringify(user.emails[0])}`,
        );
    }
    return { count, unit: 'users', examples };
  },
};

export function erpChecks(excluded: readonly ExcludedTable[]): CheckDefinition[] {
  return [
    versionCheck('erp', 'ERP', erpVersion),
    companyNamesCheck,
    licensedUsersValidEmail,
    invalidCharactersCheck('erp'),
    excludedTablesCheck('erp', excluded),
  ];
}
