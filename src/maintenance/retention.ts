// Data retention (per-workflow `retention`): once a day, finished runs older than their
// workflow's retention are forgotten by their Durable Object, in R2 and in D1. The audit
// log keeps its entries (it is append-only) and records each prune.
import { drainIndexWriters } from "../durable/index-writer-stub";
import { insertAuditEntries } from "../db/audit";
import { database } from "../db/client";
import { claimMaintenance, releaseMaintenance } from "../db/maintenance";
import { deleteRunRows, findExpiredRuns } from "../db/runs";
import { runStub } from "../durable/run-stub";

const PRUNE_INTERVAL_MS = 24 * 60 * 60 * 1000;
const RUNS_PER_PASS = 200;

export interface PruneOutcome {
  pruned: string[];
  /** Runs not pruned this time (unfinished records), with why. */
  skipped: { runId: string; reason: string }[];
}

/** Prunes expired runs if a day has passed since the last complete prune; null when not due. */
export async function pruneExpiredRuns(env: Env, now: number): Promise<PruneOutcome | null> {
  const db = database(env.DB);
  if (!(await claimMaintenance(db, "prune", now, PRUNE_INTERVAL_MS))) return null;
  // Rows still kept by a writer would come back after their run's were deleted: the next tick tries again.
  if (!(await drainIndexWriters(env))) {
    await releaseMaintenance(db, "prune");
    return null;
  }
  const expired = await findExpiredRuns(db, now, RUNS_PER_PASS);
  const outcome: PruneOutcome = { pruned: [], skipped: [] };
  for (const run of expired) {
    const result = await runStub(env, run.id).purge();
    if (!result.purged) {
      outcome.skipped.push({ runId: run.id, reason: result.reason ?? "refused" });
      continue;
    }
    await deleteBlobs(env.BLOBS, `runs/${run.id}/`);
    await deleteRunRows(db, run.id);
    outcome.pruned.push(run.id);
  }
  if (outcome.pruned.length > 0) await recordPrune(db, now, outcome);
  // A full pass leaves more behind: the next tick carries on instead of waiting a day.
  if (expired.length === RUNS_PER_PASS && outcome.pruned.length > 0) await releaseMaintenance(db, "prune");
  return outcome;
}

async function deleteBlobs(bucket: R2Bucket, prefix: string): Promise<void> {
  for (let cursor: string | undefined; ; ) {
    const listed = await bucket.list({ prefix, cursor });
    if (listed.objects.length > 0) await bucket.delete(listed.objects.map((object) => object.key));
    if (!listed.truncated) return;
    cursor = listed.cursor;
  }
}

async function recordPrune(db: ReturnType<typeof database>, now: number, outcome: PruneOutcome): Promise<void> {
  await insertAuditEntries(db, [
    {
      eventId: `prune:${now}`,
      at: now,
      actorType: "system",
      actorId: "retention",
      actorName: "retention",
      action: "runs.pruned",
      target: "runs",
      runId: null,
      requestId: null,
      result: "ok",
      detail: JSON.stringify({
        count: outcome.pruned.length,
        runs: outcome.pruned.slice(0, 100),
        skipped: outcome.skipped.length,
      }),
    },
  ]);
}
