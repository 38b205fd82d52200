#!/usr/bin/env -S node --max-old-space-size=192
// The `ferry` command. Runs the TypeScript sources through tsx so a checkout works right after `npm ci`.
// The heap cap keeps peak memory flat: Ferry streams, so its live data is small whatever the table
// size, but V8 otherwise lets garbage pile up to hundreds of MB before collecting it.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
