// Cron schedule rows: what each workflow's cron triggers fire next, and the conditional
// update through which exactly one scheduler invocation moves a schedule past a time fired.
import { and, asc, eq, gt, isNull, lte, or, type SQL } from "drizzle-orm";
import type { Database } from "./client";
import { schedules, workflows } from "./schema";
import type { WorkflowRow } from "./workflows";

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

/** A due schedule and its workflow's row (the definition to pin comes from it, with no second read). */
export interface DueSchedule {
  schedule: ScheduleRow;
  workflow: WorkflowRow;
}

/** Where a page of due schedules ends: the next page starts after it. */
export type DueCursor = Pick<ScheduleRow, "nextFireAt" | "workflowId" | "triggerIndex">;

/**
 * Enabled schedules of enabled, unarchived workflows whose pending time is at or before
 * `now`, oldest first, a page at a time: a schedule left due (its start failed) does not
 * come back in a later page of the same tick.
 */
export async function listDueSchedules(
  db: Database,
  now: number,
  limit: number,
  after?: DueCursor,
): Promise<DueSchedule[]> {
  return dueSchedulesQuery(db, now, limit, after).all();
}

/** The due-schedules query itself, so a test can check that it reads the `schedules_due` index. */
export function dueSchedulesQuery(db: Database, now: number, limit: number, after?: DueCursor) {
  return db
    .select({ schedule: schedules, workflow: workflows })
    .from(schedules)
    .innerJoin(workflows, eq(workflows.id, schedules.workflowId))
    .where(
      and(
        eq(schedules.enabled, true),
        lte(schedules.nextFireAt, now),
        eq(workflows.enabled, true),
        isNull(workflows.archivedAt),
        after ? isAfter(after) : undefined,
      ),
    )
    .orderBy(asc(schedules.nextFireAt), asc(schedules.workflowId), asc(schedules.triggerIndex))
    .limit(limit);
}

function isAfter(cursor: DueCursor): SQL {
  const at = cursor.nextFireAt ?? 0;
  return or(
    gt(schedules.nextFireAt, at),
    and(eq(schedules.nextFireAt, at), gt(schedules.workflowId, cursor.workflowId)),
    and(
      eq(schedules.nextFireAt, at),
      eq(schedules.workflowId, cursor.workflowId),
      gt(schedules.triggerIndex, cursor.triggerIndex),
    ),
  )!;
}

export interface ScheduleAdvance {
  workflowId: string;
  triggerIndex: number;
  /** The pending time the scheduler read; the advance does nothing when someone moved it. */
  from: number;
  /** The pending time after this firing. */
  to: number | null;
  /** The scheduled time fired (its run started, or refused for good). */
  firedAt: number;
  now: number;
}

/**
 * Moves the pending time from `from` to `to`, as a statement for the tick's batch; it
 * returns the row for the one invocation that moved it.
 */
export function scheduleAdvance(db: Database, advance: ScheduleAdvance) {
  return db
    .update(schedules)
    .set({ nextFireAt: advance.to, lastFiredAt: advance.firedAt, updatedAt: advance.now })
    .where(and(rowOf(advance), eq(schedules.enabled, true), eq(schedules.nextFireAt, advance.from)))
    .returning({ triggerIndex: schedules.triggerIndex });
}

/** Moves the pending time on its own; true for the one invocation that did. */
export async function advanceSchedule(db: Database, advance: ScheduleAdvance): Promise<boolean> {
  return (await scheduleAdvance(db, advance).all()).length > 0;
}

function rowOf(advance: { workflowId: string; triggerIndex: number }): SQL {
  return and(eq(schedules.workflowId, advance.workflowId), eq(schedules.triggerIndex, advance.triggerIndex))!;
}
