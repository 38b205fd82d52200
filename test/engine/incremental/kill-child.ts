// Child process of incremental-kill.test.ts: starts an incremental run and prints its events as
// JSON lines (the parent SIGKILLs it mid-run). Usage: kill-child.ts HOME PREVIOUS_RUN FROM TO

import { startIncrementalRun } from '../../../src/services/incremental-runs.ts';
import { openStore } from '../../../src/store/open-store.ts';

const [home, previousRunId, from, to] = process.argv.slice(2) as [string, string, string, string];
const store = await openStore({ home });
const print = (event: object) => process.stdout.write(JSON.stringify(event) + '\n');
const outcome = await startIncrementalRun({
  store,
  previousRunId,
  from,
  to,
  options: { parallel: 1, batchRows: 200 },
  onEvent: print,
  signal: new AbortController().signal,
  onRunCreated: (run) => void print({ type: 'created', runId: run.id }),
});
print({ type: 'outcome', status: outcome.status });
await store.close();
