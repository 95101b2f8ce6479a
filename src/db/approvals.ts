// The approvals inbox: rows follow each approval step through its run's outbox.
import { and, desc, eq } from "drizzle-orm";
import type { Database } from "./client";
import { approvals } from "./schema";

export type ApprovalRow = typeof approvals.$inferSelect;
export const APPROVAL_STATUSES = ["pending", "resolved"] as const;

/** A step started waiting for a decision (a new attempt replaces the previous row). */
export function openApproval(db: Database, row: Omit<ApprovalRow, "status" | "outcome" | "resolvedAt">) {
  const pending = { ...row, status: "pending", outcome: null, resolvedAt: null };
  const { runId: _runId, stepId: _stepId, ...changes } = pending;
  return db
    .insert(approvals)
    .values(pending)
    .onConflictDoUpdate({ target: [approvals.runId, approvals.stepId], set: changes });
}

/** The step stopped waiting; a close for an older attempt changes nothing. */
export function closeApproval(
  db: Database,
  key: { runId: string; stepId: string; attempt: number },
  outcome: string,
  at: number,
) {
  return db
    .update(approvals)
    .set({ status: "resolved", outcome, resolvedAt: at })
    .where(and(eq(approvals.runId, key.runId), eq(approvals.stepId, key.stepId), eq(approvals.attempt, key.attempt)));
}

export async function listApprovals(
  db: Database,
  status: (typeof APPROVAL_STATUSES)[number],
  limit: number,
): Promise<ApprovalRow[]> {
  return db
    .select()
    .from(approvals)
    .where(eq(approvals.status, status))
    .orderBy(desc(approvals.requestedAt), desc(approvals.runId))
    .limit(limit)
    .all();
}
