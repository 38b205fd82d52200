// Loads the CRM into PostgreSQL with COPY … FROM STDIN (text format), streamed with backpressure
// through stream.pipeline; primary keys and indexes are added after COPY, then ANALYZE.

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { ConnectionUrl } from '../../connectors/types.ts';
import { FerryError } from '../../domain/errors.ts';
import { postgresDdl } from './ddl-postgres.ts';
import type { CrmLoader } from './loader.ts';
import { textChunks } from './loader.ts';
import { connectError } from './load-errors.ts';

const q = postgresDdl.quote;
const bytea = (bytes: Buffer): string => '\\\\x' + bytes.toString('hex');

export async function openPostgresLoader(url: ConnectionUrl): Promise<CrmLoader> {
  const client = new pg.Client({
    host: url.host ?? undefined,
    port: url.port ?? undefined,
    user: url.user ?? undefined,
    password: url.password ?? undefined,
    database: url.database ?? undefined,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (cause) {
    throw connectError(cause, url);
  }
  const schema = url.schema ?? 'public';
  const run = async (sql: string, params: unknown[] = []) => {
    try {
      return await client.query(sql, params);
    } catch (cause) {
      throw new FerryError('FERRY_TARGET_ERROR', `PostgreSQL ${url.redacted}: ${(cause as Error).message}`, {
        cause,
        details: { sql: sql.slice(0, 200) },
      });
    }
  };
  await run(`CREATE SCHEMA IF NOT EXISTS ${q(schema)}`);
  await run(`SET search_path TO ${q(schema)}`);
  await run(`SET TimeZone TO 'UTC'`);
  await run(`SET maintenance_work_mem TO '256MB'`);
  return {
    async existingTables(names) {
      const result = await run('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [
        schema,
      ]);
      return (result.rows as { table_name: string }[])
        .map((r) => r.table_name)
        .filter((n) => names.includes(n));
    },
    async dropTables(tables) {
      for (const t of tables) await run(postgresDdl.dropTable(t));
    },
    async createTable(table) {
      await run(postgresDdl.createTable(table));
    },
    async load(table, rows, onRows, signal) {
      let done = 0;
      const columns = table.columns.map((c) => q(c.name)).join(', ');
      const copy = client.query(copyFrom(`COPY ${q(table.name)} (${columns}) FROM STDIN`));
      const source = Readable.from(
        textChunks(rows, bytea, () => {
          if (++done % 10_000 === 0) onRows(done);
        }),
      );
      try {
        await pipeline(source, copy, { signal });
      } catch (cause) {
        if (signal?.aborted === true) throw cause;
        throw new FerryError(
          'FERRY_TARGET_ERROR',
          `COPY into ${table.name} failed: ${(cause as Error).message}`,
          {
            cause,
            details: { table: table.name },
          },
        );
      }
      onRows(done);
      return done;
    },
    async afterLoad(table) {
      for (const sql of postgresDdl.afterLoad(table)) await run(sql);
    },
    async analyze(tables) {
      await run(`ANALYZE ${tables.map((t) => q(t.name)).join(', ')}`);
    },
    async close() {
      await client.end();
    },
  };
}
