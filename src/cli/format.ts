// Small formatting helpers for people-facing output.

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

export function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function padLeft(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}

/**
 * Rows of cells → aligned lines under a header (two spaces between columns, the last column not
 * padded). Cells longer than `maxCell` characters (default: no limit) end in "…".
 */
export function alignTable(header: string[], rows: string[][], maxCell = Infinity): string[] {
  const cut = (text: string) => (text.length > maxCell ? `${text.slice(0, maxCell - 1)}…` : text);
  const all = [header, ...rows].map((r) => r.map(cut));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}
