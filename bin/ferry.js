#!/usr/bin/env node
// The `ferry` command. Runs the TypeScript sources through tsx so a checkout works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
