// Reading one upload session's recorded outcomes for a report: totals per outcome computed by the
// store (GROUP BY, not by loading every row), and a bounded page of the documents with some
// outcomes, ordered by path. Kysely quotes every identifier; the same code on SQLite and PostgreSQL.

import type { Kysely } from 'kysely';
import type { StoreDatabase } from '../store/database.ts';
import {
  documentOutcomes,
  outcomeRecordOf,
  type DocumentOutcome,
  type DocumentOutcomeRecord,
} from './document-outcomes.ts';

export interface OutcomeCount {
  files: number;
  /** Sum of the recorded sizes (for `missing`: the size the database records, when it does). */
  bytes: number;
}

/** Files and bytes per outcome of the session (every outcome present, zero when none). */
export async function sessionOutcomeCounts(
  db: Kysely<StoreDatabase>,
  sessionId: string,
): Promise<Record<DocumentOutcome, OutcomeCount>> {
  const rows = await db
    .selectFrom('document_outcomes')
    .select((eb) => [
      'outcome',
      eb.fn.countAll().as('files'),
      eb.fn.coalesce(eb.fn.sum('size'), eb.lit(0)).as('bytes'),
    ])
    .where('session_id', '=', sessionId)
    .groupBy('outcome')
    .execute();
  const counts = Object.fromEntries(documentOutcomes.map((o) => [o, { files: 0, bytes: 0 }])) as Record<
    DocumentOutcome,
    OutcomeCount
  >;
  for (const row of rows) {
    const outcome = row.outcome as DocumentOutcome;
    if (!documentOutcomes.includes(outcome)) continue;
    counts[outcome] = { files: Number(row.files), bytes: Number(row.bytes) };
  }
  return counts;
}

export interface ListSessionOutcomesOptions {
  /** Only documents with one of these outcomes (default: every outcome). */
  outcomes?: readonly DocumentOutcome[];
  /** At most this many documents. */
  limit: number;
}

/** The session's documents with the given outcomes, ordered by path, at most `limit`. */
export async function listSessionOutcomes(
  db: Kysely<StoreDatabase>,
  sessionId: string,
  options: ListSessionOutcomesOptions,
): Promise<DocumentOutcomeRecord[]> {
  let query = db.selectFrom('document_outcomes').selectAll().where('session_id', '=', sessionId);
  if (options.outcomes !== undefined) {
    if (options.outcomes.length === 0) return [];
    query = query.where('outcome', 'in', [...options.outcomes]);
  }
  const rows = await query.orderBy('path').orderBy('document_id').limit(options.limit).execute();
  return rows.map(outcomeRecordOf);
}
