// The every-minute Cron Trigger: start due schedules, then prune expired event dedupe
// records, prune runs past their retention once a day, and chain new audit entries.
// (Unfinished event fan-outs are the watchdog's; idempotency keys and webhook delivery ids
// live in the intake shards, which prune their own.)
import { chainAuditLog } from "./db/audit";
import { database } from "./db/client";
import { pruneEvents } from "./db/events";
import { pruneExpiredRuns } from "./maintenance/retention";
import { runDueSchedules } from "./triggers/cron/scheduler";

export async function runScheduledWork(env: Env, now: number): Promise<void> {
  await runDueSchedules(env, now);
  const db = database(env.DB);
  await pruneEvents(db, now);
  await pruneExpiredRuns(env, now);
  await chainAuditLog(db);
}
