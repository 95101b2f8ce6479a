// The run's SQLite storage inside its Durable Object: one row for the run, one per
// step (attempts inside it) and one per timer, the items of its maps, and the outbox
// towards D1. Only the steps and timers whose object identity changed are written.
import { packItemRecord, unpackItemRecord } from "./item-records";
import type { Definition } from "../core/definition/schema";
import type { MapItemRecord, MapItemStore } from "../core/engine/item-store";
import type { RunState, StepState, Timer } from "../core/engine/run-state";
import type { SqlTables } from "./sql-tables";

/** Every run needs these: a new object creates them in one go, an existing one has them. */
const CORE_TABLES = ["meta", "steps", "timers", "outbox"] as const;
const CORE_SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS steps (id TEXT PRIMARY KEY, position INTEGER NOT NULL, state TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS timers (key TEXT PRIMARY KEY, at INTEGER NOT NULL, timer TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, payload TEXT NOT NULL);
`;
/** Only a run with a map step has items: created by the first map. */
const ITEMS = "map_items";
const ITEMS_SCHEMA = `
  CREATE TABLE IF NOT EXISTS map_items (
    map TEXT NOT NULL, idx INTEGER NOT NULL, value TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending', record TEXT,
    PRIMARY KEY (map, idx)
  ) WITHOUT ROWID;
`;

/** An item of a map as stored: its value, and how it ended once it did. */
export interface StoredItem {
  index: number;
  value: unknown;
  record?: MapItemRecord;
}

export interface OutboxRow {
  seq: number;
  /** `audit`: a record of the run's own; `entry`: a whole audit-log row handed over at creation (an API call's). */
  kind: "index" | "audit" | "entry" | "approval" | "waiter";
  payload: string;
}

/** What the outbox holds, as this instance knows without reading it. */
export interface PendingOutbox {
  /** When the oldest pending row was appended; 0 for rows an earlier instance left. */
  since: number;
  /** Whether a pending row is awaited by others (not only audit and step-level index rows). */
  urgent: boolean;
}

type RunRow = Omit<RunState, "steps" | "timers" | "input" | "output">;

/** How a value is written to its row: itself, or a reference to R2 (see blobs.ts). */
export interface StoredForms {
  step(step: StepState): StepState;
  input?: unknown;
  output?: unknown;
}

const AS_IS: StoredForms = { step: (step) => step };

export class RunStorage {
  /** The item store as the engine reads it: one row per item, read by primary key. */
  readonly items: MapItemStore;

  /** Set by every append, cleared when a read finds the outbox empty: never undefined while rows are pending. */
  private pending: PendingOutbox | undefined;

  constructor(
    private readonly sql: SqlStorage,
    private readonly tables: SqlTables,
  ) {
    const isNew = !CORE_TABLES.every((name) => tables.has(name));
    tables.create(CORE_TABLES, CORE_SCHEMA);
    // Rows an earlier instance left (evicted before its flush) are flushed at once.
    if (!isNew && this.hasOutbox()) this.pending = { since: 0, urgent: true };
    this.items = {
      value: (map, index) => this.itemColumn(map, index, "value"),
      record: (map, index) => {
        const packed = this.itemColumn<string>(map, index, "record", false);
        return packed === undefined ? undefined : unpackItemRecord(map, index, packed);
      },
      outputs: (map, total) => {
        const outputs = new Array<unknown>(total).fill(null);
        if (!this.tables.has(ITEMS)) return outputs;
        for (const row of this.sql.exec<{ idx: number; record: string }>(
          "SELECT idx, record FROM map_items WHERE map = ? AND status = 'succeeded'",
          map,
        )) {
          outputs[row.idx] = unpackItemRecord(map, row.idx, row.record).output ?? null;
        }
        return outputs;
      },
    };
  }

  loadDefinition(): Definition | undefined {
    return this.readMeta<Definition>("definition");
  }

  load(): RunState | undefined {
    const run = this.readMeta<RunRow>("run");
    if (!run) return undefined;
    const steps: Record<string, StepState> = {};
    for (const row of this.sql.exec<{ id: string; state: string }>("SELECT id, state FROM steps ORDER BY position")) {
      steps[row.id] = JSON.parse(row.state) as StepState;
    }
    const timers: Record<string, Timer> = {};
    for (const row of this.sql.exec<{ key: string; timer: string }>("SELECT key, timer FROM timers")) {
      timers[row.key] = JSON.parse(row.timer) as Timer;
    }
    return { ...run, input: this.readMeta("input"), output: this.readMeta("output"), steps, timers };
  }

  /** Writes a brand-new run: definition, input and every step. */
  create(definition: Definition, state: RunState, stored: StoredForms = AS_IS): void {
    this.writeMeta("definition", definition);
    this.writeMeta("input", stored.input ?? state.input ?? null);
    this.save(undefined, state, stored);
  }

  /** Persists what changed between two states (identity comparison). */
  save(before: RunState | undefined, after: RunState, stored: StoredForms = AS_IS): void {
    const { steps, timers, input: _input, output, ...run } = after;
    this.writeMeta("run", run);
    if (output !== before?.output) this.writeMeta("output", stored.output ?? output ?? null);
    for (const id of Object.keys(before?.steps ?? {})) {
      // Items of maps leave the steps when they end (their record is in map_items).
      if (!(id in steps)) this.sql.exec("DELETE FROM steps WHERE id = ?", id);
    }
    let position = 0;
    for (const [id, step] of Object.entries(steps)) {
      if (before?.steps[id] !== step) {
        this.sql.exec(
          "INSERT OR REPLACE INTO steps (id, position, state) VALUES (?, ?, ?)",
          id,
          position,
          JSON.stringify(stored.step(step)),
        );
      }
      position++;
    }
    for (const key of Object.keys(before?.timers ?? {})) {
      if (!(key in timers)) this.sql.exec("DELETE FROM timers WHERE key = ?", key);
    }
    for (const [key, timer] of Object.entries(timers)) {
      if (before?.timers[key] !== timer) {
        this.sql.exec(
          "INSERT OR REPLACE INTO timers (key, at, timer) VALUES (?, ?, ?)",
          key,
          timer.at,
          JSON.stringify(timer),
        );
      }
    }
  }

  /** Retention: forgets the run. Its tables are emptied rather than dropped, so the object stays usable. */
  erase(): void {
    for (const table of [...CORE_TABLES, ITEMS]) {
      if (this.tables.has(table)) this.sql.exec(`DELETE FROM ${table}`);
    }
    this.pending = undefined;
  }

  /** A map evaluated its items: one row each, pending until the item ends. */
  insertItems(map: string, items: readonly unknown[]): void {
    this.tables.create([ITEMS], ITEMS_SCHEMA);
    for (const [index, value] of items.entries()) {
      this.sql.exec(
        "INSERT OR REPLACE INTO map_items (map, idx, value) VALUES (?, ?, ?)",
        map,
        index,
        JSON.stringify(value ?? null),
      );
    }
  }

  finishItem(record: MapItemRecord): void {
    if (!this.tables.has(ITEMS)) return;
    this.sql.exec(
      "UPDATE map_items SET status = ?, record = ? WHERE map = ? AND idx = ?",
      record.status,
      packItemRecord(record),
      record.map,
      record.index,
    );
  }

  /** A page of a map's items in index order, after `afterIndex`, optionally only those with `status`. */
  listItems(map: string, afterIndex: number, limit: number, status?: string): StoredItem[] {
    if (!this.tables.has(ITEMS)) return [];
    const rows =
      status === undefined
        ? this.sql.exec<{ idx: number; value: string; record: string | null }>(
            "SELECT idx, value, record FROM map_items WHERE map = ? AND idx > ? ORDER BY idx LIMIT ?",
            map,
            afterIndex,
            limit,
          )
        : this.sql.exec<{ idx: number; value: string; record: string | null }>(
            "SELECT idx, value, record FROM map_items WHERE map = ? AND idx > ? AND status = ? ORDER BY idx LIMIT ?",
            map,
            afterIndex,
            status,
            limit,
          );
    return rows.toArray().map((row) => ({
      index: row.idx,
      value: JSON.parse(row.value),
      ...(row.record ? { record: unpackItemRecord(map, row.idx, row.record) } : {}),
    }));
  }

  /** A column of an item's row, parsed from JSON unless `parse` is false. */
  private itemColumn<T>(map: string, index: number, column: "value" | "record", parse = true): T | undefined {
    if (!this.tables.has(ITEMS)) return undefined;
    const row = this.sql
      .exec<{ value: string | null }>(`SELECT ${column} AS value FROM map_items WHERE map = ? AND idx = ?`, map, index)
      .toArray()[0];
    if (!row?.value) return undefined;
    return (parse ? JSON.parse(row.value) : row.value) as T;
  }

  /** Whether the run was created to start from its alarm (every run not started by a gate, see coordinator.ts). */
  startsSoon(): boolean {
    return this.readMeta<boolean>("start_soon") === true;
  }

  markStartSoon(): void {
    this.writeMeta("start_soon", true);
  }

  /**
   * Appends a record for D1. `urgent` when others wait on it (the approvals inbox, event
   * waiters, a run's new status); audit rows may wait for the next flush (outbox-flush.ts).
   */
  appendOutbox(kind: OutboxRow["kind"], payload: unknown, urgent = kind !== "audit"): void {
    this.sql.exec("INSERT INTO outbox (kind, payload) VALUES (?, ?)", kind, JSON.stringify(payload));
    this.pending ??= { since: Date.now(), urgent: false };
    if (urgent) this.pending.urgent = true;
  }

  /** The oldest pending rows, in order; an empty answer means nothing is pending. */
  readOutbox(limit: number): OutboxRow[] {
    const rows = this.sql
      .exec<{ seq: number; kind: string; payload: string }>(
        "SELECT seq, kind, payload FROM outbox ORDER BY seq LIMIT ?",
        limit,
      )
      .toArray()
      .map((row) => ({ seq: row.seq, kind: row.kind as OutboxRow["kind"], payload: row.payload }));
    if (rows.length === 0) this.pending = undefined;
    return rows;
  }

  /** What the outbox holds, known in memory (no query): for the per-step path. */
  pendingOutbox(): PendingOutbox | undefined {
    return this.pending;
  }

  /** Whether the outbox holds rows, read from storage. */
  hasOutbox(): boolean {
    return this.sql.exec("SELECT 1 FROM outbox LIMIT 1").toArray().length > 0;
  }

  acknowledgeOutbox(throughSeq: number): void {
    this.sql.exec("DELETE FROM outbox WHERE seq <= ?", throughSeq);
  }

  private readMeta<T>(key: string): T | undefined {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  private writeMeta(key: string, value: unknown): void {
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, JSON.stringify(value));
  }
}
