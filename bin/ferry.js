#!/usr/bin/env -S node --max-old-space-size=192
// The `ferry` command. Runs the compiled JavaScript in dist/ when `npm run build` made it and no
// source file changed since (about 1 s less start-up CPU); otherwise runs the TypeScript sources
// through tsx, so a checkout works right after `npm ci`.
// The heap cap keeps peak memory flat: Ferry streams, so its live data is small whatever the table
// size, but V8 otherwise lets garbage pile up to hundreds of MB before collecting it.
import { existsSync, readdirSync, statSync } from 'node:fs';

// More thread-pool threads than libuv's 4: document uploads keep file reads, SHA-256 digests and
// batched fsyncs in flight on it at once. Must be set before the pool is first used.
process.env.UV_THREADPOOL_SIZE ??= '16';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function compiledIsCurrent() {
  const stamp = `${root}dist/.built`;
  return existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource(`${root}src`);
}

let main;
if (process.env.FERRY_FROM_SOURCE !== '1' && compiledIsCurrent()) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
await main(process.argv);
