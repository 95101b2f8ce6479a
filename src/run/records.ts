// The run as its Durable Object holds it: the state and pinned definition in memory, and
// the object's SQLite tables behind them (the run's rows and outbox, the task ledger, the
// gates it passed, the duties it owes). Every write of the shell is one synchronous
// transaction, so the state and what it owes others commit together or not at all.
import type { Definition } from "../core/definition/schema";
import type { RunState } from "../core/engine/run-state";
import { Duties } from "./duties";
import { GateLink } from "./gate-link";
import { SqlTables } from "./sql-tables";
import { RunStorage } from "./storage";
import { TaskLedger } from "./task-ledger";

export class RunRecords {
  readonly tables: SqlTables;
  readonly storage: RunStorage;
  readonly gates: GateLink;
  readonly duties: Duties;
  /** Tasks dispatched and not yet claimed by a consumer: sent again until one is. */
  readonly tasks: TaskLedger;
  definition: Definition | undefined;
  state: RunState | undefined;
  /** Created to start from its alarm, until the start moves it on (see RunCoordinator.createStartingSoon). */
  startSoon: boolean;

  constructor(private readonly durable: DurableObjectStorage) {
    this.tables = new SqlTables(durable.sql);
    this.storage = new RunStorage(durable.sql, this.tables);
    this.gates = new GateLink(durable.sql, this.tables);
    this.duties = new Duties(durable.sql, this.tables);
    this.tasks = new TaskLedger(durable.sql, this.tables);
    this.definition = this.storage.loadDefinition();
    this.state = this.storage.load();
    this.startSoon = this.storage.startsSoon();
  }

  /** Created to start from its alarm and not started yet. */
  isStartingSoon(): boolean {
    return this.startSoon && this.state?.status === "queued";
  }

  /** One synchronous write; a table it created is forgotten again if it rolls back. */
  transaction(write: () => void): void {
    try {
      this.durable.transactionSync(write);
    } catch (error) {
      this.tables.relearn();
      throw error;
    }
  }

  /** Whether records still have to leave the run (outbox rows, duties, gate releases). */
  owesRecords(): boolean {
    return this.storage.hasOutbox() || this.duties.hasAny() || this.gates.hasOwed();
  }

  /** Retention: forgets the run; the object answers as if it never existed. */
  erase(): void {
    this.transaction(() => {
      this.storage.erase();
      this.tasks.erase();
      this.duties.erase();
      this.gates.erase();
    });
    this.state = undefined;
    this.definition = undefined;
    this.startSoon = false;
  }
}
