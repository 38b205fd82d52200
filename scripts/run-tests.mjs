#!/usr/bin/env node
// Runs every test file under test/ with Node's test runner (tsx compiles TypeScript on the fly).
// Usage: npm test [-- path-substring ...] to run only files whose path contains one of the substrings.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : full.endsWith('.test.ts') ? [full] : [];
  });
}

const filters = process.argv.slice(2);
const files = walk('test')
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(', ')}`);
  process.exit(1);
}
const concurrency = process.env.FERRY_TEST_CONCURRENCY ?? '2';
// test/support/servers.ts appends a line here for every suite it skips because a server is missing,
// so the skips are repeated at the end instead of scrolling away with the first file's output.
const skipDir = mkdtempSync(join(tmpdir(), 'ferry-test-skips-'));
const skipLog = join(skipDir, 'skipped.txt');
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, FERRY_TEST_SKIP_LOG: skipLog } },
);
if (existsSync(skipLog)) {
  const lines = [...new Set(readFileSync(skipLog, 'utf8').split('\n').filter(Boolean))];
  if (lines.length > 0) {
    console.error(`\n!!! ${lines.length} test file(s) SKIPPED tests because a server is missing:`);
    for (const line of lines) console.error(`!!!   ${line}`);
    console.error(
      '!!! With CI set (CI=true) these fail instead. See docs/operations.md, "Servers for the tests".\n',
    );
  }
}
rmSync(skipDir, { recursive: true, force: true });
process.exit(result.status ?? 1);
