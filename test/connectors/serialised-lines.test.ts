import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serialiseRow } from '../../src/connectors/canonical.ts';
import { cellsOfLine, LineBuilder, replaceInvalidUtf8 } from '../../src/connectors/serialised-lines.ts';
import type { Row } from '../../src/connectors/types.ts';

function lineOf(row: Row): Buffer {
  return Buffer.from(serialiseRow(row), 'utf8');
}

describe('serialised lines', () => {
  it('reads back the cells of a line: the inverse of serialiseRow', () => {
    const rows: Row[] = [
      ['1', 'tab\there', null, Buffer.from([0, 0x5c, 0xff]), 'back\\slash\nnew\rline', ''],
      ['\\N', 'x', '', Buffer.alloc(0), '😀', '\\'],
    ];
    for (const row of rows)
      assert.deepEqual(cellsOfLine(lineOf(row), [false, false, false, true, false, false]), row);
  });

  it('escapes raw text bytes and hex-encodes binary exactly as serialiseRow does', () => {
    const lines = new LineBuilder(4);
    lines.plain('42');
    lines.tab();
    lines.escaped(Buffer.from('a\\b\tc\nd\re'));
    lines.tab();
    lines.binary(Buffer.from([1, 0xab]));
    lines.tab();
    lines.nullCell();
    lines.endLine();
    const batch = lines.take()!;
    assert.equal(
      batch.text.toString(),
      serialiseRow(['42', 'a\\b\tc\nd\re', Buffer.from([1, 0xab]), null]) + '\n',
    );
    assert.deepEqual([...batch.ends], [batch.text.length]);
    assert.equal(lines.take(), null);
  });

  it('replaces invalid UTF-8 in text columns only, and counts each value with U+FFFD', () => {
    const lines = new LineBuilder();
    const bad = Buffer.from([0x61, 0xc3, 0x28, 0x62]); // 'a', a truncated sequence, '(', 'b'
    for (const fields of [
      [Buffer.from('1'), bad, Buffer.from('ok')],
      [Buffer.from('2'), Buffer.from('fine'), Buffer.from('x\uFFFDy')],
      [Buffer.from('3'), Buffer.from('fine'), Buffer.from('fine')],
    ]) {
      fields.forEach((f, i) => {
        if (i > 0) lines.tab();
        lines.raw(f);
      });
      lines.endLine();
    }
    const batch = lines.take()!;
    let counted = 0;
    const repaired = replaceInvalidUtf8(batch, [false, true, true], (n) => (counted += n));
    assert.equal(counted, 2);
    assert.equal(repaired.text.toString(), '1\ta\uFFFD(b\tok\n2\tfine\tx\uFFFDy\n3\tfine\tfine\n');
    assert.equal(repaired.rows, 3);
    const clean = lines;
    clean.plain('ok');
    clean.endLine();
    const good = clean.take()!;
    assert.equal(
      replaceInvalidUtf8(good, [true], () => assert.fail('nothing to count')),
      good,
    );
  });
});
