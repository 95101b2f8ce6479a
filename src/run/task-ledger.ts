// The run's record of the tasks it dispatched. A queue message is only a hint: the row is
// written with the state that expects the task, sent at once, and sent again (backing off)
// until a consumer claims it, so a lost message, a failed send or a broker that forgets
// everything on a crash costs seconds, not the run. A claimed row names its claimant: the
// message that claimed it (a redelivery of that message may claim it again) or the consumer
// it was handed over to with a report (task-handoff.ts); it stays until the run moves on
// from the attempt.
import type { TaskEffect, TaskKey } from "../core/engine/effects";
import type { SqlTables } from "./sql-tables";

const TABLE = "task_ledger";
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS task_ledger (
    step_id TEXT NOT NULL, attempt INTEGER NOT NULL, step_type TEXT NOT NULL,
    message TEXT NOT NULL, bytes INTEGER NOT NULL, recorded_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL, sends INTEGER NOT NULL DEFAULT 0, failed_sends INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    PRIMARY KEY (step_id, attempt, step_type)
  ) WITHOUT ROWID;
`;

/** Unclaimed after a send: sent again after 5 s, then 10 s, then every 15 s. */
const RESEND_AFTER_MS = 5_000;
const RESEND_MAX_MS = 15_000;
/** After a send that failed (the queue refused or was unreachable): 1 s, doubling up to 15 s. */
const SEND_RETRY_MS = 1_000;

export interface LedgerEntry extends TaskKey {
  message: TaskEffect;
  bytes: number;
  recordedAt: number;
}

export type ClaimState = { claimedBy: string | null; message: TaskEffect } | undefined;

export class TaskLedger {
  constructor(
    private readonly sql: SqlStorage,
    private readonly tables: SqlTables,
  ) {}

  /** Records a task to send now; `message` is its queue form (a large request already in R2). */
  record(message: TaskEffect, now: number): void {
    this.tables.create([TABLE], SCHEMA);
    const json = JSON.stringify(message);
    this.sql.exec(
      `INSERT OR REPLACE INTO task_ledger (step_id, attempt, step_type, message, bytes, recorded_at, due_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      message.stepId,
      message.attempt,
      message.stepType,
      json,
      new TextEncoder().encode(json).byteLength,
      now,
      now,
    );
  }

  /** Unclaimed tasks whose (re)send is due, oldest first. */
  due(now: number): LedgerEntry[] {
    if (!this.tables.has(TABLE)) return [];
    return this.sql
      .exec<{ message: string; bytes: number; recorded_at: number }>(
        "SELECT message, bytes, recorded_at FROM task_ledger WHERE claimed_by IS NULL AND due_at <= ? ORDER BY due_at",
        now,
      )
      .toArray()
      .map((row) => {
        const message = JSON.parse(row.message) as TaskEffect;
        const { stepId, attempt, stepType } = message;
        return { stepId, attempt, stepType, message, bytes: row.bytes, recordedAt: row.recorded_at };
      });
  }

  /** The task's queue form and who claimed it, while the run keeps it. */
  find(key: TaskKey): ClaimState {
    if (!this.tables.has(TABLE)) return undefined;
    const row = this.sql
      .exec<{ message: string; claimed_by: string | null }>(
        "SELECT message, claimed_by FROM task_ledger WHERE step_id = ? AND attempt = ? AND step_type = ?",
        key.stepId,
        key.attempt,
        key.stepType,
      )
      .toArray()[0];
    return row ? { claimedBy: row.claimed_by, message: JSON.parse(row.message) as TaskEffect } : undefined;
  }

  /** A consumer took the task with this message: it is not sent again. */
  claim(key: TaskKey, messageId: string): void {
    this.sql.exec(
      "UPDATE task_ledger SET claimed_by = ? WHERE step_id = ? AND attempt = ? AND step_type = ?",
      messageId,
      key.stepId,
      key.attempt,
      key.stepType,
    );
  }

  /** The task claimed for `claimant`, if the run still keeps it. */
  claimedBy(claimant: string): TaskEffect | undefined {
    if (!this.tables.has(TABLE)) return undefined;
    const row = this.sql
      .exec<{ message: string }>("SELECT message FROM task_ledger WHERE claimed_by = ? LIMIT 1", claimant)
      .toArray()[0];
    return row ? (JSON.parse(row.message) as TaskEffect) : undefined;
  }

  /** Sent: due again (backing off) unless a consumer claims it first. */
  markSent(keys: readonly TaskKey[], now: number): void {
    this.backOff(keys, now, "sends", RESEND_AFTER_MS);
  }

  /** The send failed: tried again shortly, backing off while it keeps failing. */
  markUnsent(keys: readonly TaskKey[], now: number): void {
    this.backOff(keys, now, "failed_sends", SEND_RETRY_MS);
  }

  /** Counts one more of `counter` and sets the next send `base` × 2^count from now (at most RESEND_MAX_MS). */
  private backOff(keys: readonly TaskKey[], now: number, counter: "sends" | "failed_sends", base: number): void {
    // A send that went out starts the failed sends' count over.
    const reset = counter === "sends" ? ", failed_sends = 0" : "";
    for (const key of keys) {
      this.sql.exec(
        `UPDATE task_ledger SET ${counter} = ${counter} + 1${reset}, due_at = ? + MIN(?, ? * (1 << MIN(${counter}, 4)))
         WHERE step_id = ? AND attempt = ? AND step_type = ?`,
        now,
        RESEND_MAX_MS,
        base,
        key.stepId,
        key.attempt,
        key.stepType,
      );
    }
  }

  /** No longer wanted by the run. */
  remove(key: TaskKey): void {
    if (!this.tables.has(TABLE)) return;
    this.sql.exec(
      "DELETE FROM task_ledger WHERE step_id = ? AND attempt = ? AND step_type = ?",
      key.stepId,
      key.attempt,
      key.stepType,
    );
  }

  /** The tasks of one step (all its attempts and types), claimed or not. */
  ofStep(stepId: string): TaskKey[] {
    if (!this.tables.has(TABLE)) return [];
    return this.sql
      .exec<{ attempt: number; step_type: string }>(
        "SELECT attempt, step_type FROM task_ledger WHERE step_id = ?",
        stepId,
      )
      .toArray()
      .map((row) => ({ stepId, attempt: row.attempt, stepType: row.step_type }));
  }

  /** When the next (re)send is due, if any task is unclaimed. */
  nextDueAt(): number | undefined {
    if (!this.tables.has(TABLE)) return undefined;
    const row = this.sql
      .exec<{ at: number | null }>("SELECT MIN(due_at) AS at FROM task_ledger WHERE claimed_by IS NULL")
      .toArray()[0];
    return row?.at ?? undefined;
  }

  erase(): void {
    if (this.tables.has(TABLE)) this.sql.exec("DELETE FROM task_ledger");
  }
}

/** Queues take at most 100 messages and 256 KB per batch (each message under 128 KB, large requests in R2). */
const BATCH_MESSAGES = 100;
const BATCH_BYTES = 250_000;

/** Splits entries into batches a queue accepts, in order. */
export function queueBatches<T extends { bytes: number }>(entries: readonly T[]): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (batch.length > 0 && (batch.length === BATCH_MESSAGES || bytes + entry.bytes > BATCH_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(entry);
    bytes += entry.bytes;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
