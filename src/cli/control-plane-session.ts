// The control-plane commands' session: open the store named by --store or --home, give the
// services the installed profiles, print --json or text.

import { profileById } from '../profiles/registry.ts';
import type { ControlPlane, ProfileResolver } from '../services/control-plane.ts';
import { openStore, type StoreLocation } from '../store/open-store.ts';
import type { GlobalOptions } from './run-output.ts';

/** Profiles come from the registry; the services take any ProfileResolver (the API and tests pass their own). */
export const registryProfiles: ProfileResolver = (profileId) => profileById(profileId);

/** Where --store (PostgreSQL) or --home (SQLite) says the control-plane store is. */
export function storeLocation(g: GlobalOptions): StoreLocation {
  return g.store === undefined
    ? { ...(g.home === undefined ? {} : { home: g.home }) }
    : { url: g.store, ...(g.home === undefined ? {} : { home: g.home }) };
}

/** Opens the store named by --store (PostgreSQL) or --home (SQLite) and runs `fn` with it. */
export async function withControlPlane<T>(
  g: GlobalOptions,
  fn: (cp: ControlPlane) => Promise<T>,
): Promise<T> {
  const store = await openStore(storeLocation(g));
  try {
    return await fn({ store, profiles: registryProfiles });
  } finally {
    await store.close();
  }
}

/** Prints `json` as one line with --json, else the text lines. */
export function print(g: GlobalOptions, json: Record<string, unknown>, text: string | string[]): void {
  if (g.json) process.stdout.write(JSON.stringify(json) + '\n');
  else process.stdout.write((Array.isArray(text) ? text.join('\n') : text) + '\n');
}
