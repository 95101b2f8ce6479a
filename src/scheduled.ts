// The every-minute Cron Trigger: start due schedules, then prune expired dedupe records
// (webhook deliveries, events, idempotency keys), prune runs past their retention once a
// day, and chain new audit entries. (Unfinished event fan-outs are the watchdog's.)
import { chainAuditLog } from "./db/audit";
import { database } from "./db/client";
import { pruneEvents } from "./db/events";
import { pruneIdempotencyKeys } from "./db/idempotency";
import { pruneDeliveries } from "./db/webhook-deliveries";
import { pruneExpiredRuns } from "./maintenance/retention";
import { runDueSchedules } from "./triggers/cron/scheduler";

export async function runScheduledWork(env: Env, now: number): Promise<void> {
  await runDueSchedules(env, now);
  const db = database(env.DB);
  await Promise.all([pruneDeliveries(db, now), pruneEvents(db, now), pruneIdempotencyKeys(db, now)]);
  await pruneExpiredRuns(env, now);
  await chainAuditLog(db);
}
