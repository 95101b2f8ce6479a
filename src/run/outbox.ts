// Index and audit records leave the run through an outbox in its own storage,
// written in the same breath as the state and flushed to D1 in the background:
// the per-step path never waits on D1, and a crash loses nothing (the alarm retries).
import type { RunState } from "../core/engine/run-state";
import { database } from "../db/client";
import { closeApproval, openApproval } from "../db/approvals";
import { upsertRunIndex, type RunIndexRow } from "../db/runs";
import { addWaiter, removeWaiter } from "../db/waiters";
import { auditLog } from "../db/schema";
import type { OutboxRow, RunStorage } from "./storage";

export interface AuditRecord {
  at: number;
  action: string;
  target: string;
  runId: string;
  detail?: Record<string, unknown>;
}

/** The approvals inbox row of an approval step (db/approvals.ts). */
export type ApprovalRecord =
  | {
      op: "open";
      runId: string;
      stepId: string;
      attempt: number;
      workflowId: string;
      approvers: string[];
      requestedAt: number;
      expiresAt: number | null;
    }
  | { op: "close"; runId: string; stepId: string; attempt: number; outcome: string; at: number };

/** The event-index row of a wait step (db/waiters.ts). */
export type WaiterRecord =
  | { op: "add"; runId: string; stepId: string; attempt: number; eventName: string; since: number; at: number }
  | { op: "remove"; runId: string; stepId: string; attempt: number };

type AuditRow = typeof auditLog.$inferInsert;

const FLUSH_BATCH = 100;

export function runIndexRow(state: RunState, now: number): RunIndexRow {
  return {
    id: state.id,
    workflowId: state.workflow,
    version: state.version,
    status: state.status,
    triggerType: state.trigger.type,
    errorCode: state.error?.code ?? null,
    rerunOf: state.rerunOf ?? null,
    createdAt: state.createdAt,
    startedAt: state.startedAt ?? null,
    finishedAt: state.finishedAt ?? null,
    updatedAt: now,
    retries: countRetries(state),
    inputTokens: state.usage?.inputTokens ?? 0,
    outputTokens: state.usage?.outputTokens ?? 0,
    costUsd: state.usage?.costUsd ?? null,
  };
}

/**
 * Attempts beyond the first of each step in each round: what retry policies spent. A redrive
 * opens a new round, so it is not a retry. One pass over the steps; map items are left out:
 * finished ones leave the state for the item store, so only some would be seen.
 */
function countRetries(state: RunState): number {
  let retries = 0;
  for (const step of Object.values(state.steps)) {
    if ("item" in step && step.item !== undefined) continue;
    const rounds = new Set(step.attempts.map((attempt) => attempt.runAttempt ?? 1));
    retries += step.attempts.length - rounds.size;
  }
  return retries;
}

/** Sends pending outbox rows to D1 and acknowledges them. Returns true when the outbox is empty. */
export async function flushOutbox(storage: RunStorage, d1: D1Database): Promise<boolean> {
  const db = database(d1);
  for (;;) {
    const rows = storage.readOutbox(FLUSH_BATCH);
    if (rows.length === 0) return true;
    const statements = toStatements(db, rows);
    if (statements.length > 0) await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
    storage.acknowledgeOutbox(rows[rows.length - 1]!.seq);
  }
}

/** D1 binds at most 100 parameters per statement; an audit row binds at most 13 (an API call's). */
const AUDIT_ROWS_PER_INSERT = 7;

function toStatements(db: ReturnType<typeof database>, rows: OutboxRow[]) {
  // Only the newest index row matters: the run's row is a snapshot, not a log.
  const latestIndex = rows.findLast((row) => row.kind === "index");
  const statements = [];
  // Consecutive audit rows go in one multi-row insert (their order, so the chain's, kept).
  let audits: AuditRow[] = [];
  const insertAudits = () => {
    for (let start = 0; start < audits.length; start += AUDIT_ROWS_PER_INSERT) {
      statements.push(
        db
          .insert(auditLog)
          .values(audits.slice(start, start + AUDIT_ROWS_PER_INSERT))
          .onConflictDoNothing(),
      );
    }
    audits = [];
  };
  for (const row of rows) {
    if (row.kind === "audit" || row.kind === "entry") {
      const payload = JSON.parse(row.payload);
      audits.push(row.kind === "audit" ? auditValues(payload as AuditRecord, row.seq) : (payload as AuditRow));
      continue;
    }
    insertAudits();
    if (row.kind === "approval") statements.push(approvalStatement(db, JSON.parse(row.payload) as ApprovalRecord));
    if (row.kind === "waiter") statements.push(waiterStatement(db, JSON.parse(row.payload) as WaiterRecord));
  }
  insertAudits();
  if (latestIndex) statements.push(upsertRunIndex(db, JSON.parse(latestIndex.payload) as RunIndexRow));
  return statements;
}

function auditValues(record: AuditRecord, seq: number): AuditRow {
  return {
    eventId: `${record.runId}:${seq}`,
    at: record.at,
    actorType: "run",
    actorId: record.runId,
    actorName: null,
    action: record.action,
    target: record.target,
    runId: record.runId,
    requestId: null,
    result: "ok",
    detail: record.detail ? JSON.stringify(record.detail) : null,
  };
}

function approvalStatement(db: ReturnType<typeof database>, record: ApprovalRecord) {
  if (record.op === "close") return closeApproval(db, record, record.outcome, record.at);
  const { op: _op, approvers, ...row } = record;
  return openApproval(db, { ...row, approvers: JSON.stringify(approvers) });
}

function waiterStatement(db: ReturnType<typeof database>, record: WaiterRecord) {
  if (record.op === "remove") return removeWaiter(db, record);
  const { op: _op, at, ...row } = record;
  return addWaiter(db, { ...row, createdAt: at });
}
