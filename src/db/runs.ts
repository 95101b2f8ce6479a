// The run index: one row per run, for listing and filtering. The run's Durable
// Object is the source of truth; this table follows it through the outbox.
import { and, desc, eq, getTableColumns, gt, gte, inArray, isNotNull, lt, sql, type SQL } from "drizzle-orm";
import { UNFINISHED_RUN_STATUSES } from "../core/engine/run-state";
import type { Database } from "./client";
import { approvals, runs, waiters, workflows } from "./schema";

export type RunIndexRow = typeof runs.$inferSelect;

export interface RunFilter {
  workflow?: string;
  status?: string;
  /** Epoch ms: runs created at or after. */
  since?: number;
  /** Run id to continue after (exclusive), newest first. */
  cursor?: string;
  limit: number;
}

export async function listRuns(db: Database, filter: RunFilter): Promise<RunIndexRow[]> {
  const conditions = filterConditions(filter);
  if (filter.cursor) conditions.push(lt(runs.id, filter.cursor));
  return db
    .select()
    .from(runs)
    .where(and(...conditions))
    .orderBy(desc(runs.id))
    .limit(filter.limit)
    .all();
}

/** How many runs the filter matches, over every page. */
export async function countRuns(db: Database, filter: Omit<RunFilter, "cursor" | "limit">): Promise<number> {
  return db.$count(runs, and(...filterConditions(filter)));
}

function filterConditions(filter: Omit<RunFilter, "cursor" | "limit">): SQL[] {
  const conditions: SQL[] = [];
  if (filter.workflow) conditions.push(eq(runs.workflowId, filter.workflow));
  if (filter.status) conditions.push(eq(runs.status, filter.status));
  if (filter.since !== undefined) conditions.push(gte(runs.createdAt, filter.since));
  return conditions;
}

/** Records a run the moment it is accepted, so lists show it before its first transition lands: a statement for a batch. */
export function runIndexInsert(db: Database, row: typeof runs.$inferInsert) {
  return db.insert(runs).values(row).onConflictDoNothing();
}

/**
 * Brings runs' rows up to date (at most 6, each a different run: D1 binds 100 parameters, a
 * row 15): the row
 * with the newer `updatedAt` wins, so a late batch never moves a run's row back.
 */
export function upsertRunIndexRows(db: Database, rows: RunIndexRow[]) {
  const changes = Object.fromEntries(
    Object.entries(getTableColumns(runs))
      .filter(([key]) => key !== "id")
      .map(([key, column]) => [key, sql.raw(`excluded."${column.name}"`)]),
  );
  return db
    .insert(runs)
    .values(rows)
    .onConflictDoUpdate({ target: runs.id, set: changes, setWhere: sql`excluded."updated_at" >= ${runs.updatedAt}` });
}

/**
 * A page of unfinished runs whose index row has not changed since `quietSince`, in id order
 * after `afterId`: those a lost alarm may have stranded.
 */
export async function listQuietUnfinishedRuns(
  db: Database,
  page: { afterId: string; quietSince: number; limit: number },
): Promise<string[]> {
  const rows = await db
    .select({ id: runs.id })
    .from(runs)
    .where(
      and(
        inArray(runs.status, UNFINISHED_RUN_STATUSES),
        gt(runs.id, page.afterId),
        lt(runs.updatedAt, page.quietSince),
      ),
    )
    .orderBy(runs.id)
    .limit(page.limit);
  return rows.map((row) => row.id);
}

export async function hasUnfinishedRuns(db: Database): Promise<boolean> {
  const row = await db
    .select({ id: runs.id })
    .from(runs)
    .where(inArray(runs.status, UNFINISHED_RUN_STATUSES))
    .limit(1)
    .get();
  return row !== undefined;
}

/** Finished runs older than their workflow's retention, oldest first. */
export async function findExpiredRuns(
  db: Database,
  now: number,
  limit: number,
): Promise<{ id: string; workflowId: string }[]> {
  return db
    .select({ id: runs.id, workflowId: runs.workflowId })
    .from(runs)
    .innerJoin(workflows, eq(workflows.id, runs.workflowId))
    .where(
      and(
        isNotNull(workflows.retentionMs),
        isNotNull(runs.finishedAt),
        sql`${runs.finishedAt} < ${now} - ${workflows.retentionMs}`,
      ),
    )
    .orderBy(runs.finishedAt)
    .limit(limit)
    .all();
}

/** Removes a pruned run's rows: its index row and what waited on it. */
export async function deleteRunRows(db: Database, runId: string): Promise<void> {
  await db.batch([
    db.delete(runs).where(eq(runs.id, runId)),
    db.delete(approvals).where(eq(approvals.runId, runId)),
    db.delete(waiters).where(eq(waiters.runId, runId)),
  ]);
}
