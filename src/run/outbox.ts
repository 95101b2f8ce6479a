// Index and audit records leave the run through an outbox in its own storage, written in
// the same breath as the state and flushed in the background (index rows and audit entries
// through the run's index writer, src/writer): the per-step path never waits on D1, and a
// crash loses nothing (the alarm retries).
import type { RunState } from "../core/engine/run-state";
import type { BatchItem } from "drizzle-orm/batch";
import { database } from "../db/client";
import { closeApproval, openApproval } from "../db/approvals";
import type { RunIndexRow } from "../db/runs";
import { indexWriterOfRun, type IndexRows } from "../durable/index-writer-stub";
import { addWaiter, removeWaiter } from "../db/waiters";
import type { auditLog } from "../db/schema";
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

/**
 * Sends pending outbox rows on and acknowledges them: the index row and audit entries to the
 * run's index writer (which batches them into D1 with other runs'), the approvals inbox and
 * event waiters straight to D1 (others look them up). Returns true when the outbox is empty.
 */
export async function flushOutbox(storage: RunStorage, env: Env, runId: string): Promise<boolean> {
  const db = database(env.DB);
  for (;;) {
    const rows = storage.readOutbox(FLUSH_BATCH);
    if (rows.length === 0) return true;
    const direct = directStatements(db, rows);
    if (direct.length > 0) await db.batch(direct as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
    const indexRows = writerRows(rows);
    if (indexRows.index || indexRows.audits.length > 0) await indexWriterOfRun(env, runId).append(indexRows);
    storage.acknowledgeOutbox(rows[rows.length - 1]!.seq);
  }
}

/** The run's newest index row (a snapshot, not a log) and its audit rows, in order. */
function writerRows(rows: OutboxRow[]): IndexRows {
  const latestIndex = rows.findLast((row) => row.kind === "index");
  const audits = rows.flatMap((row) => {
    if (row.kind === "audit") return [auditValues(JSON.parse(row.payload) as AuditRecord, row.seq)];
    if (row.kind === "entry") return [JSON.parse(row.payload) as AuditRow];
    return [];
  });
  return {
    ...(latestIndex ? { index: JSON.parse(latestIndex.payload) as RunIndexRow } : {}),
    audits: audits as IndexRows["audits"],
  };
}

function directStatements(db: ReturnType<typeof database>, rows: OutboxRow[]): BatchItem<"sqlite">[] {
  const statements: BatchItem<"sqlite">[] = [];
  for (const row of rows) {
    if (row.kind === "approval") statements.push(approvalStatement(db, JSON.parse(row.payload) as ApprovalRecord));
    if (row.kind === "waiter") statements.push(waiterStatement(db, JSON.parse(row.payload) as WaiterRecord));
  }
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
