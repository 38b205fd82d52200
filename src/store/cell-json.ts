// Key cells (strings, Buffers, null) as JSON text for checkpoint columns.

import type { Cell } from '../connectors/types.ts';

export function cellsToJson(cells: Cell[] | null): string | null {
  if (cells === null) return null;
  return JSON.stringify(cells.map((c) => (Buffer.isBuffer(c) ? { $base64: c.toString('base64') } : c)));
}

export function cellsFromJson(text: string | null): Cell[] | null {
  if (text === null) return null;
  const parsed = JSON.parse(text) as (string | null | { $base64: string })[];
  return parsed.map((c) => (c !== null && typeof c === 'object' ? Buffer.from(c.$base64, 'base64') : c));
}
