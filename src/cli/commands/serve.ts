// `ferry serve`: the HTTP API (and, later, the console) on one port.

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { buildServer } from '../../api/server.ts';
import { FerryError } from '../../domain/errors.ts';
import { verifyOperatorToken } from '../../services/tokens.ts';
import { openStore } from '../../store/open-store.ts';
import { registryProfiles, storeLocation } from '../control-plane-session.ts';
import type { GlobalOptions } from '../run-output.ts';

export function ferryVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new FerryError('FERRY_INVALID_ARGUMENT', `--port must be 0…65535, got "${value}"`);
  return n;
}

export function registerServeCommand(program: Command, global: () => GlobalOptions): void {
  program
    .command('serve')
    .summary('start the HTTP API')
    .description(
      'Serve the REST API under /api/v1 (OpenAPI document at /api/v1/openapi.json, explorer at\n' +
        '/api/v1/docs, live run progress as Server-Sent Events). Every endpoint needs a bearer token:\n' +
        'create one with `ferry token create --name NAME`. Runs started through the API execute in\n' +
        'this process. Ctrl-C stops accepting requests and lets runs reach a chunk boundary.',
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', port, 7070)
    .action(async (flags: { host: string; port: number }) => {
      const g = global();
      const store = await openStore(storeLocation(g));
      const cp = { store, profiles: registryProfiles };
      const server = await buildServer({
        store,
        controlPlane: cp,
        version: ferryVersion(),
        logger: !g.json,
        tokens: { verify: async (token) => verifyOperatorToken(cp, token) },
      });
      const address = await server.app.listen({ host: flags.host, port: flags.port });
      if (g.json) process.stdout.write(JSON.stringify({ type: 'listening', url: address }) + '\n');
      else process.stderr.write(`ferry: API on ${address}/api/v1 — explorer: ${address}/api/v1/docs\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      process.stderr.write('ferry: stopping; runs in flight finish their current chunks\n');
      await server.close();
      await store.close();
    });
}
