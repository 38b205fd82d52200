// `npm run build`: compile src/ to dist/ and stamp the build with the time it started, so
// bin/ferry.js runs the compiled JavaScript only while no source file is newer than the stamp
// (a source edited during or after the build sends it back to the TypeScript sources).

import { spawnSync } from 'node:child_process';
import { closeSync, openSync, utimesSync } from 'node:fs';

const started = new Date();
const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
  stdio: 'inherit',
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
const stamp = 'dist/.built';
closeSync(openSync(stamp, 'w'));
utimesSync(stamp, started, started);
