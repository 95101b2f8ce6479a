// A gated run's side of flow control, kept in the run's own storage: the gates it passed
// (remembered at creation) and the releases it owes them once it finishes. A release is
// retried through the run's alarm until the gate has heard it: a lost release would hold
// a concurrency slot, and so the workflow, forever. Only a gated run has the table: its
// creation writes it (src/run/sql-tables.ts).
import type { SqlTables } from "./sql-tables";
import { gateStub } from "../durable/gate-stub";

const TABLE = "gates";
const SCHEMA = `CREATE TABLE IF NOT EXISTS gates (name TEXT PRIMARY KEY, owed INTEGER NOT NULL DEFAULT 0)`;

export class GateLink {
  constructor(
    private readonly sql: SqlStorage,
    private readonly tables: SqlTables,
  ) {}

  remember(names: readonly string[]): void {
    if (names.length === 0) return;
    this.tables.create([TABLE], SCHEMA);
    for (const name of names) this.sql.exec("INSERT OR IGNORE INTO gates (name) VALUES (?)", name);
  }

  /** The run finished: every gate it passed is owed a release. */
  oweReleases(): void {
    if (!this.tables.has(TABLE)) return;
    this.sql.exec("UPDATE gates SET owed = 1");
  }

  /** The run passed gates when it was created (its workflow has flow control). */
  isGated(): boolean {
    return this.tables.has(TABLE) && this.sql.exec("SELECT 1 FROM gates LIMIT 1").toArray().length > 0;
  }

  hasOwed(): boolean {
    return this.tables.has(TABLE) && this.sql.exec("SELECT 1 FROM gates WHERE owed = 1 LIMIT 1").toArray().length > 0;
  }

  /** Retention: forgets the gates (the table stays, emptied). */
  erase(): void {
    if (this.tables.has(TABLE)) this.sql.exec("DELETE FROM gates");
  }

  /** Tells each owed gate that the run is done; the ones that answered are settled. Never throws. */
  async release(env: Env, runId: string): Promise<void> {
    if (!this.tables.has(TABLE)) return;
    const owed = this.sql.exec<{ name: string }>("SELECT name FROM gates WHERE owed = 1").toArray();
    await Promise.all(
      owed.map(async ({ name }) => {
        try {
          await gateStub(env, name).release(runId);
          this.sql.exec("UPDATE gates SET owed = 0 WHERE name = ?", name);
        } catch (error) {
          console.error(`releasing gate ${name} failed; the run's alarm retries it`, error);
        }
      }),
    );
  }
}
