// `ferry tenants [list|show TENANT|users TENANT]`: the cloud targets and their user registries,
// locally or with --server. Tenants are provisioned by `ferry migration create`; this only shows them.

import type { Command } from 'commander';
import { print } from '../control-plane-session.ts';
import { alignTable, pad } from '../format.ts';
import { withOperations } from '../remote/operations.ts';
import { tenantOperations, type TenantWithMigrations } from '../remote/tenant-operations.ts';
import type { GlobalOptions } from '../run-output.ts';

function tenantLines(t: TenantWithMigrations): string[] {
  return [
    `Tenant ${t.id}: ${t.state}`,
    `  database    ${t.databaseUrl}`,
    `  documents   ${t.blobStoreUrl}`,
    `  users       ${t.userRegistryUrl}`,
    `  migrations  ${t.migrations.length === 0 ? 'none' : t.migrations.map((m) => `${m.id} (${m.phase})`).join(', ')}`,
  ];
}

export function registerTenantCommands(program: Command, global: () => GlobalOptions): void {
  const tenants = program
    .command('tenants')
    .summary('the cloud tenants: state, locations and their migrations')
    .description(
      'A tenant is provisioned by `ferry migration create` and belongs to one migration at a time.\n' +
        'URLs are shown without passwords.',
    );

  tenants
    .command('list', { isDefault: true })
    .summary('every tenant with its state')
    .action(async () => {
      const g = global();
      await withOperations(g, tenantOperations, async (ops) => {
        const all = await ops.list();
        print(
          g,
          { type: 'tenants', tenants: all },
          all.length === 0
            ? 'no tenants yet: `ferry migration create` provisions one'
            : all.map(
                (t) =>
                  `${pad(t.id, 16)} ${pad(t.state, 20)} ${t.migrations.map((m) => `${m.id} (${m.phase})`).join(', ')}`,
              ),
        );
      });
    });

  tenants
    .command('show')
    .summary('one tenant: state, database and document locations, migrations')
    .argument('<tenant>', 'tenant id')
    .action(async (id: string) => {
      const g = global();
      await withOperations(g, tenantOperations, async (ops) => {
        const t = await ops.show(id);
        print(g, { type: 'tenant', ...t }, tenantLines(t));
      });
    });

  tenants
    .command('users')
    .summary("the tenant's user registry: who can log in, with which username and plan")
    .description(
      'Every user a run wrote to the tenant (table ferry_users): username, plan (none: cannot log in),\n' +
        'administrator, mapped cloud identity. Written after every test, full and final run from the\n' +
        'users of its migration (`ferry users list M` shows what the next run will write).',
    )
    .argument('<tenant>', 'tenant id')
    .action(async (id: string) => {
      const g = global();
      await withOperations(g, tenantOperations, async (ops) => {
        const r = await ops.users(id);
        const withPlan = r.users.filter((u) => u.plan !== null).length;
        print(
          g,
          { type: 'tenant-users', ...r },
          r.written
            ? [
                ...alignTable(
                  ['ID', 'NAME', 'USERNAME', 'PLAN', 'ROLE', 'IDENTITY'],
                  r.users.map((u) => [
                    u.id,
                    u.name,
                    u.username ?? '-',
                    u.plan ?? 'none',
                    u.isAdministrator ? 'administrator' : '',
                    u.identity ?? '',
                  ]),
                ),
                `${r.users.length} users in the registry of tenant ${id}; ${withPlan} can log in.`,
              ]
            : `Tenant ${id} has no user registry yet: a test, full or final run of its migration writes it.`,
        );
      });
    });
}
