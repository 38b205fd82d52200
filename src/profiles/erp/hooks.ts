// The small ERP's version, license, users and freeze hooks. Version: the shared `$ndo$dbproperty`
// table; license: `License Information`; users: the shared `User` table. Freeze writes only the
// server configuration file ([Server] Frozen / LoginMode), never the source database.

import { FerryError } from '../../domain/errors.ts';
import type { Installation } from '../../domain/installation.ts';
import { readIniSection, setIniValues } from '../ini-file.ts';
import type {
  FreezeHook,
  License,
  LicenseHook,
  ProfileContext,
  SourceUser,
  UsersHook,
  VersionHook,
} from '../profile.ts';
import { compareVersions, isTrue, readRows, requireTable, textOf } from '../source-rows.ts';

const PROFILE = 'erp';
const SECTION = 'Server';

export const erpMinimumVersion = '14.0';
export const erpPlans = ['Full User', 'Team Member', 'Device'];

export const erpVersion: VersionHook = {
  minimum: erpMinimumVersion,
  async read(ctx) {
    const table = requireTable(ctx, '$ndo$dbproperty', PROFILE);
    let best: string | null = null;
    for await (const row of readRows(ctx, table, ['applicationversion'] as const)) {
      const version = textOf(row.applicationversion).trim();
      if (version !== '' && (best === null || compareVersions(version, best) > 0)) best = version;
    }
    if (best === null)
      throw new FerryError(
        'FERRY_SOURCE_ERROR',
        'the ERP table $ndo$dbproperty holds no application version',
      );
    return best;
  },
};

export const erpLicense: LicenseHook = {
  async read(ctx): Promise<License> {
    const table = requireTable(ctx, 'License Information', PROFILE);
    for await (const row of readRows(ctx, table, ['Licensed To', 'Serial No_'] as const)) {
      return { companyName: textOf(row['Licensed To']), serialNumber: textOf(row['Serial No_']) };
    }
    throw new FerryError('FERRY_SOURCE_ERROR', 'the ERP table "License Information" is empty');
  },
};

async function listUsers(ctx: ProfileContext): Promise<SourceUser[]> {
  const table = requireTable(ctx, 'User', PROFILE);
  const columns = [
    'User Security ID',
    'Full Name',
    'User Name',
    'Contact Email',
    'License Type',
    'State',
    'Is Super',
  ] as const;
  const users: SourceUser[] = [];
  for await (const row of readRows(ctx, table, columns)) {
    const email = textOf(row['Contact Email']).trim();
    const enabled = textOf(row.State) === '0';
    const license = textOf(row['License Type']);
    users.push({
      id: textOf(row['User Security ID']),
      name: textOf(row['Full Name']) || textOf(row['User Name']),
      group: null,
      position: null,
      emails: email === '' ? [] : [email],
      isAdministrator: isTrue(row['Is Super']),
      plan: enabled && license !== '' ? license : null,
    });
  }
  return users;
}

export const erpUsers: UsersHook = { plans: erpPlans, list: listUsers };

async function frozenState(installation: Installation) {
  const values = await readIniSection(installation.serviceConfig, SECTION);
  return {
    frozen: values.get('frozen')?.toLowerCase() === 'true',
    archived: values.get('archived')?.toLowerCase() === 'true',
  };
}

export const erpFreeze: FreezeHook = {
  async freeze(installation) {
    await setIniValues(installation.serviceConfig, SECTION, { Frozen: 'true', LoginMode: 'no-login' });
  },
  async unfreeze(installation) {
    if ((await frozenState(installation)).archived) {
      throw new FerryError(
        'FERRY_ILLEGAL_TRANSITION',
        `the installation ${installation.name} is archived after go-live and cannot be unfrozen`,
      );
    }
    await setIniValues(installation.serviceConfig, SECTION, { Frozen: 'false', LoginMode: 'normal' });
  },
  async isFrozen(installation) {
    return (await frozenState(installation)).frozen;
  },
  async archive(installation) {
    await setIniValues(installation.serviceConfig, SECTION, {
      Frozen: 'true',
      LoginMode: 'read-only',
      Archived: 'true',
    });
  },
};
