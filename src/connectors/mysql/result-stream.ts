// Streaming one text-protocol result with backpressure, for every reader of this connector.
//
// mysql2 hands over rows one by one; a sink turns them into batches. Once one full batch waits for
// the consumer, the connection's socket is paused (mysql2 `pause()` stops reading and parking
// packets), so at most one batch plus the one being filled is held; TCP flow control then stalls
// the server. When the consumer stops early or the signal aborts, the running statement is stopped
// with `KILL QUERY` from a short side session and the rest of the result is discarded, so the
// session is usable again when the generator's `finally` has run.

import mysql from 'mysql2';
import type { Query, QueryOptions } from 'mysql2';
import { FerryError } from '../../domain/errors.ts';
import type { MysqlSession } from './connection.ts';
import { translateQueryError } from './connection.ts';

export interface BatchSink<B> {
  /** Take one driver row; true when a batch is full. A throw fails the read with that error. */
  add(row: unknown): boolean;
  /** The batch so far, or null when it is empty; starts the next one. */
  take(): B | null;
}

export async function* streamResult<B>(
  session: MysqlSession,
  table: string,
  query: QueryOptions,
  signal: AbortSignal | undefined,
  sink: BatchSink<B>,
): AsyncGenerator<B> {
  signal?.throwIfAborted();
  const conn = session.conn;
  const ready: B[] = [];
  let finished = false;
  let discard = false;
  let paused = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };

  const running: Query = conn.query(query);
  running.on('result', (raw: unknown) => {
    if (discard) return;
    let full: boolean;
    try {
      full = sink.add(raw);
    } catch (error) {
      failure = error;
      discard = true;
      notify();
      return;
    }
    if (!full) return;
    const batch = sink.take();
    if (batch !== null) ready.push(batch);
    if (!paused) {
      paused = true;
      conn.pause();
    }
    notify();
  });
  running.on('error', (error: unknown) => {
    failure = error;
    finished = true;
    notify();
  });
  running.on('end', () => {
    if (!discard) {
      const last = sink.take();
      if (last !== null) ready.push(last);
    }
    finished = true;
    notify();
  });
  const onAbort = (): void => notify();
  signal?.addEventListener('abort', onAbort);

  try {
    for (;;) {
      signal?.throwIfAborted();
      const batch = ready.shift();
      if (batch !== undefined) {
        if (paused && ready.length === 0) {
          paused = false;
          conn.resume();
        }
        yield batch;
        continue;
      }
      if (failure !== null)
        throw failure instanceof FerryError ? failure : translateQueryError(failure, session.url, table);
      if (finished) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!finished) {
      discard = true;
      ready.length = 0;
      sink.take();
      await stopQuery(session, () => finished);
    }
    if (paused) {
      paused = false;
      conn.resume();
    }
    while (!finished) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  }
}

/**
 * Stop the session's running statement: `KILL QUERY` on a side session (the statement then ends
 * with ER_QUERY_INTERRUPTED, which the discarding reader ignores). If the side session cannot be
 * opened, the caller simply drains the rest of the result.
 */
async function stopQuery(session: MysqlSession, isFinished: () => boolean): Promise<void> {
  const threadId = session.conn.threadId;
  if (isFinished() || threadId === null) return;
  const side = mysql.createConnection({ ...session.options, database: undefined });
  side.on('error', () => {});
  try {
    await new Promise<void>((resolve) => {
      side.query({ sql: 'KILL QUERY ?', values: [threadId] }, () => resolve());
    });
  } finally {
    side.destroy();
  }
}
