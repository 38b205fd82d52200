// The reference CRM's version, license and freeze hooks.
//
// Version and license are read from the source database (`app_version`, `license`) through the
// connector contract. Freeze never writes the source database: the CRM schema has no system-event
// table, so the seed's two switches both live in the service configuration file, section [Service]:
//   Frozen = true            the service refuses logins (seed 000: "Frozen" in the Service config)
//   LoginMode = no-login     the seed's "no-login" system event for the Windows client
// `archive` (after go-live) sets `LoginMode = read-only` and `Archived = true`: the source stays
// readable as an archive and can no longer be unfrozen. A test run calls none of these.

import { FerryError } from '../../domain/errors.ts';
import type { Installation } from '../../domain/installation.ts';
import { readIniSection, setIniValues } from '../ini-file.ts';
import type { FreezeHook, License, LicenseHook, ProfileContext, VersionHook } from '../profile.ts';
import { compareVersions, readRows, requireTable, textOf } from '../source-rows.ts';
import { minimumVersion } from './planted-problems.ts';

const PROFILE = 'crm';
const SECTION = 'Service';

/** The installed version: the `app_version` row with the highest version (dotted, numeric). */
async function readVersion(ctx: ProfileContext): Promise<string> {
  const table = requireTable(ctx, 'app_version', PROFILE);
  let best: string | null = null;
  for await (const row of readRows(ctx, table, ['version'] as const)) {
    const version = textOf(row.version).trim();
    if (version !== '' && (best === null || compareVersions(version, best) > 0)) best = version;
  }
  if (best === null) {
    throw new FerryError('FERRY_SOURCE_ERROR', 'the CRM table app_version holds no version row', {
      hint: 'The installation looks incomplete; check that the database is the CRM application database.',
      details: { table: 'app_version' },
    });
  }
  return best;
}

export const crmVersion: VersionHook = { minimum: minimumVersion, read: readVersion };

/** The license row with the lowest id: the company name and serial number the session is bound to. */
async function readLicense(ctx: ProfileContext): Promise<License> {
  const table = requireTable(ctx, 'license', PROFILE);
  for await (const row of readRows(ctx, table, ['company_name', 'serial_number'] as const)) {
    return { companyName: textOf(row.company_name), serialNumber: textOf(row.serial_number) };
  }
  throw new FerryError('FERRY_SOURCE_ERROR', 'the CRM table license holds no license row', {
    hint: 'Install the CRM license on the on-premises installation before migrating.',
    details: { table: 'license' },
  });
}

export const crmLicense: LicenseHook = { read: readLicense };

async function serviceState(installation: Installation) {
  const values = await readIniSection(installation.serviceConfig, SECTION);
  return {
    frozen: values.get('frozen')?.toLowerCase() === 'true',
    archived: values.get('archived')?.toLowerCase() === 'true',
  };
}

export const crmFreeze: FreezeHook = {
  async freeze(installation) {
    await setIniValues(installation.serviceConfig, SECTION, { Frozen: 'true', LoginMode: 'no-login' });
  },
  async unfreeze(installation) {
    if ((await serviceState(installation)).archived) {
      throw new FerryError(
        'FERRY_ILLEGAL_TRANSITION',
        `the installation ${installation.name} is archived after go-live and cannot be unfrozen`,
        {
          hint: 'An archived source stays read-only; edit Archived in the service config only if go-live was undone by the vendor.',
          details: { serviceConfig: installation.serviceConfig },
        },
      );
    }
    await setIniValues(installation.serviceConfig, SECTION, { Frozen: 'false', LoginMode: 'normal' });
  },
  async isFrozen(installation) {
    return (await serviceState(installation)).frozen;
  },
  async archive(installation) {
    await setIniValues(installation.serviceConfig, SECTION, {
      Frozen: 'true',
      LoginMode: 'read-only',
      Archived: 'true',
    });
  },
};
