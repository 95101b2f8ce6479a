// A gate's SQLite storage: its policy, the waiting runs in arrival order, the runs it let
// through and the start times inside the rate window. Only what changed is written.
import { z } from "zod";
import {
  emptyGate,
  gatePolicySchema,
  gateStageSchema,
  type AdmittedRun,
  type GateState,
  type WaitingRun,
} from "../core/flow-control";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS policy (id INTEGER PRIMARY KEY CHECK (id = 1), policy TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS waiting (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL UNIQUE, queued_at INTEGER NOT NULL, not_before INTEGER, next TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS admitted (run_id TEXT PRIMARY KEY, confirmed INTEGER NOT NULL, next TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS starts (at INTEGER NOT NULL);
`;

const stagesSchema = z.array(gateStageSchema);

type WaitingRow = { run_id: string; queued_at: number; not_before: number | null; next: string };
type AdmittedRow = { run_id: string; confirmed: number; next: string };

export class GateStorage {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  load(): GateState {
    const policyRow = this.sql.exec<{ policy: string }>("SELECT policy FROM policy").toArray()[0];
    const state = emptyGate(policyRow ? gatePolicySchema.parse(JSON.parse(policyRow.policy)) : {});
    state.waiting = this.sql
      .exec<WaitingRow>("SELECT run_id, queued_at, not_before, next FROM waiting ORDER BY seq")
      .toArray()
      .map(toWaiting);
    state.admitted = this.sql
      .exec<AdmittedRow>("SELECT run_id, confirmed, next FROM admitted")
      .toArray()
      .map(toAdmitted);
    state.starts = this.sql
      .exec<{ at: number }>("SELECT at FROM starts ORDER BY at")
      .toArray()
      .map((row) => row.at);
    return state;
  }

  /** Persists what changed between two states (identity comparison, as the pure gate keeps it). */
  save(before: GateState, after: GateState): void {
    if (after.policy !== before.policy)
      this.sql.exec("INSERT OR REPLACE INTO policy (id, policy) VALUES (1, ?)", JSON.stringify(after.policy));
    if (after.waiting !== before.waiting) this.saveWaiting(before.waiting, after.waiting);
    if (after.admitted !== before.admitted) this.saveAdmitted(before.admitted, after.admitted);
    if (after.starts !== before.starts) {
      this.sql.exec("DELETE FROM starts");
      for (const at of after.starts) this.sql.exec("INSERT INTO starts (at) VALUES (?)", at);
    }
  }

  private saveWaiting(before: WaitingRun[], after: WaitingRun[]): void {
    const old = new Map(before.map((run) => [run.runId, run]));
    const kept = new Set(after.map((run) => run.runId));
    for (const run of before)
      if (!kept.has(run.runId)) this.sql.exec("DELETE FROM waiting WHERE run_id = ?", run.runId);
    // New runs only ever join at the end, so insertion order (seq) stays the FIFO order.
    for (const run of after) {
      const previous = old.get(run.runId);
      if (previous === run) continue;
      if (previous)
        this.sql.exec("UPDATE waiting SET not_before = ? WHERE run_id = ?", run.notBefore ?? null, run.runId);
      else
        this.sql.exec(
          "INSERT INTO waiting (run_id, queued_at, not_before, next) VALUES (?, ?, ?, ?)",
          run.runId,
          run.queuedAt,
          run.notBefore ?? null,
          JSON.stringify(run.next),
        );
    }
  }

  private saveAdmitted(before: AdmittedRun[], after: AdmittedRun[]): void {
    const old = new Map(before.map((run) => [run.runId, run]));
    const kept = new Set(after.map((run) => run.runId));
    for (const run of before)
      if (!kept.has(run.runId)) this.sql.exec("DELETE FROM admitted WHERE run_id = ?", run.runId);
    for (const run of after) {
      if (old.get(run.runId) === run) continue;
      this.sql.exec(
        "INSERT OR REPLACE INTO admitted (run_id, confirmed, next) VALUES (?, ?, ?)",
        run.runId,
        run.confirmed ? 1 : 0,
        JSON.stringify(run.next),
      );
    }
  }
}

function toWaiting(row: WaitingRow): WaitingRun {
  const run: WaitingRun = {
    runId: row.run_id,
    queuedAt: row.queued_at,
    next: stagesSchema.parse(JSON.parse(row.next)),
  };
  if (row.not_before !== null) run.notBefore = row.not_before;
  return run;
}

function toAdmitted(row: AdmittedRow): AdmittedRun {
  return { runId: row.run_id, confirmed: row.confirmed === 1, next: stagesSchema.parse(JSON.parse(row.next)) };
}
