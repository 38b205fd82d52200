// `ferry token …`: operator tokens for the HTTP API (bearer tokens), shown once and stored hashed.

import type { Command } from 'commander';
import { createOperatorToken } from '../../services/tokens.ts';
import { pad } from '../format.ts';
import type { GlobalOptions } from '../run-output.ts';
import { print, withControlPlane } from '../control-plane-session.ts';
import { assertLocal, withOperations } from '../remote/operations.ts';
import { tokenOperations } from '../remote/token-operations.ts';

export function registerTokenCommands(program: Command, global: () => GlobalOptions): void {
  const token = program
    .command('token')
    .summary('create, list and revoke operator tokens for the HTTP API')
    .description(
      'Every API request needs an operator token: `Authorization: Bearer <token>`. A token is shown once,\n' +
        'when it is created; Ferry keeps only its sha256. Revoking one refuses it at once.\n\n' +
        '`token create` works on the store itself (on the server’s machine: --home/--store of `ferry serve`),\n' +
        'because it is how the first token comes to exist. `list` and `revoke` also work with --server.\n' +
        'Pass a token to the CLI in $FERRY_TOKEN rather than --token, so it stays out of shell history.',
    );

  token
    .command('create')
    .summary('issue a token (printed once)')
    .requiredOption('--name <name>', 'who or what uses it, e.g. "ci" or "Vera Vendor"')
    .action(async (f: { name: string }) => {
      const g = global();
      assertLocal(
        g,
        'token create',
        'Create tokens on the server’s machine, against the store `ferry serve` uses: `ferry --home DIR token create --name NAME` (or --store postgres://…).',
      );
      await withControlPlane(g, async (cp) => {
        const r = await createOperatorToken(cp, f.name);
        print(g, { type: 'token', token: r.token, ...r.record }, [
          `Token ${r.record.id} for ${r.record.name} (shown once — store it now):`,
          r.token,
        ]);
      });
    });

  token
    .command('list')
    .summary('every token: id, name, created, last used, revoked')
    .action(async () => {
      const g = global();
      await withOperations(g, tokenOperations, async (ops) => {
        const tokens = await ops.list();
        print(
          g,
          { type: 'tokens', tokens },
          tokens.length === 0
            ? 'no tokens yet: create one with `ferry token create --name NAME`'
            : tokens.map(
                (t) =>
                  `${pad(t.id, 14)} ${pad(t.name, 24)} created ${t.createdAt}  ${t.revokedAt === null ? `last used ${t.lastUsedAt ?? 'never'}` : `REVOKED ${t.revokedAt}`}`,
              ),
        );
      });
    });

  token
    .command('revoke')
    .summary('refuse a token from now on')
    .argument('<id>', 'token id, as `ferry token list` shows it')
    .action(async (id: string) => {
      const g = global();
      await withOperations(g, tokenOperations, async (ops) => {
        await ops.revoke(id);
        print(g, { type: 'token-revoked', id }, `Token ${id} revoked.`);
      });
    });
}
