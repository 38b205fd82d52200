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

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("a finished run's buffer is dropped after forgetFinishedAfterMs when nobody is subscribed", async () => {
  const bus = new RunEventBus({ forgetFinishedAfterMs: 30 });
  bus.publish(started(false));
  bus.publish({ type: 'progress', runId: 'r1', table: 't', rows: 10, bytes: 100 });
  bus.publish(finished('succeeded'));
  assert.ok(bus.has('r1'));
  assert.equal(replayed(bus).length, 3, 'a late subscriber still sees the run right after it finished');
  await settle(80);
  assert.equal(bus.has('r1'), false);
  assert.deepEqual(replayed(bus), []);
});

test('a subscriber keeps the buffer until it leaves; a resume before the deadline keeps it too', async () => {
  const bus = new RunEventBus({ forgetFinishedAfterMs: 30 });
  bus.publish(started(false));
  const seen: string[] = [];
  const unsubscribe = bus.subscribe('r1', (e) => seen.push(e.type));
  bus.publish(finished('succeeded'));
  await settle(80);
  assert.ok(bus.has('r1'), 'kept while subscribed');
  assert.deepEqual(
    replayed(bus).map((e) => e.type),
    ['run-started', 'run-finished'],
  );
  unsubscribe();
  assert.equal(bus.has('r1'), false, 'dropped when the last subscriber left');
  assert.deepEqual(seen, ['run-started', 'run-finished']);

  bus.publish(started(false));
  bus.publish(finished('paused'));
  bus.publish(started(true)); // resumed before the deadline: the run executes again
  await settle(80);
  assert.ok(bus.has('r1'), 'a running run keeps its buffer');
  bus.publish(finished('succeeded'));
  await settle(80);
  assert.equal(bus.has('r1'), false);
});

test('forget drops a buffer at once', () => {
  const bus = new RunEventBus();
  bus.publish(started(false));
  bus.publish(finished('paused'));
  bus.forget('r1');
  assert.equal(bus.has('r1'), false);
  assert.deepEqual(replayed(bus), []);
  bus.close();
});
