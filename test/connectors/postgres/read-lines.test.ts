import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { serialiseRow } from '../../../src/connectors/canonical.ts';
import { postgresConnector } from '../../../src/connectors/postgres/index.ts';
import type { KeyRange, Row, SourceConnection } from '../../../src/connectors/types.ts';
import { freshDatabase, skipUnless, type TestDatabase } from '../../support/servers.ts';
import { adminQuery, ALL_COLUMNS, createAllTypes, SCHEMA, schemaUrl } from './fixture.ts';

const opts = { batchRows: 2, batchBytes: 1 << 24 };
const whole: KeyRange = { key: ['id'], lower: null, upper: null };

describe(
  'postgres readLines (PostgreSQL writes canonical lines)',
  { skip: await skipUnless('postgres') },
  () => {
    let db: TestDatabase;
    let source: SourceConnection;

    before(async () => {
      db = await freshDatabase('postgres', 'pg_read_lines');
      await createAllTypes(db.url);
      await adminQuery(
        db.url,
        `CREATE TABLE "${SCHEMA}".controls (id int PRIMARY KEY, t text, b bytea);
       INSERT INTO "${SCHEMA}".controls VALUES
         (1, E'bs\\b ff\\f vt\\v \\\\b tab\\t nl\\n cr\\r', E'\\\\x5c6208'),
         (2, E'\\\\\\\\v', NULL), (3, NULL, E'\\\\x')`,
      );
      source = await postgresConnector.openSource(schemaUrl(db.url));
    });

    after(async () => {
      await source?.close();
      await db?.drop();
    });

    async function compare(
      table: string,
      columns: string[],
      range: KeyRange,
      limit?: number,
    ): Promise<number> {
      const schema = (await source.listTables()).find((t) => t.name === table)!;
      const options = { ...opts, ...(limit === undefined ? {} : { limit }) };
      const rows: Row[] = [];
      for await (const b of source.read(schema, columns, range, options, { invalidUtf8: 0, zeroDates: 0 }))
        rows.push(...b.rows);
      const lines: string[] = [];
      for await (const b of source.readLines!(schema, columns, range, options, {
        invalidUtf8: 0,
        zeroDates: 0,
      })) {
        assert.ok(b.rows <= opts.batchRows);
        let start = 0;
        for (const end of b.ends) {
          lines.push(b.text.subarray(start, end - 1).toString('utf8'));
          start = end;
        }
      }
      assert.deepEqual(lines, rows.map(serialiseRow));
      return lines.length;
    }

    it('gives byte for byte the serialisation of read() for every type', async () => {
      assert.ok((await compare('Every Type', ALL_COLUMNS, whole)) > 3);
      await compare('Every Type', ALL_COLUMNS, { key: ['id'], lower: ['1'], upper: ['4'] });
      await compare('Every Type', ['id', 'gen'], { key: ['id'], lower: ['1'], upper: null }, 2);
    });

    it('keeps backspace, form feed and vertical tab as bytes, as the serialisation does', async () => {
      assert.equal(await compare('controls', ['id', 't', 'b'], whole), 3);
    });
  },
);
