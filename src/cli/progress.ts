// Progress output for a run, chosen by where it goes:
//   --json          every event as one JSON line (machine-readable; progress events throttled)
//   a terminal      an overall bar and one bar per table, with rows/s, MB/s and ETA
//   anything else   a plain progress line every few seconds

import cliProgress from 'cli-progress';
import type { RunEvent, RunEventListener } from '../engine/events.ts';
import { formatBytes, formatCount } from './format.ts';

export interface ProgressRenderer {
  listener: RunEventListener;
  stop(): void;
}

interface TableState {
  name: string;
  total: number;
  rows: number;
  bytes: number;
  done: boolean;
}

class RateMeter {
  private readonly started = Date.now();
  constructor(private readonly baseline: { rows: number; bytes: number }) {}
  rates(rows: number, bytes: number): { rowsPerSec: number; mbPerSec: number } {
    const seconds = Math.max(0.001, (Date.now() - this.started) / 1000);
    return {
      rowsPerSec: (rows - this.baseline.rows) / seconds,
      mbPerSec: (bytes - this.baseline.bytes) / seconds / 1024 / 1024,
    };
  }
}

export function createProgressRenderer(mode: 'json' | 'tty' | 'plain'): ProgressRenderer {
  const renderer = mode === 'json' ? jsonRenderer() : mode === 'tty' ? ttyRenderer() : plainRenderer();
  let stopped = false;
  return {
    listener: renderer.listener,
    stop() {
      if (stopped) return;
      stopped = true;
      renderer.stop();
    },
  };
}

function jsonRenderer(): ProgressRenderer {
  const pending = new Map<string, { rows: number; bytes: number }>();
  const flush = () => {
    for (const [table, p] of pending) {
      process.stdout.write(JSON.stringify({ type: 'progress', table, rows: p.rows, bytes: p.bytes }) + '\n');
    }
    pending.clear();
  };
  const timer = setInterval(flush, 1000);
  timer.unref();
  return {
    listener(event) {
      if (event.type === 'progress') {
        const p = pending.get(event.table) ?? { rows: 0, bytes: 0 };
        p.rows += event.rows;
        p.bytes += event.bytes;
        pending.set(event.table, p);
        return;
      }
      if (event.type === 'run-finished') flush();
      process.stdout.write(JSON.stringify({ ...event, at: new Date().toISOString() }) + '\n');
    },
    stop() {
      clearInterval(timer);
      flush();
    },
  };
}

function totals(tables: Map<string, TableState>) {
  let rows = 0;
  let bytes = 0;
  let total = 0;
  for (const t of tables.values()) {
    rows += t.rows;
    bytes += t.bytes;
    total += Math.max(t.total, t.rows);
  }
  return { rows, bytes, total };
}

function plainRenderer(): ProgressRenderer {
  const tables = new Map<string, TableState>();
  let meter: RateMeter | null = null;
  let runId = '';
  const print = () => {
    if (meter === null) return;
    const { rows, bytes, total } = totals(tables);
    const { rowsPerSec, mbPerSec } = meter.rates(rows, bytes);
    const done = [...tables.values()].filter((t) => t.done).length;
    const pct = total === 0 ? 100 : Math.min(100, (rows / total) * 100);
    const eta = rowsPerSec > 0 ? Math.max(0, (total - rows) / rowsPerSec) : NaN;
    process.stderr.write(
      `[${runId}] ${pct.toFixed(1)}% · ${formatCount(rows)} of ~${formatCount(total)} rows · ${formatBytes(bytes)} · ` +
        `${formatCount(Math.round(rowsPerSec))} rows/s · ${mbPerSec.toFixed(1)} MB/s · tables ${done}/${tables.size}` +
        (Number.isFinite(eta) ? ` · ETA ${Math.round(eta)} s` : '') +
        '\n',
    );
  };
  const timer = setInterval(print, 3000);
  timer.unref();
  return {
    listener(event) {
      handleCommon(
        event,
        tables,
        (m) => (meter = m),
        (id) => (runId = id),
      );
      if (event.type === 'step' && event.step !== 'keys')
        process.stderr.write(`[${event.runId}] ${event.step}${event.detail ? `: ${event.detail}` : ''}\n`);
      if (event.type === 'table-failed')
        process.stderr.write(`[${event.runId}] ${event.table} failed: ${event.message}\n`);
    },
    stop() {
      clearInterval(timer);
      print();
    },
  };
}

function handleCommon(
  event: RunEvent,
  tables: Map<string, TableState>,
  setMeter: (m: RateMeter) => void,
  setRunId: (id: string) => void,
): void {
  switch (event.type) {
    case 'run-started':
      setRunId(event.runId);
      for (const t of event.tables) {
        tables.set(t.name, {
          name: t.name,
          total: t.estimatedRows,
          rows: t.doneRows,
          bytes: t.doneBytes,
          done: false,
        });
      }
      setMeter(new RateMeter(totals(tables)));
      return;
    case 'progress': {
      const t = tables.get(event.table);
      if (t !== undefined) {
        t.rows += event.rows;
        t.bytes += event.bytes;
      }
      return;
    }
    case 'table-copied': {
      const t = tables.get(event.table);
      if (t !== undefined) t.done = true;
      return;
    }
    default:
      return;
  }
}

function ttyRenderer(): ProgressRenderer {
  const tables = new Map<string, TableState>();
  let meter: RateMeter | null = null;
  const bars = new Map<string, cliProgress.SingleBar>();
  const multibar = new cliProgress.MultiBar(
    {
      clearOnComplete: false,
      hideCursor: true,
      format:
        ' {label} |{bar}| {percentage}% · {value}/{total} rows · {rate} rows/s · {mbps} MB/s · ETA {eta_formatted}',
      barsize: 24,
      etaBuffer: 50,
      fps: 5,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let overall: cliProgress.SingleBar | null = null;
  const labelWidth = () => Math.min(28, Math.max(7, ...[...tables.keys()].map((n) => n.length)));
  const label = (text: string) =>
    text.length > labelWidth() ? text.slice(0, labelWidth() - 1) + '…' : text.padEnd(labelWidth());
  const refresh = () => {
    if (meter === null || overall === null) return;
    const { rows, bytes, total } = totals(tables);
    const { rowsPerSec, mbPerSec } = meter.rates(rows, bytes);
    overall.setTotal(total);
    overall.update(rows, {
      label: label('overall'),
      rate: formatCount(Math.round(rowsPerSec)),
      mbps: mbPerSec.toFixed(1),
    });
    for (const t of tables.values()) {
      const bar = bars.get(t.name);
      if (bar === undefined) continue;
      const r = meter.rates(t.rows, t.bytes);
      bar.setTotal(Math.max(t.total, t.rows, 1));
      bar.update(t.done ? Math.max(t.total, t.rows) : t.rows, {
        label: label(t.name),
        rate: formatCount(Math.round(Math.max(0, r.rowsPerSec))),
        mbps: Math.max(0, r.mbPerSec).toFixed(1),
      });
    }
  };
  const timer = setInterval(refresh, 250);
  timer.unref();
  return {
    listener(event) {
      handleCommon(
        event,
        tables,
        (m) => (meter = m),
        () => undefined,
      );
      if (event.type === 'run-started') {
        overall = multibar.create(1, 0, { label: label('overall'), rate: '0', mbps: '0.0' });
        for (const t of tables.values()) {
          bars.set(
            t.name,
            multibar.create(Math.max(t.total, 1), t.rows, { label: label(t.name), rate: '0', mbps: '0.0' }),
          );
        }
      }
      if (event.type === 'table-failed') multibar.log(`✗ ${event.table}: ${event.message}\n`);
      if (event.type === 'step' && event.step !== 'keys') multibar.log(`· ${event.step}\n`);
    },
    stop() {
      clearInterval(timer);
      refresh();
      multibar.stop();
    },
  };
}
