// What a run owes other parties, kept in its own storage next to its state and retried
// through its alarm until done (the pattern of the gate release, src/run/gate-link.ts):
// the event lookback of a wait, starting and cancelling child runs, telling the parent
// run that this child finished, asking its gates to start it again after a redrive. A duty is written in the same transaction as the state
// that creates it, so a crash between the two loses nothing. Most runs owe nothing: the
// table is created by the first duty (sql-tables.ts).
import type { SqlTables } from "./sql-tables";

const TABLE = "duties";
const SCHEMA = `CREATE TABLE IF NOT EXISTS duties (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, payload TEXT NOT NULL)`;

const DUTY_KINDS = ["lookback", "start_child", "cancel_child", "notify_parent", "readmit"] as const;
export type DutyKind = (typeof DUTY_KINDS)[number];

export interface Duty {
  key: string;
  kind: DutyKind;
  payload: unknown;
}

/** The payloads of the duties (written by effects.ts, performed by duty-work.ts). */
export interface StartChildDuty {
  stepId: string;
  childRunId: string;
  workflow: string;
  version?: number;
  input: unknown;
  depth: number;
}

export interface LookbackDuty {
  stepId: string;
  attempt: number;
  event: string;
  since: number;
}

export interface NotifyParentDuty {
  parentRunId: string;
  parentStepId: string;
}

export class Duties {
  constructor(
    private readonly sql: SqlStorage,
    private readonly tables: SqlTables,
  ) {}

  /** Records a duty; owing the same key again replaces its payload. */
  owe(key: string, kind: DutyKind, payload: unknown): void {
    this.tables.create([TABLE], SCHEMA);
    this.sql.exec(
      "INSERT INTO duties (key, kind, payload) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET kind = excluded.kind, payload = excluded.payload",
      key,
      kind,
      JSON.stringify(payload),
    );
  }

  /** Oldest first, so a child is started before it is cancelled. */
  list(): Duty[] {
    if (!this.tables.has(TABLE)) return [];
    return this.sql
      .exec<{ key: string; kind: string; payload: string }>("SELECT key, kind, payload FROM duties ORDER BY seq")
      .toArray()
      .map((row) => ({ key: row.key, kind: row.kind as DutyKind, payload: JSON.parse(row.payload) as unknown }));
  }

  settle(key: string): void {
    if (!this.tables.has(TABLE)) return;
    this.sql.exec("DELETE FROM duties WHERE key = ?", key);
  }

  hasAny(): boolean {
    return this.tables.has(TABLE) && this.sql.exec("SELECT 1 FROM duties LIMIT 1").toArray().length > 0;
  }

  /** Retention: forgets every duty (the table stays, emptied). */
  erase(): void {
    if (this.tables.has(TABLE)) this.sql.exec("DELETE FROM duties");
  }
}
