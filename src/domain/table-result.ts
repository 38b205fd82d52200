// Per-table outcome of a run, as stored, reported and shown.

export const tableStatuses = ['migrated', 'warning', 'failed', 'not-migrated'] as const;
export type TableStatus = (typeof tableStatuses)[number];

export interface TableMessage {
  level: 'info' | 'warning' | 'error';
  /** What was found. */
  text: string;
  /** What to do about it. */
  guidance?: string;
  /** Error code when the message comes from an error. */
  code?: string;
}

export interface TableResult {
  table: string;
  status: TableStatus;
  rowsRead: number;
  rowsWritten: number;
  rowsSkipped: number;
  bytes: number;
  durationMs: number;
  messages: TableMessage[];
}

/** A table's status from what happened to it: errors fail it, warnings mark it. */
export function statusFromMessages(messages: TableMessage[], copied: boolean): TableStatus {
  if (messages.some((m) => m.level === 'error')) return copied ? 'failed' : 'not-migrated';
  if (messages.some((m) => m.level === 'warning')) return 'warning';
  return 'migrated';
}
