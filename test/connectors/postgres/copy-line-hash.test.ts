// The PostgreSQL writer hashes the COPY lines it sends instead of serialising each row again; that
// is only correct if a COPY text line is byte for byte the canonical row serialisation.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChecksumAccumulator, checksumOf, serialiseRow } from '../../../src/connectors/canonical.ts';
import { CopyEncoder } from '../../../src/connectors/postgres/copy-text.ts';
import type { Row } from '../../../src/connectors/types.ts';

const rows: Row[] = [
  ['1', 'plain', null, Buffer.from([0, 1, 0xfe, 0xff])],
  ['2', 'tab\there', 'line\nbreak', 'carriage\rreturn'],
  ['3', 'back\\slash', '\\N', ''],
  ['4', 'ünïcødé 🚀 — 漢字', 'lone \ud800 surrogate', Buffer.alloc(0)],
  ['5', '\\\t\n\r', null, null],
  ['6', 'x'.repeat(100_000), 'bell\u0007 and form\f feed', 'end'],
];

test('a COPY text line is exactly the canonical row serialisation', () => {
  const encoded = new CopyEncoder().encode(rows).toString('utf8');
  const lines = encoded.split('\n');
  assert.equal(lines.pop(), '', 'the last line ends with a newline');
  assert.deepEqual(
    lines,
    rows.map((r) => Buffer.from(serialiseRow(r), 'utf8').toString('utf8')),
  );
});

test('hashing while encoding gives the checksum of the rows', () => {
  const hashed = new ChecksumAccumulator();
  const encoder = new CopyEncoder();
  encoder.encode(rows.slice(0, 3), hashed);
  encoder.encode(rows.slice(3), hashed);
  assert.deepEqual(hashed.result(), checksumOf(rows));
});

test('columns of plain types skip escaping and encode the same', () => {
  const plainFirst = new CopyEncoder([true, false, false, false]).encode(rows);
  assert.deepEqual(plainFirst, new CopyEncoder().encode(rows));
});
