// The run index: one row per run, for listing and filtering. The run's Durable
// Object is the source of truth; this table follows it through the outbox.
import { and, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import type { Database } from "./client";
import { runs } from "./schema";

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
  const conditions: SQL[] = [];
  if (filter.workflow) conditions.push(eq(runs.workflowId, filter.workflow));
  if (filter.status) conditions.push(eq(runs.status, filter.status));
  if (filter.since !== undefined) conditions.push(gte(runs.createdAt, filter.since));
  if (filter.cursor) conditions.push(lt(runs.id, filter.cursor));
  return db
    .select()
    .from(runs)
    .where(and(...conditions))
    .orderBy(desc(runs.id))
    .limit(filter.limit)
    .all();
}

/** Records a run the moment it is accepted, so lists show it before its first transition lands. */
export async function insertRunIndex(db: Database, row: RunIndexRow): Promise<void> {
  await db.insert(runs).values(row).onConflictDoNothing();
}

/** The statement the run's outbox uses to bring its row up to date. */
export function upsertRunIndex(db: Database, row: RunIndexRow) {
  const { id: _id, ...changes } = row;
  return db.insert(runs).values(row).onConflictDoUpdate({ target: runs.id, set: changes });
}
