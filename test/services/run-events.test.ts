import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunEvent } from '../../src/engine/events.ts';
import { RunEventBus } from '../../src/services/run-events.ts';

const started = (resumed: boolean): RunEvent => ({
  type: 'run-started',
  runId: 'r1',
  resumed,
  source: 'mysql://h/db',
  target: 'postgres://h/db',
  tables: [],
});
const finished = (status: string): RunEvent => ({
  type: 'run-finished',
  runId: 'r1',
  status,
  tables: [],
  durationMs: 1,
});

function replayed(bus: RunEventBus): RunEvent[] {
  const seen: RunEvent[] = [];
  bus.subscribe('r1', (e) => seen.push(e))();
  return seen;
}

test('a late subscriber counts every row copied so far', () => {
  const bus = new RunEventBus();
  bus.publish(started(false));
  for (let i = 0; i < 3; i++)
    bus.publish({ type: 'progress', runId: 'r1', table: 't', rows: 10, bytes: 100 });
  const progress = replayed(bus).filter((e) => e.type === 'progress');
  assert.equal(progress.length, 1);
  assert.deepEqual(
    progress.map((e) => (e.type === 'progress' ? [e.rows, e.bytes] : [])),
    [[30, 300]],
  );
});

test('a resumed run is no longer finished for a late subscriber', () => {
  const bus = new RunEventBus();
  bus.publish(started(false));
  bus.publish(finished('paused'));
  assert.ok(replayed(bus).some((e) => e.type === 'run-finished'));
  bus.publish(started(true));
  const types = replayed(bus).map((e) => e.type);
  assert.ok(!types.includes('run-finished'), `replay after resume: ${types.join(', ')}`);
  bus.publish(finished('succeeded'));
  assert.equal(replayed(bus).filter((e) => e.type === 'run-finished').length, 1);
});
