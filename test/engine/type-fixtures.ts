// One table per source dialect with a column per source type: row 1 high/typical values, row 2
// low/edge values, row 3 NULL in every column. `expected` is the canonical text each column must
// read as (binary shown as 0x…), which is also what every target must give back.

import type { Dialect } from '../../src/connectors/types.ts';

export interface TypeFixture {
  table: string;
  statements: string[];
  expected: Record<string, (string | null)[]>;
}

const unicode = 'Zürich 東京 😀 tab\t back\\slash\nline';
const longText = 'ø'.repeat(1000);

export const typeFixtures: Record<Dialect, TypeFixture> = {
  mysql: {
    table: 'all types',
    statements: [
      `CREATE TABLE \`all types\` (
        id INT PRIMARY KEY,
        c_tinyint TINYINT, c_tinyint_u TINYINT UNSIGNED, c_smallint SMALLINT, c_mediumint MEDIUMINT,
        c_int INT, c_int_u INT UNSIGNED, c_bigint BIGINT, c_bigint_u BIGINT UNSIGNED,
        c_decimal DECIMAL(65,30), c_decimal2 DECIMAL(10,2), c_float FLOAT, c_double DOUBLE, c_bool BOOLEAN,
        c_varchar VARCHAR(255), c_text TEXT, c_binary BINARY(4), c_varbinary VARBINARY(255), c_blob LONGBLOB,
        c_date DATE, c_time TIME(6), c_datetime DATETIME(6), c_timestamp TIMESTAMP(3) NULL DEFAULT NULL, c_year YEAR,
        c_enum ENUM('a','b','c d'), c_set SET('x','y','z'), c_json JSON, c_bit BIT(10),
        \`order\` INT, c_char CHAR(10), c_uuid UUID, c_gen INT AS (c_smallint * 2) STORED
      ) CHARACTER SET utf8mb4`,
      `SET time_zone = '+00:00'`,
      `INSERT INTO \`all types\` (id, c_tinyint, c_tinyint_u, c_smallint, c_mediumint, c_int, c_int_u, c_bigint, c_bigint_u,
        c_decimal, c_decimal2, c_float, c_double, c_bool, c_varchar, c_text, c_binary, c_varbinary, c_blob,
        c_date, c_time, c_datetime, c_timestamp, c_year, c_enum, c_set, c_json, c_bit, \`order\`, c_char, c_uuid) VALUES
       (1, 127, 255, 32767, 8388607, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615,
        '12345678901234567890123456789012345.123456789012345678901234567890', 12.30, 1.1, 1.7976931348623157e308, TRUE,
        ${mysqlString(unicode)}, ${mysqlString(longText)}, x'00ff0a09', x'5c0a09', x'deadbeef',
        '2024-02-29', '23:59:59.5', '2024-02-29 13:45:01.123456', '2024-06-01 12:00:00.250', 2155,
        'c d', 'x,z', '{"a": [1, 2.5, "ü"]}', b'1000000001', 1, 'abc', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'),
       (2, -128, 0, -32768, -8388608, -2147483648, 0, -9223372036854775808, 0,
        '-0.000000000000000000000000000001', -99999999.99, -0.5, 0.1, FALSE,
        '', '', x'00000000', x'', x'',
        '1000-01-01', '00:00:00', '1000-01-01 00:00:00', '1970-01-02 00:00:00', 1901,
        'a', '', '[]', b'0', 0, '', '00000000-0000-0000-0000-000000000000'),
       (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
    ],
    expected: {
      id: ['1', '2', '3'],
      c_tinyint: ['127', '-128', null],
      c_tinyint_u: ['255', '0', null],
      c_smallint: ['32767', '-32768', null],
      c_mediumint: ['8388607', '-8388608', null],
      c_int: ['2147483647', '-2147483648', null],
      c_int_u: ['4294967295', '0', null],
      c_bigint: ['9223372036854775807', '-9223372036854775808', null],
      c_bigint_u: ['18446744073709551615', '0', null],
      c_decimal: [
        '12345678901234567890123456789012345.123456789012345678901234567890',
        '-0.000000000000000000000000000001',
        null,
      ],
      c_decimal2: ['12.30', '-99999999.99', null],
      c_float: ['1.1', '-0.5', null],
      c_double: ['1.7976931348623157e+308', '0.1', null],
      c_bool: ['1', '0', null],
      c_varchar: [unicode, '', null],
      c_text: [longText, '', null],
      c_binary: ['0x00ff0a09', '0x00000000', null],
      c_varbinary: ['0x5c0a09', '0x', null],
      c_blob: ['0xdeadbeef', '0x', null],
      c_date: ['2024-02-29', '1000-01-01', null],
      c_time: ['23:59:59.5', '00:00:00', null],
      c_datetime: ['2024-02-29 13:45:01.123456', '1000-01-01 00:00:00', null],
      c_timestamp: ['2024-06-01 12:00:00.25Z', '1970-01-02 00:00:00Z', null],
      c_year: ['2155', '1901', null],
      c_enum: ['c d', 'a', null],
      c_set: ['x,z', '', null],
      c_json: ['{"a": [1, 2.5, "ü"]}', '[]', null],
      c_bit: ['1000000001', '0000000000', null],
      order: ['1', '0', null],
      c_char: ['abc', '', null],
      c_uuid: ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '00000000-0000-0000-0000-000000000000', null],
      c_gen: ['65534', '-65536', null],
    },
  },
  postgres: {
    table: 'all types',
    statements: [
      `CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`,
      `CREATE TABLE "all types" (
        id int PRIMARY KEY, c_smallint smallint, c_int integer, c_bigint bigint,
        c_numeric numeric(40,10), c_numeric_free numeric, c_real real, c_double double precision, c_bool boolean,
        c_varchar varchar(100), c_text text, c_bytea bytea, c_date date, c_time time(3), c_ts timestamp(6),
        c_tstz timestamptz(3), c_json json, c_jsonb jsonb, c_bit bit(4), c_varbit varbit(8), c_uuid uuid,
        c_interval interval, c_enum mood, "User Name" text,
        c_gen bigint GENERATED ALWAYS AS (c_int::bigint * 2) STORED)`,
      `INSERT INTO "all types" (id, c_smallint, c_int, c_bigint, c_numeric, c_numeric_free, c_real, c_double, c_bool,
        c_varchar, c_text, c_bytea, c_date, c_time, c_ts, c_tstz, c_json, c_jsonb, c_bit, c_varbit, c_uuid, c_interval, c_enum, "User Name") VALUES
       (1, 32767, 2147483647, 9223372036854775807, 123456789012345678901234567890.0123456789, 1.50, 1.1, 1e300, true,
        ${pgString(unicode)}, ${pgString(longText)}, '\\xdeadbeef', '2024-02-29', '23:59:59.5', '2024-02-29 13:45:01.123456',
        '2024-06-01 14:00:00.25+02', '{"a": [1, 2.5, "ü"]}', '{"b": 1, "a": 2}', B'1010', B'101',
        'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '1 day 02:03:04.5', 'happy', 'ann'),
       (2, -32768, -2147483648, -9223372036854775808, -0.0000000001, 0.000, -0.5, 0.1, false,
        '', '', '\\x', '0001-01-01', '00:00:00', '0001-01-01 00:00:00', '1970-01-01 00:00:00+00', '[]', '[]', B'0000', B'',
        '00000000-0000-0000-0000-000000000000', '00:00:00', 'sad', ''),
       (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL)`,
    ],
    expected: {
      id: ['1', '2', '3'],
      c_smallint: ['32767', '-32768', null],
      c_int: ['2147483647', '-2147483648', null],
      c_bigint: ['9223372036854775807', '-9223372036854775808', null],
      c_numeric: ['123456789012345678901234567890.0123456789', '-0.0000000001', null],
      c_numeric_free: ['1.50', '0.000', null],
      c_real: ['1.1', '-0.5', null],
      c_double: ['1e+300', '0.1', null],
      c_bool: ['1', '0', null],
      c_varchar: [unicode, '', null],
      c_text: [longText, '', null],
      c_bytea: ['0xdeadbeef', '0x', null],
      c_date: ['2024-02-29', '0001-01-01', null],
      c_time: ['23:59:59.5', '00:00:00', null],
      c_ts: ['2024-02-29 13:45:01.123456', '0001-01-01 00:00:00', null],
      c_tstz: ['2024-06-01 12:00:00.25Z', '1970-01-01 00:00:00Z', null],
      c_json: ['{"a": [1, 2.5, "ü"]}', '[]', null],
      c_jsonb: ['{"a": 2, "b": 1}', '[]', null],
      c_bit: ['1010', '0000', null],
      c_varbit: ['101', '', null],
      c_uuid: ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '00000000-0000-0000-0000-000000000000', null],
      c_interval: ['1 day 02:03:04.5', '00:00:00', null],
      c_enum: ['happy', 'sad', null],
      'User Name': ['ann', '', null],
    },
  },
  sqlite: {
    table: 'all types',
    statements: [
      `CREATE TABLE "all types" (
        id INTEGER PRIMARY KEY, c_int INTEGER, c_bigint BIGINT, c_real REAL, c_bool BOOLEAN, c_text TEXT,
        c_varchar VARCHAR(20), c_blob BLOB, c_date DATE, c_datetime DATETIME, c_json JSON, "order" INTEGER,
        c_gen INTEGER GENERATED ALWAYS AS (c_int * 2) STORED)`,
      `INSERT INTO "all types" (id, c_int, c_bigint, c_real, c_bool, c_text, c_varchar, c_blob, c_date, c_datetime, c_json, "order") VALUES
       (1, 2147483647, 9223372036854775807, 1.5e300, 1, ${pgString(unicode)}, 'Ærøskøbing', x'deadbeef', '2024-02-29',
        '2024-02-29 13:45:01.5', '{"a":1}', 7),
       (2, -2147483648, -9223372036854775808, -0.25, 0, '', '', x'', '0001-01-01', '0001-01-01 00:00:00', '[]', 0),
       (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
    ],
    expected: {
      id: ['1', '2', '3'],
      c_int: ['2147483647', '-2147483648', null],
      c_bigint: ['9223372036854775807', '-9223372036854775808', null],
      c_real: ['1.5e+300', '-0.25', null],
      c_bool: ['1', '0', null],
      c_text: [unicode, '', null],
      c_varchar: ['Ærøskøbing', '', null],
      c_blob: ['0xdeadbeef', '0x', null],
      c_date: ['2024-02-29', '0001-01-01', null],
      c_datetime: ['2024-02-29 13:45:01.5', '0001-01-01 00:00:00', null],
      c_json: ['{"a":1}', '[]', null],
      order: ['7', '0', null],
    },
  },
};

function mysqlString(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "''").replaceAll('\n', '\\n').replaceAll('\t', '\\t')}'`;
}

function pgString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
