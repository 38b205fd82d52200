// Table mappings validated against a source schema: every refusal names the table or column and
// is FERRY_TABLE_MAPPING_INVALID; valid mappings resolve into the target tables and their columns.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFerryError } from '../../src/domain/errors.ts';
import {
  describeTableMappings,
  parseTableMappings,
  summarizeTableMappings,
  validateTableMappings,
  type SourceTableShape,
} from '../../src/domain/table-mappings.ts';

const table = (name: string, columns: string[], primaryKey: string[] | null = ['id']): SourceTableShape => ({
  name,
  columns: columns.map((c) => ({ name: c, generated: c === 'full_name' ? { expression: 'x' } : null })),
  primaryKey,
});

const source: SourceTableShape[] = [
  table('companies', ['id', 'name', 'city']),
  table('persons', ['id', 'company_id', 'first_name', 'phone', 'score', 'notes', 'full_name']),
  table('audit_log', ['at', 'action'], null),
  table('Contacts', ['id', 'email']),
];

function refused(value: unknown, pattern: RegExp): void {
  assert.throws(
    () => validateTableMappings(parseTableMappings(value), source),
    (error: unknown) => {
      assert.ok(isFerryError(error, 'FERRY_TABLE_MAPPING_INVALID'), String(error));
      assert.match(error.message, pattern);
      assert.ok(error.hint.length > 0);
      return true;
    },
  );
}

describe('table mappings: parsing', () => {
  it('fills the defaults of an empty document', () => {
    assert.deepEqual(parseTableMappings({}), { version: 1, tables: {}, excludeTables: [] });
    assert.deepEqual(parseTableMappings(null), { version: 1, tables: {}, excludeTables: [] });
  });

  it('refuses an unknown field, naming it', () => {
    assert.throws(
      () => parseTableMappings({ tables: { persons: { excludeColumn: ['phone'] } } }),
      (e: unknown) =>
        isFerryError(e, 'FERRY_TABLE_MAPPING_INVALID') && /tables\.persons\.excludeColumn/.test(e.message),
    );
  });

  it('refuses a wrong version and an empty moveColumns list', () => {
    assert.throws(() => parseTableMappings({ version: 2 }), /field "version"/);
    assert.throws(
      () => parseTableMappings({ tables: { persons: { moveColumns: [{ into: 'x', columns: [] }] } } }),
      /tables\.persons\.moveColumns\.0\.columns/,
    );
  });

  it('refuses a target name longer than 63 characters', () => {
    assert.throws(() => parseTableMappings({ tables: { persons: { rename: 'p'.repeat(64) } } }), /rename/);
  });
});

describe('table mappings: validation against the source', () => {
  it('resolves a rename, excluded columns, moved columns and an excluded table', () => {
    const resolved = validateTableMappings(
      parseTableMappings({
        excludeTables: ['audit_log'],
        tables: {
          companies: { rename: 'organisations' },
          persons: {
            excludeColumns: ['phone'],
            moveColumns: [{ into: 'person_scores', columns: ['notes', 'score'] }],
          },
        },
      }),
      source,
    );
    const byName = Object.fromEntries(resolved.map((r) => [r.sourceTable, r]));
    assert.deepEqual(byName.companies!.targets, [
      { table: 'organisations', sourceTable: 'companies', kind: 'table', columns: ['id', 'name', 'city'] },
    ]);
    assert.deepEqual(byName.persons!.targets, [
      {
        table: 'persons',
        sourceTable: 'persons',
        kind: 'table',
        columns: ['id', 'company_id', 'first_name', 'full_name'],
      },
      // Key first, then the moved columns in source order.
      {
        table: 'person_scores',
        sourceTable: 'persons',
        kind: 'moved-columns',
        columns: ['id', 'score', 'notes'],
      },
    ]);
    assert.equal(byName.audit_log!.excluded, true);
    assert.deepEqual(byName.audit_log!.targets, []);
    assert.deepEqual(describeTableMappings(resolved), [
      'companies → organisations',
      'persons → persons without phone',
      '  + person_scores (id, score, notes) keyed by the primary key of persons',
      'audit_log → not migrated (excluded)',
    ]);
  });

  it('allows swapping names between tables', () => {
    const resolved = validateTableMappings(
      parseTableMappings({
        tables: { companies: { rename: 'Contacts' }, Contacts: { rename: 'companies' } },
      }),
      source,
    );
    assert.deepEqual(
      resolved.flatMap((r) => r.targets.map((t) => `${r.sourceTable}→${t.table}`)),
      ['companies→Contacts', 'persons→persons', 'audit_log→audit_log', 'Contacts→companies'],
    );
  });

  it('refuses an unknown table', () => {
    refused({ tables: { people: { rename: 'x' } } }, /no table named "people"/);
    refused({ excludeTables: ['nope'] }, /no table named "nope"/);
  });

  it('refuses an unknown column', () => {
    refused({ tables: { persons: { excludeColumns: ['fax'] } } }, /table "persons" has no column "fax"/);
    refused(
      { tables: { persons: { moveColumns: [{ into: 'x', columns: ['fax'] }] } } },
      /table "persons" has no column "fax"/,
    );
  });

  it('refuses excluding or moving a primary-key column', () => {
    refused(
      { tables: { persons: { excludeColumns: ['id'] } } },
      /column "id" of table "persons" is part of its primary key and cannot be excluded/,
    );
    refused(
      { tables: { persons: { moveColumns: [{ into: 'x', columns: ['id'] }] } } },
      /column "id" of table "persons" is part of its primary key and cannot be moved/,
    );
  });

  it('refuses a column named twice', () => {
    refused(
      {
        tables: { persons: { excludeColumns: ['phone'], moveColumns: [{ into: 'x', columns: ['phone'] }] } },
      },
      /column "phone" of table "persons" is named twice/,
    );
  });

  it('refuses moving columns out of a table without a primary key', () => {
    refused(
      { tables: { audit_log: { moveColumns: [{ into: 'audit_detail', columns: ['action'] }] } } },
      /table "audit_log" has no primary key/,
    );
  });

  it('refuses moving a generated column', () => {
    refused(
      { tables: { persons: { moveColumns: [{ into: 'x', columns: ['full_name'] }] } } },
      /"full_name" of table "persons" is a generated column/,
    );
  });

  it('refuses two tables mapped to the same target name', () => {
    refused(
      { tables: { companies: { rename: 'parties' }, persons: { rename: 'parties' } } },
      /target table "parties" would be written twice: by table "companies" \(renamed\) and by table "persons" \(renamed\)/,
    );
  });

  it('refuses a rename onto a table kept under its name, case-insensitively', () => {
    refused(
      { tables: { companies: { rename: 'contacts' } } },
      /target tables "contacts" and "Contacts" \(the same name when case is ignored\) would be written twice: by table "companies" \(renamed\) and by the source table "Contacts"/,
    );
  });

  it('refuses moving columns into an existing table', () => {
    refused(
      { tables: { persons: { moveColumns: [{ into: 'companies', columns: ['notes'] }] } } },
      /target table "companies" would be written twice: by the source table "companies" \(kept under its name\) and by the columns moved out of "persons"/,
    );
  });

  it('refuses a table both excluded and mapped', () => {
    refused(
      { excludeTables: ['companies'], tables: { companies: { rename: 'x' } } },
      /table "companies" is in excludeTables and also has a mapping/,
    );
  });

  it('summarizes mappings without the source schema', () => {
    assert.deepEqual(
      summarizeTableMappings(
        parseTableMappings({
          excludeTables: ['audit_log'],
          tables: { persons: { rename: 'contacts', moveColumns: [{ into: 'scores', columns: ['score'] }] } },
        }),
      ),
      [
        'persons → contacts',
        '  + scores (score) keyed by the primary key of persons',
        'audit_log → not migrated (excluded)',
      ],
    );
  });
});
