// Shared MariaDB fixtures: a table with every supported type and its expected canonical rows.

import mysql from 'mysql2/promise';
import type { Connection } from 'mysql2/promise';
import { parseConnectionUrl } from '../../../src/connectors/connection-url.ts';
import { mysqlConnector } from '../../../src/connectors/mysql/index.ts';
import type { Row, RowBatch, SourceConnection, TableSchema } from '../../../src/connectors/types.ts';

/** An admin session on the test database, UTC, able to run several statements at once. */
export async function adminSession(url: string): Promise<Connection> {
  const conn = await mysql.createConnection({ uri: url, multipleStatements: true, timezone: 'Z' });
  await conn.query("SET time_zone = '+00:00'");
  return conn;
}

export function openSource(url: string): Promise<SourceConnection> {
  return mysqlConnector.openSource(parseConnectionUrl(url));
}

export async function tableNamed(source: SourceConnection, name: string): Promise<TableSchema> {
  const table = (await source.listTables()).find((t) => t.name === name);
  if (table === undefined) throw new Error(`table ${name} not found`);
  return table;
}

export async function collect(batches: AsyncIterable<RowBatch>): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of batches) rows.push(...batch.rows);
  return rows;
}

export const ALL_TYPES_DDL = `
CREATE TABLE all_types (
  id int NOT NULL PRIMARY KEY,
  b tinyint(1), i8 tinyint, u8 tinyint unsigned, i16 smallint, u16 smallint unsigned,
  i24 mediumint, u24 mediumint unsigned, i32 int, u32 int unsigned, i64 bigint, u64 bigint unsigned,
  zf int(6) unsigned zerofill,
  d decimal(65,30), d2 decimal(10,2), f float, db double,
  c char(10), vc varchar(200), tt tinytext, t text, mt mediumtext, lt longtext,
  bn binary(4), vb varbinary(20), tb tinyblob, bl blob, mb mediumblob, lb longblob,
  dt date, tm time(6), tm0 time, dtm datetime(6), dtm0 datetime, ts timestamp(3) NULL DEFAULT NULL, yr year,
  en enum('a','b''c','x y'), st set('r','g','b'), js json, bt bit(10), bt64 bit(64), uu uuid
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`;

/** Columns of all_types without the floats (whose checksum cannot be computed in SQL). */
export const ALL_TYPES_COLUMNS = [
  'id', 'b', 'i8', 'u8', 'i16', 'u16', 'i24', 'u24', 'i32', 'u32', 'i64', 'u64', 'zf', 'd', 'd2', 'f', 'db',
  'c', 'vc', 'tt', 't', 'mt', 'lt', 'bn', 'vb', 'tb', 'bl', 'mb', 'lb',
  'dt', 'tm', 'tm0', 'dtm', 'dtm0', 'ts', 'yr', 'en', 'st', 'js', 'bt', 'bt64', 'uu',
]; // prettier-ignore

export const ALL_TYPES_INSERT = `
INSERT INTO all_types VALUES
(1, 1, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615,
 42, '99999999999999999999999999999999999.999999999999999999999999999999', 12.3, 0.1, 0.30000000000000004,
 'abc', 'héllo 😀 wörld', 'tiny', 'text', 'medium', 'long',
 0x01020304, 0x00ff, 0x61, 0xdeadbeef, 0x00, 0x5c09,
 '2024-02-29', '838:59:59.000000', '-838:59:59', '2024-01-02 03:04:05.123400', '9999-12-31 23:59:59',
 '2038-01-19 03:14:07.999', 2155, 'b''c', 'r,b', '{"a": [1, 2.50, "x"]}', b'1010101010',
 b'1111111111111111111111111111111111111111111111111111111111111111', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'),
(2, 0, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0,
 0, '-0.000000000000000000000000000001', -0.01, 16777217, 1.7976931348623157e308,
 '', '', '', '', '', '',
 '', '', '', '', '', '',
 '1000-01-01', '-838:59:59.000000', '00:00:00', '1000-01-01 00:00:00.000000', '1000-01-01 00:00:00',
 '1970-01-01 00:00:01.000', 0, 'a', '', '[]', b'0', b'0', '00000000-0000-0000-0000-000000000000'),
(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(4, 5, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, 7, '-1.5', 0, -0.0, -2.5e-300,
 'x\\ty', 'back\\\\slash\\ttab\\nnewline\\r', '😀🎉', 'a\\\\tb', 'quote''s', '\\\\N',
 0x5c, 0x09, 0x5c6e, 0x0a, 0xffd8, 0x00,
 '0001-01-01', '-01:02:03.5', '12:00', '2024-06-30 23:59:59.000001', '2000-02-29 12:00:00',
 '2024-06-30 12:00:00.1', 1901, 'x y', 'r,g,b', '{"k":"v\\\\u00e9 \\\\t"}', b'1', b'1000000000000000000000000000000000000000000000000000000000000000',
 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF')`;

const b = (hex: string): Buffer => Buffer.from(hex, 'hex');

/** The canonical rows of all_types, in ALL_TYPES_COLUMNS order. */
export const ALL_TYPES_EXPECTED: Row[] = [
  [
    '1', '1', '127', '255', '32767', '65535', '8388607', '16777215', '2147483647', '4294967295',
    '9223372036854775807', '18446744073709551615', '42',
    '99999999999999999999999999999999999.999999999999999999999999999999', '12.30', '0.1', '0.30000000000000004',
    'abc', 'héllo 😀 wörld', 'tiny', 'text', 'medium', 'long',
    b('01020304'), b('00ff'), b('61'), b('deadbeef'), b('00'), b('5c09'),
    '2024-02-29', '838:59:59', '-838:59:59', '2024-01-02 03:04:05.1234', '9999-12-31 23:59:59',
    '2038-01-19 03:14:07.999Z', '2155', "b'c", 'r,b', '{"a": [1, 2.50, "x"]}', '1010101010', '1'.repeat(64),
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  ],
  [
    '2', '0', '-128', '0', '-32768', '0', '-8388608', '0', '-2147483648', '0', '-9223372036854775808', '0', '0',
    '-0.000000000000000000000000000001', '-0.01', '1.6777216e+07', '1.7976931348623157e+308',
    '', '', '', '', '', '',
    b('00000000'), b(''), b(''), b(''), b(''), b(''),
    '1000-01-01', '-838:59:59', '00:00:00', '1000-01-01 00:00:00', '1000-01-01 00:00:00',
    '1970-01-01 00:00:01Z', '0', 'a', '', '[]', '0000000000', '0'.repeat(64),
    '00000000-0000-0000-0000-000000000000',
  ],
  ['3', ...Array<null>(41).fill(null)],
  [
    '4', '1', '-1', '1', '-1', '1', '-1', '1', '-1', '1', '-1', '1', '7', '-1.500000000000000000000000000000',
    '0.00', '0', '-2.5e-300',
    'x\ty', 'back\\slash\ttab\nnewline\r', '😀🎉', 'a\\tb', "quote's", '\\N',
    b('5c000000'), b('09'), b('5c6e'), b('0a'), b('ffd8'), b('00'),
    '0001-01-01', '-01:02:03.5', '12:00:00', '2024-06-30 23:59:59.000001', '2000-02-29 12:00:00',
    '2024-06-30 12:00:00.1Z', '1901', 'x y', 'r,g,b', '{"k":"v\\u00e9 \\t"}', '0000000001', '1' + '0'.repeat(63),
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
  ],
]; // prettier-ignore
