// Loads the CRM into MariaDB/MySQL with LOAD DATA LOCAL INFILE, streamed from generated
// tab-separated text through mysql2's infileStreamFactory, in batches of rows (one statement and
// transaction each). BLOBs travel as hex and are decoded with UNHEX. Indexes after, then ANALYZE.

import { Readable } from 'node:stream';
import mysql from 'mysql2/promise';
import type { ConnectionUrl } from '../../connectors/types.ts';
import { FerryError } from '../../domain/errors.ts';
import { mysqlDdl } from './ddl-mysql.ts';
import type { GeneratedRow } from './generate-rows.ts';
import type { CrmLoader } from './loader.ts';
import { textChunks } from './loader.ts';
import { connectError } from './load-errors.ts';

const q = mysqlDdl.quote;
const BATCH_ROWS = 100_000;
const hex = (bytes: Buffer): string => bytes.toString('hex');

/** mysql2 writes the infile stream's chunks as Buffers. */
function* toBuffers(chunks: Iterable<string>): Generator<Buffer> {
  for (const chunk of chunks) yield Buffer.from(chunk, 'utf8');
}

export async function openMysqlLoader(url: ConnectionUrl): Promise<CrmLoader> {
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({
      host: url.host ?? undefined,
      port: url.port ?? undefined,
      user: url.user ?? undefined,
      password: url.password ?? undefined,
      database: url.database ?? undefined,
      charset: 'utf8mb4',
      flags: ['+LOCAL_FILES'],
    });
  } catch (cause) {
    throw connectError(cause, url);
  }
  conn.on('error', () => undefined);
  const run = async (sql: string, params: unknown[] = []) => {
    try {
      return await conn.query(sql, params);
    } catch (cause) {
      throw new FerryError('FERRY_TARGET_ERROR', `MariaDB ${url.redacted}: ${(cause as Error).message}`, {
        cause,
        details: { sql: sql.slice(0, 200), code: (cause as { code?: string }).code },
      });
    }
  };
  await run(`SET SESSION time_zone = '+00:00', unique_checks = 0, foreign_key_checks = 0`);
  return {
    async existingTables(names) {
      const [rows] = await run(
        'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
      );
      return (rows as { name: string }[]).map((r) => r.name).filter((n) => names.includes(n));
    },
    async dropTables(tables) {
      for (const t of tables) await run(mysqlDdl.dropTable(t));
    },
    async createTable(table) {
      await run(mysqlDdl.createTable(table));
    },
    async load(table, rows, onRows, signal) {
      const targets = table.columns.map((c) =>
        c.type.kind === 'blob' ? `@${c.name.replace(/\W/g, '_')}` : q(c.name),
      );
      const sets = table.columns
        .filter((c) => c.type.kind === 'blob')
        .map((c) => `${q(c.name)} = UNHEX(@${c.name.replace(/\W/g, '_')})`);
      const sql =
        `LOAD DATA LOCAL INFILE 'ferry-crm-${table.name}.tsv' INTO TABLE ${q(table.name)} CHARACTER SET utf8mb4 ` +
        `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${targets.join(', ')})` +
        (sets.length > 0 ? ` SET ${sets.join(', ')}` : '');
      let done = 0;
      for (;;) {
        signal?.throwIfAborted();
        const peek = rows.next();
        if (peek.done === true) break;
        let pending: GeneratedRow | undefined = peek.value;
        const batchRows: Iterator<GeneratedRow> = {
          next: () => {
            if (pending === undefined) return rows.next();
            const value = pending;
            pending = undefined;
            return { done: false, value };
          },
        };
        const before = done;
        const chunks = textChunks(
          batchRows,
          hex,
          () => {
            if (++done % 10_000 === 0) onRows(done);
          },
          BATCH_ROWS,
        );
        const stream = Readable.from(toBuffers(chunks));
        try {
          await conn.query({ sql, infileStreamFactory: () => stream });
        } catch (cause) {
          throw new FerryError(
            'FERRY_TARGET_ERROR',
            `LOAD DATA into ${table.name} failed after ${before} rows: ${(cause as Error).message}`,
            { cause, details: { table: table.name, code: (cause as { code?: string }).code } },
          );
        }
      }
      onRows(done);
      return done;
    },
    async afterLoad(table) {
      for (const sql of mysqlDdl.afterLoad(table)) await run(sql);
    },
    async analyze(tables) {
      await run(`ANALYZE TABLE ${tables.map((t) => q(t.name)).join(', ')}`);
    },
    async close() {
      await conn.end();
    },
  };
}
