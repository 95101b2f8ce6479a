// Cron schedule rows: what each workflow's cron triggers fire next, and the conditional
// updates through which exactly one scheduler invocation claims a scheduled time.
import { and, asc, eq, isNull, lte, type SQL } from "drizzle-orm";
import type { Database } from "./client";
import { schedules, workflows } from "./schema";

export type ScheduleRow = typeof schedules.$inferSelect;

export async function listWorkflowSchedules(db: Database, workflowId: string): Promise<ScheduleRow[]> {
  return db
    .select()
    .from(schedules)
    .where(eq(schedules.workflowId, workflowId))
    .orderBy(asc(schedules.triggerIndex))
    .all();
}

/** Writes a workflow's schedule rows and drops those at `removed` indexes, in one batch. */
export async function writeWorkflowSchedules(
  db: Database,
  workflowId: string,
  rows: Omit<ScheduleRow, "workflowId" | "updatedAt">[],
  removed: number[],
  now: number,
): Promise<void> {
  const statements = [
    ...rows.map((row) => {
      const values = { ...row, workflowId, updatedAt: now };
      const { workflowId: _workflowId, triggerIndex: _triggerIndex, ...changes } = values;
      return db
        .insert(schedules)
        .values(values)
        .onConflictDoUpdate({ target: [schedules.workflowId, schedules.triggerIndex], set: changes });
    }),
    ...removed.map((triggerIndex) =>
      db.delete(schedules).where(and(eq(schedules.workflowId, workflowId), eq(schedules.triggerIndex, triggerIndex))),
    ),
  ];
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

/** Enabled schedules of enabled, unarchived workflows whose pending time is at or before `now`, oldest first. */
export async function listDueSchedules(db: Database, now: number, limit: number): Promise<ScheduleRow[]> {
  const rows = await dueSchedulesQuery(db, now, limit).all();
  return rows.map((row) => row.schedule);
}

/** The due-schedules query itself, so a test can check that it reads the `schedules_due` index. */
export function dueSchedulesQuery(db: Database, now: number, limit: number) {
  return db
    .select({ schedule: schedules })
    .from(schedules)
    .innerJoin(workflows, eq(workflows.id, schedules.workflowId))
    .where(
      and(
        eq(schedules.enabled, true),
        lte(schedules.nextFireAt, now),
        eq(workflows.enabled, true),
        isNull(workflows.archivedAt),
      ),
    )
    .orderBy(asc(schedules.nextFireAt))
    .limit(limit);
}

export interface ScheduleClaim {
  workflowId: string;
  triggerIndex: number;
  /** The pending time the claimer read; the claim fails when someone moved it. */
  from: number;
  /** The pending time after this firing. */
  to: number | null;
  /** The scheduled time being fired. */
  firedAt: number;
  now: number;
}

/** Moves the pending time from `from` to `to`; true for the one invocation that did. */
export async function claimSchedule(db: Database, claim: ScheduleClaim): Promise<boolean> {
  const claimed = await db
    .update(schedules)
    .set({ nextFireAt: claim.to, lastFiredAt: claim.firedAt, updatedAt: claim.now })
    .where(and(rowOf(claim), eq(schedules.enabled, true), eq(schedules.nextFireAt, claim.from)))
    .returning({ triggerIndex: schedules.triggerIndex })
    .all();
  return claimed.length > 0;
}

/** Gives a claim back (its run could not be started), unless the row has moved on since. */
export async function releaseSchedule(db: Database, claim: ScheduleClaim, lastFiredAt: number | null): Promise<void> {
  const pending = claim.to === null ? isNull(schedules.nextFireAt) : eq(schedules.nextFireAt, claim.to);
  const stillOurs: SQL[] = [eq(schedules.enabled, true), eq(schedules.lastFiredAt, claim.firedAt), pending];
  await db
    .update(schedules)
    .set({ nextFireAt: claim.from, lastFiredAt, updatedAt: claim.now })
    .where(and(rowOf(claim), ...stillOurs));
}

function rowOf(claim: { workflowId: string; triggerIndex: number }): SQL {
  return and(eq(schedules.workflowId, claim.workflowId), eq(schedules.triggerIndex, claim.triggerIndex))!;
}
