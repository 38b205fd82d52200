// Local or remote, chosen once. Each control-plane command group has a small "operations"
// interface with two implementations: local (calls the services on the store named by --home or
// --store) and remote (calls the HTTP API of the server named by --server). A command asks for its
// operations with `withOperations` and never looks at --server itself, so its output — text and
// --json — is the same in both modes. See docs/architecture.md, "CLI: local or remote".

import { FerryError } from '../../domain/errors.ts';
import type { ControlPlane } from '../../services/control-plane.ts';
import { withControlPlane } from '../control-plane-session.ts';
import type { GlobalOptions } from '../run-output.ts';
import { ApiClient } from './api-client.ts';

export interface OperationsFactory<Ops> {
  local(cp: ControlPlane): Ops;
  remote(api: ApiClient): Ops;
}

/** The client for --server / $FERRY_SERVER, or null when the CLI works on the local store. */
export function serverClient(g: GlobalOptions): ApiClient | null {
  if (g.server === undefined) return null;
  return new ApiClient({ url: g.server, ...(g.token === undefined ? {} : { token: g.token }) });
}

/** Runs `fn` with the local or the remote implementation of a command group's operations. */
export async function withOperations<Ops, T>(
  g: GlobalOptions,
  factory: OperationsFactory<Ops>,
  fn: (ops: Ops) => Promise<T>,
): Promise<T> {
  const api = serverClient(g);
  if (api !== null) return fn(factory.remote(api));
  return withControlPlane(g, (cp) => fn(factory.local(cp)));
}

/**
 * For commands that do their work in this process (the data path, the server itself): with
 * --server they are refused with one line that says so, instead of silently acting locally.
 */
export function assertLocal(g: GlobalOptions, command: string, instead: string): void {
  if (g.server === undefined) return;
  throw new FerryError(
    'FERRY_INVALID_ARGUMENT',
    `\`ferry ${command}\` runs on this machine, not through a server: leave out --server (and unset $FERRY_SERVER)`,
    { hint: instead },
  );
}
