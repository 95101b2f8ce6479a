// An index writer's SQLite tables: the rows runs handed it that D1 does not have yet. A
// run's index row is a snapshot (only the newest is kept); audit rows are a log (each once,
// in arrival order, which is the order the chain sees them in).
import type { IndexRows } from "../durable/index-writer-stub";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS index_rows (run_id TEXT PRIMARY KEY, updated_at INTEGER NOT NULL, version INTEGER NOT NULL, payload TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS audit_rows (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, payload TEXT NOT NULL);
`;

export interface PendingBatch {
  /** `version` tells this row from a newer one of the same run kept while the batch was committing. */
  index: { runId: string; version: number; row: IndexRows["index"] & object }[];
  audits: { seq: number; row: IndexRows["audits"][number] }[];
}

export class PendingRows {
  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec(SCHEMA);
  }

  keep(rows: IndexRows): void {
    const { sql } = this.storage;
    this.storage.transactionSync(() => {
      if (rows.index)
        sql.exec(
          `INSERT INTO index_rows (run_id, updated_at, version, payload) VALUES (?, ?, 0, ?)
           ON CONFLICT (run_id) DO UPDATE SET updated_at = excluded.updated_at, payload = excluded.payload,
             version = index_rows.version + 1
           WHERE excluded.updated_at >= index_rows.updated_at`,
          rows.index.id,
          rows.index.updatedAt,
          JSON.stringify(rows.index),
        );
      for (const audit of rows.audits)
        sql.exec(
          "INSERT INTO audit_rows (event_id, payload) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING",
          audit.eventId,
          JSON.stringify(audit),
        );
    });
  }

  /** The oldest pending rows (index rows in the order their runs first came), up to the limits; empty when D1 has everything. */
  next(indexLimit: number, auditLimit: number): PendingBatch {
    const { sql } = this.storage;
    return {
      index: sql
        .exec<{ run_id: string; version: number; payload: string }>(
          "SELECT run_id, version, payload FROM index_rows ORDER BY rowid LIMIT ?",
          indexLimit,
        )
        .toArray()
        .map((row) => ({ runId: row.run_id, version: row.version, row: JSON.parse(row.payload) })),
      audits: sql
        .exec<{ seq: number; payload: string }>("SELECT seq, payload FROM audit_rows ORDER BY seq LIMIT ?", auditLimit)
        .toArray()
        .map((row) => ({ seq: row.seq, row: JSON.parse(row.payload) })),
    };
  }

  /** D1 has `batch`: drop it (an index row replaced meanwhile by a newer one stays). */
  committed(batch: PendingBatch): void {
    const { sql } = this.storage;
    this.storage.transactionSync(() => {
      for (const { runId, version } of batch.index)
        sql.exec("DELETE FROM index_rows WHERE run_id = ? AND version = ?", runId, version);
      const lastAudit = batch.audits.at(-1);
      if (lastAudit) sql.exec("DELETE FROM audit_rows WHERE seq <= ?", lastAudit.seq);
    });
  }

  /** How many rows are kept: index rows and audit rows. */
  count(): { index: number; audits: number } {
    const { sql } = this.storage;
    return {
      index: sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM index_rows").one().n,
      audits: sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM audit_rows").one().n,
    };
  }

  isEmpty(): boolean {
    const { sql } = this.storage;
    return (
      sql.exec("SELECT 1 FROM index_rows LIMIT 1").toArray().length === 0 &&
      sql.exec("SELECT 1 FROM audit_rows LIMIT 1").toArray().length === 0
    );
  }
}
