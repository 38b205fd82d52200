// The run report for people: one line per table, then the messages with guidance.

import type { TableResult } from '../domain/table-result.ts';
import { formatBytes, formatCount, formatDuration, pad, padLeft } from './format.ts';

const marks: Record<TableResult['status'], string> = {
  migrated: 'migrated',
  warning: 'warning',
  failed: 'FAILED',
  'not-migrated': 'NOT MIGRATED',
};

export function renderReport(title: string, tables: TableResult[]): string {
  const width = Math.max(5, ...tables.map((t) => t.table.length));
  const lines = [title, ''];
  lines.push(
    `${pad('table', width)}  ${pad('status', 12)}  ${padLeft('read', 12)}  ${padLeft('written', 12)}  ${padLeft('skipped', 8)}  ${padLeft('bytes', 10)}  ${padLeft('time', 10)}`,
  );
  for (const t of tables) {
    lines.push(
      `${pad(t.table, width)}  ${pad(marks[t.status], 12)}  ${padLeft(formatCount(t.rowsRead), 12)}  ${padLeft(formatCount(t.rowsWritten), 12)}  ${padLeft(formatCount(t.rowsSkipped), 8)}  ${padLeft(formatBytes(t.bytes), 10)}  ${padLeft(formatDuration(t.durationMs), 10)}`,
    );
  }
  const withMessages = tables.filter((t) => t.messages.length > 0);
  if (withMessages.length > 0) lines.push('');
  for (const t of withMessages) {
    for (const m of t.messages) {
      lines.push(`${m.level === 'error' ? '✗' : m.level === 'warning' ? '!' : '·'} ${t.table}: ${m.text}`);
      if (m.guidance !== undefined) lines.push(`    → ${m.guidance}`);
    }
  }
  const count = (s: TableResult['status']) => tables.filter((t) => t.status === s).length;
  lines.push(
    '',
    `${count('migrated')} migrated, ${count('warning')} with warnings, ${count('failed')} failed, ${count('not-migrated')} not migrated; ` +
      `${formatCount(tables.reduce((n, t) => n + t.rowsWritten, 0))} rows verified by checksum on both sides`,
  );
  return lines.join('\n');
}
