// Real `ferry` processes for tests: one-shot commands, and long-lived ones (`serve`, `worker`)
// whose `--json` lines are collected as they come. FERRY_STORE, FERRY_SERVER, FERRY_TOKEN and
// FERRY_HOME are cleared, so only the flags a test passes decide where a process looks.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

export type Line = Record<string, unknown> & { type: string };

export interface FerryProcess {
  name: string;
  child: ChildProcessByStdio<null, Readable, Readable>;
  lines: Line[];
  stderr: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const isolated = (): NodeJS.ProcessEnv => ({
  ...process.env,
  FERRY_STORE: '',
  FERRY_SERVER: '',
  FERRY_TOKEN: '',
  FERRY_HOME: '',
});

/** A long-lived `ferry` process (run with --json) whose output lines are parsed as they come. */
export function startFerry(name: string, args: string[]): FerryProcess {
  const child = spawn(process.execPath, ['bin/ferry.js', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: isolated(),
  });
  const proc: FerryProcess = {
    name,
    child,
    lines: [],
    stderr: '',
    exit: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal }))),
  };
  let buffer = '';
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (text.trim() !== '') proc.lines.push(JSON.parse(text) as Line);
    }
  });
  child.stderr.on('data', (d: Buffer) => (proc.stderr += d.toString()));
  return proc;
}

/** One `ferry` command to its end: exit code and output. */
export function ferry(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/ferry.js', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: isolated(),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Polls `probe` every 50 ms until it answers something truthy, or fails naming `what`. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | null,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined && found !== null && found !== false) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
