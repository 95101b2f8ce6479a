// D1 round trips per run, counted inside Waymark: the bench's entry counts every batch,
// exec and statement sent through `env.DB` (counting/d1-counter.ts) and answers the counts
// so far; this reads them before and after a batch of runs, once the count stands still.
import { D1_COUNTS_PATH, type D1Counts } from "./counting/d1-counter.ts";
import { sleep } from "./stats.ts";

async function readD1Counts(url: string): Promise<D1Counts> {
  const response = await fetch(`${url}${D1_COUNTS_PATH}`);
  if (!response.ok) throw new Error(`GET ${D1_COUNTS_PATH} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as D1Counts;
}

/**
 * Reads again until the count has not moved for `quietMs`: a run's outbox goes to D1 after
 * the run has finished (at once when it finishes, its deferred rows within 250 ms).
 */
export async function settledD1Counts(
  url: string,
  quietMs = 600,
  timeoutMs = 20_000,
): Promise<D1Counts & { settledAfterMs: number }> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let last = await readD1Counts(url);
  let since = Date.now();
  while (Date.now() < deadline && Date.now() - since < quietMs) {
    await sleep(100);
    const now = await readD1Counts(url);
    if (now.roundTrips !== last.roundTrips) [last, since] = [now, Date.now()];
  }
  return { ...last, settledAfterMs: since - started };
}

const perRun = (after: Record<string, number>, before: Record<string, number>, runs: number) =>
  Object.fromEntries(
    Object.entries(after)
      .map(([key, count]) => [key, (count - (before[key] ?? 0)) / runs] as const)
      .filter(([, value]) => value !== 0),
  );

/** Round trips per run between two readings, in all, by kind and by caller. */
export function tripsPerRun(before: D1Counts, after: D1Counts, runs: number) {
  const byKind = perRun(after.byKind, before.byKind, runs);
  const batches = (after.byKind.batch ?? 0) - (before.byKind.batch ?? 0);
  return {
    roundTrips: (after.roundTrips - before.roundTrips) / runs,
    batchesPerRun: byKind.batch ?? 0,
    singleStatementsPerRun: ["run", "all", "first", "raw"].reduce((sum, kind) => sum + (byKind[kind] ?? 0), 0),
    statementsPerBatch: batches > 0 ? (after.batchedStatements - before.batchedStatements) / batches : null,
    byKind,
    byCaller: perRun(after.byCaller, before.byCaller, runs),
  };
}
