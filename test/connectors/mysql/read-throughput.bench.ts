// Throughput of read() and checksum() over a large MariaDB table (not a test: run by hand).
//   node --import tsx test/connectors/mysql/read-throughput.bench.ts [mysql://root@127.0.0.1/db] [table]
// Env: BATCH_ROWS (default 10000), SKIP_CHECKSUM=1. The mixed-type table used for the report:
//   CREATE TABLE bench (id bigint PRIMARY KEY, a int, b bigint, c varchar(100), d text, e decimal(18,4),
//     f datetime(3), g int NULL, h tinyint(1));
//   INSERT INTO bench SELECT seq, seq*7 % 100000, seq*1000003, CONCAT('name-', seq, '-ü'),
//     REPEAT(CONCAT('lorem ipsum ', seq % 97), 60), seq/7, '2024-01-01' + INTERVAL seq SECOND,
//     IF(seq % 5 = 0, NULL, seq), seq % 2 FROM seq_1_to_500000;
import { parseConnectionUrl } from '../../../src/connectors/connection-url.ts';
import { mysqlConnector } from '../../../src/connectors/mysql/index.ts';

const [url = 'mysql://root@127.0.0.1:3306/ferry_probe', tableName = 'bench'] = process.argv.slice(2);
const source = await mysqlConnector.openSource(parseConnectionUrl(url));
try {
  const table = (await source.listTables()).find((t) => t.name === tableName);
  if (table === undefined) throw new Error(`no table ${tableName}`);
  const columns = table.columns.map((c) => c.name);
  const warnings = { invalidUtf8: 0, zeroDates: 0 };
  const range = { key: table.primaryKey ?? [], lower: null, upper: null };
  let rows = 0;
  let bytes = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for await (const batch of source.read(
    table,
    columns,
    range,
    { batchRows: Number(process.env.BATCH_ROWS ?? 10_000), batchBytes: 16 << 20 },
    warnings,
  )) {
    rows += batch.rows.length;
    bytes += batch.bytes;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `read ${rows} rows, ${(bytes / 1e6).toFixed(0)} MB in ${seconds.toFixed(2)} s: ` +
      `${Math.round(rows / seconds)} rows/s, ${(bytes / 1e6 / seconds).toFixed(0)} MB/s, client CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`,
  );
  if (process.env.SKIP_CHECKSUM) process.exit(0);
  const t1 = performance.now();
  const sum = await source.checksum(table, columns, range);
  console.log(`checksum ${sum.rows} rows in ${((performance.now() - t1) / 1000).toFixed(2)} s`);
} finally {
  await source.close();
}
