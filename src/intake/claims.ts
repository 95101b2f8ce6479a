// An intake shard's SQLite table: one row per claimed key (Idempotency-Key or webhook
// delivery id), kept 24 h. A webhook's row also holds its run's start until the run exists.

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS claims (
    key TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    state TEXT NOT NULL,
    request_hash TEXT,
    start TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS claims_run ON claims (run_id);
  CREATE INDEX IF NOT EXISTS claims_pending ON claims (created_at) WHERE state = 'pending';
  CREATE INDEX IF NOT EXISTS claims_expiry ON claims (expires_at);
`;

/** How long a key answers with its first run: the Idempotency-Key draft's and the providers' redelivery window. */
export const CLAIM_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * `pending`: the run's start is held here and the run is not created yet; `in_flight`: the
 * claiming request is at work; `done`: the run exists; `abandoned`: the claiming request failed
 * after claiming, its run may or may not exist.
 */
type ClaimState = "pending" | "in_flight" | "done" | "abandoned";

export interface ClaimRow {
  key: string;
  runId: string;
  state: ClaimState;
  requestHash: string | null;
  createdAt: number;
}

type Row = { key: string; run_id: string; state: ClaimState; request_hash: string | null; created_at: number };

export class ClaimStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  /** The claim on `key`, if one holds it at `now` (an expired one is dropped first; one still holding a start never is). */
  holder(key: string, now: number): ClaimRow | undefined {
    this.sql.exec("DELETE FROM claims WHERE key = ? AND expires_at < ? AND state != 'pending'", key, now);
    const row = this.sql
      .exec<Row>("SELECT key, run_id, state, request_hash, created_at FROM claims WHERE key = ?", key)
      .toArray()[0];
    return row && toClaim(row);
  }

  insert(claim: ClaimRow & { start?: string }): void {
    this.sql.exec(
      "INSERT INTO claims (key, run_id, state, request_hash, start, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      claim.key,
      claim.runId,
      claim.state,
      claim.requestHash,
      claim.start ?? null,
      claim.createdAt,
      claim.createdAt + CLAIM_TTL_MS,
    );
  }

  /** The held start of a run not created yet. */
  pendingStart(runId: string): { key: string; start: string } | undefined {
    return this.sql
      .exec<{ key: string; start: string }>(
        "SELECT key, start FROM claims WHERE run_id = ? AND state = 'pending' AND start IS NOT NULL",
        runId,
      )
      .toArray()[0];
  }

  /** Runs whose start is still held, oldest first. */
  pendingRuns(limit: number): string[] {
    return this.sql
      .exec<{ run_id: string }>("SELECT run_id FROM claims WHERE state = 'pending' ORDER BY created_at LIMIT ?", limit)
      .toArray()
      .map((row) => row.run_id);
  }

  /** The run exists: `runId` answers for the key from now on, and a held start is dropped. */
  settle(key: string, runId: string): void {
    this.sql.exec("UPDATE claims SET state = 'done', run_id = ?, start = NULL WHERE key = ?", runId, key);
  }

  abandon(key: string): void {
    this.sql.exec("UPDATE claims SET state = 'abandoned' WHERE key = ? AND state = 'in_flight'", key);
  }

  release(key: string): void {
    this.sql.exec("DELETE FROM claims WHERE key = ?", key);
  }

  /** Drops up to `limit` expired claims (an alarm's worth of work); a start not handed over yet is kept until it is. */
  prune(now: number, limit: number): void {
    this.sql.exec(
      "DELETE FROM claims WHERE key IN (SELECT key FROM claims WHERE expires_at < ? AND state != 'pending' LIMIT ?)",
      now,
      limit,
    );
  }

  /** When the next claim expires (the shard's alarm prunes then). */
  nextExpiry(): number | undefined {
    return (
      this.sql.exec<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM claims WHERE state != 'pending'").one()
        .at ?? undefined
    );
  }
}

function toClaim(row: Row): ClaimRow {
  return {
    key: row.key,
    runId: row.run_id,
    state: row.state,
    requestHash: row.request_hash,
    createdAt: row.created_at,
  };
}
