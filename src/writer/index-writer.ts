// IndexWriter: one of INDEX_WRITERS Durable Objects (durable/index-writer-stub.ts) that take
// runs' index rows and audit entries from their outboxes and commit them to D1 in batches.
// An idle writer commits at once (the run's flush waits for D1, as if it wrote itself);
// a busy one keeps the rows durably and commits them in one batch per WRITER_INTERVAL_MS
// (core/writer-batching.ts), so D1 sees at most INDEX_WRITERS batches per interval however
// many runs there are.
import { DurableObject } from "cloudflare:workers";
import { auditInsert, type NewAuditEntry } from "../db/audit";
import { database } from "../db/client";
import { upsertRunIndexRows, type RunIndexRow } from "../db/runs";
import {
  commitAt,
  isBacklog,
  WRITER_BATCH_LIMITS,
  WRITER_INTERVAL_MS,
  WRITER_ROWS_PER_STATEMENT,
} from "../core/writer-batching";
import { EarliestAlarm } from "../durable/earliest-alarm";
import type { IndexRows, IndexWriterRpc } from "../durable/index-writer-stub";
import { PendingRows, type PendingBatch } from "./pending-rows";

/** How soon a failed commit is tried again. */
const RETRY_MS = 1_000;

export class IndexWriter extends DurableObject<Env> implements IndexWriterRpc {
  private readonly pending: PendingRows;
  private readonly wakeUp: EarliestAlarm;
  private committing: Promise<boolean> | undefined;
  private lastCommitAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.pending = new PendingRows(ctx.storage);
    this.wakeUp = new EarliestAlarm(ctx);
  }

  async append(rows: IndexRows): Promise<void> {
    this.pending.keep(rows);
    const now = Date.now();
    const at = commitAt({ now, lastCommitAt: this.lastCommitAt, committing: this.committing !== undefined });
    if (at === now) await this.commitAll();
    else this.wakeUp.armBy(at);
  }

  /**
   * Commits what was kept when it was called, a batch at a time, and answers whether that
   * went through; rows kept meanwhile wait for their turn, so a busy writer cannot hold a
   * reader for ever.
   */
  async drain(): Promise<boolean> {
    const kept = this.pending.count();
    let passes =
      Math.max(Math.ceil(kept.index / WRITER_BATCH_LIMITS.index), Math.ceil(kept.audits / WRITER_BATCH_LIMITS.audits)) +
      1;
    while (passes-- > 0 && !this.pending.isEmpty()) if (!(await this.commitAll())) return false;
    return true;
  }

  override async alarm(): Promise<void> {
    this.wakeUp.delivered();
    await this.commitAll();
  }

  /**
   * Commits what is kept, a batch at a time while batches come out full (a backlog); rows
   * kept meanwhile wait for the next interval. Whether it went through: a failure leaves the
   * rows for the alarm's retry.
   */
  private commitAll(): Promise<boolean> {
    this.committing ??= this.commitBatches().finally(() => (this.committing = undefined));
    return this.committing;
  }

  private async commitBatches(): Promise<boolean> {
    try {
      for (;;) {
        const batch = this.pending.next(WRITER_BATCH_LIMITS.index, WRITER_BATCH_LIMITS.audits);
        if (batch.index.length === 0 && batch.audits.length === 0) return true;
        this.lastCommitAt = Date.now();
        await this.commit(batch);
        this.pending.committed(batch);
        if (!isBacklog({ index: batch.index.length, audits: batch.audits.length })) break;
      }
      if (!this.pending.isEmpty()) this.wakeUp.armBy(this.lastCommitAt + WRITER_INTERVAL_MS);
      return true;
    } catch (error) {
      console.error("index writer: commit to D1 failed; retrying", error);
      this.wakeUp.armBy(Date.now() + RETRY_MS);
      return false;
    }
  }

  private async commit(batch: PendingBatch): Promise<void> {
    const db = database(this.env.DB);
    const index = batch.index.map(({ row }) => row as unknown as RunIndexRow);
    const audits = batch.audits.map(({ row }) => row as unknown as NewAuditEntry);
    const statements = [
      ...chunks(index, WRITER_ROWS_PER_STATEMENT.index).map((rows) => upsertRunIndexRows(db, rows)),
      ...chunks(audits, WRITER_ROWS_PER_STATEMENT.audits).map((rows) => auditInsert(db, rows)),
    ];
    await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}
