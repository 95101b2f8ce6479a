// Housekeeping claims: a task runs at most once per interval, whichever Worker ticks first.
import { sql } from "drizzle-orm";
import type { Database } from "./client";
import { maintenance } from "./schema";

/** Claims `task` when it last completed at least `intervalMs` ago; false when not due or taken. */
export async function claimMaintenance(db: Database, task: string, now: number, intervalMs: number): Promise<boolean> {
  const claimed = await db
    .insert(maintenance)
    .values({ task, lastRunAt: now })
    .onConflictDoUpdate({
      target: maintenance.task,
      set: { lastRunAt: now },
      setWhere: sql`${maintenance.lastRunAt} <= ${now - intervalMs}`,
    })
    .returning()
    .get();
  return claimed !== undefined;
}

/** Hands a claim back so the next tick continues unfinished work. */
export async function releaseMaintenance(db: Database, task: string): Promise<void> {
  await db.update(maintenance).set({ lastRunAt: 0 }).where(sql`${maintenance.task} = ${task}`);
}
