// The changes of a change-log window (from, to], coalesced per table: each changed key once, with
// the position of its last change. Applying a key means "make the target row equal the source row
// now" (delete it, copy it again if it still exists), so how often and how a key changed does not
// matter — only that it did. Keys are applied in order of their last change, which makes the
// per-table checkpoint a single position: every key whose last change is ≤ it has been applied.

import { keyIdentity } from '../../connectors/change-log-keys.ts';
import type { Cell, ChangeTracking } from '../../connectors/types.ts';

export interface ChangedKey {
  key: Cell[];
  /** Position of the key's last change in the window. */
  lastSeq: bigint;
}

export interface TableChanges {
  /** Distinct changed keys, ordered by `lastSeq`. */
  keys: ChangedKey[];
  /** Set when a change without a usable key was logged: the whole table is copied again. */
  wholeTableSeq: bigint | null;
  /** Position of the table's last change in the window. */
  lastSeq: bigint;
  /** Change-log entries seen (before coalescing). */
  entries: number;
}

/** Changes read per query. */
const PAGE = 10_000;

export async function readChangeSet(
  tracking: ChangeTracking,
  from: string,
  to: string,
  signal?: AbortSignal,
): Promise<Map<string, TableChanges>> {
  const byTable = new Map<
    string,
    { keys: Map<string, ChangedKey>; whole: bigint | null; last: bigint; n: number }
  >();
  const end = BigInt(to);
  let after = from;
  for (;;) {
    signal?.throwIfAborted();
    const page = await tracking.readChanges(after, PAGE);
    let reachedEnd = page.length < PAGE;
    for (const change of page) {
      const seq = BigInt(change.seq);
      if (seq > end) {
        reachedEnd = true;
        break;
      }
      let table = byTable.get(change.table);
      if (table === undefined) {
        table = { keys: new Map(), whole: null, last: 0n, n: 0 };
        byTable.set(change.table, table);
      }
      table.n++;
      table.last = seq;
      if (change.key.length === 0) table.whole = seq;
      else {
        const id = keyIdentity(change.key);
        // Delete and re-insert so Map order stays "by last change".
        table.keys.delete(id);
        table.keys.set(id, { key: change.key, lastSeq: seq });
      }
      after = change.seq;
    }
    if (reachedEnd || page.length === 0) break;
  }
  const result = new Map<string, TableChanges>();
  for (const [name, t] of byTable) {
    result.set(name, { keys: [...t.keys.values()], wholeTableSeq: t.whole, lastSeq: t.last, entries: t.n });
  }
  return result;
}
