// How an index writer (src/writer) batches runs' rows into D1, as pure arithmetic: the
// writer's Durable Object follows it, and the bench's simulation (`--only sim`) drives it
// at loads one machine cannot produce.

/** At most one D1 batch per interval while a writer is busy: what a row may trail its run by under load. */
export const WRITER_INTERVAL_MS = 1_000;

/** D1 binds at most 100 parameters per statement: an index row binds 15, an audit row at most 13 (an API call's). */
export const WRITER_ROWS_PER_STATEMENT = { index: 6, audits: 7 } as const;

/** One D1 batch: at most 50 index upserts and 50 audit inserts. */
export const WRITER_BATCH_LIMITS = {
  index: 50 * WRITER_ROWS_PER_STATEMENT.index,
  audits: 50 * WRITER_ROWS_PER_STATEMENT.audits,
} as const;

/**
 * When a writer just handed rows commits them: now when it is idle (no commit under way, none
 * within the interval: the run's flush then waits for D1, as if it wrote itself), else with
 * the next batch, one interval after the last one began.
 */
export function commitAt(
  writer: { now: number; lastCommitAt: number; committing: boolean },
  intervalMs = WRITER_INTERVAL_MS,
): number {
  if (!writer.committing && writer.now - writer.lastCommitAt >= intervalMs) return writer.now;
  return Math.max(writer.lastCommitAt + intervalMs, writer.now);
}

/** A batch that came out full: a backlog, committed on at once rather than an interval later. */
export function isBacklog(batch: { index: number; audits: number }): boolean {
  return batch.index >= WRITER_BATCH_LIMITS.index || batch.audits >= WRITER_BATCH_LIMITS.audits;
}
