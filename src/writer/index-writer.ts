// IndexWriter: one of INDEX_WRITERS Durable Objects (durable/index-writer-stub.ts) that take
// runs' index rows and audit entries from their outboxes and commit them to D1 in batches.
// An idle writer commits at once (the run's flush waits for D1, as if it wrote itself);
// a busy one keeps the rows durably and commits them all in one batch per WRITER_INTERVAL_MS,
// so D1 sees at most INDEX_WRITERS batches per interval however many runs there are.
import { DurableObject } from "cloudflare:workers";
import { auditInsert, type NewAuditEntry } from "../db/audit";
import { database } from "../db/client";
import { INDEX_ROWS_PER_UPSERT, upsertRunIndexRows, type RunIndexRow } from "../db/runs";
import { EarliestAlarm } from "../durable/earliest-alarm";
import type { IndexRows, IndexWriterRpc } from "../durable/index-writer-stub";
import { PendingRows, type PendingBatch } from "./pending-rows";

/** At most one D1 batch per interval while busy: what a row may trail its run by under load. */
const WRITER_INTERVAL_MS = 250;
/** How soon a failed commit is tried again. */
const RETRY_MS = 1_000;
/** D1 binds at most 100 parameters per statement; an audit row binds at most 13 (an API call's). */
const AUDIT_ROWS_PER_INSERT = 7;
/** One D1 batch: 50 index upserts and 50 audit inserts at most. */
const INDEX_ROWS_PER_BATCH = 50 * INDEX_ROWS_PER_UPSERT;
const AUDIT_ROWS_PER_BATCH = 50 * AUDIT_ROWS_PER_INSERT;

export class IndexWriter extends DurableObject<Env> implements IndexWriterRpc {
  private readonly pending: PendingRows;
  private readonly wakeUp: EarliestAlarm;
  private committing: Promise<void> | undefined;
  private lastCommitAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.pending = new PendingRows(ctx.storage);
    this.wakeUp = new EarliestAlarm(ctx);
  }

  async append(rows: IndexRows): Promise<void> {
    this.pending.keep(rows);
    const now = Date.now();
    if (!this.committing && now - this.lastCommitAt >= WRITER_INTERVAL_MS) await this.commitAll();
    else this.wakeUp.armBy(Math.max(this.lastCommitAt + WRITER_INTERVAL_MS, now));
  }

  async drain(): Promise<void> {
    await this.committing;
    await this.commitAll(true);
  }

  override async alarm(): Promise<void> {
    this.wakeUp.delivered();
    await this.commitAll();
  }

  /**
   * Commits what is kept, a batch at a time while batches come out full (a backlog); rows
   * kept meanwhile wait for the next interval. A failure leaves the rows for the alarm's retry.
   */
  private commitAll(untilEmpty = false): Promise<void> {
    this.committing ??= this.commitBatches(untilEmpty).finally(() => (this.committing = undefined));
    return this.committing;
  }

  private async commitBatches(untilEmpty: boolean): Promise<void> {
    try {
      for (;;) {
        const batch = this.pending.next(INDEX_ROWS_PER_BATCH, AUDIT_ROWS_PER_BATCH);
        if (batch.index.length === 0 && batch.audits.length === 0) return;
        this.lastCommitAt = Date.now();
        await this.commit(batch);
        this.pending.committed(batch);
        const full = batch.index.length === INDEX_ROWS_PER_BATCH || batch.audits.length === AUDIT_ROWS_PER_BATCH;
        if (!full && !untilEmpty) break;
      }
      if (!this.pending.isEmpty()) this.wakeUp.armBy(this.lastCommitAt + WRITER_INTERVAL_MS);
    } catch (error) {
      console.error("index writer: commit to D1 failed; retrying", error);
      this.wakeUp.armBy(Date.now() + RETRY_MS);
    }
  }

  private async commit(batch: PendingBatch): Promise<void> {
    const db = database(this.env.DB);
    const index = batch.index.map(({ row }) => row as unknown as RunIndexRow);
    const audits = batch.audits.map(({ row }) => row as unknown as NewAuditEntry);
    const statements = [
      ...chunks(index, INDEX_ROWS_PER_UPSERT).map((rows) => upsertRunIndexRows(db, rows)),
      ...chunks(audits, AUDIT_ROWS_PER_INSERT).map((rows) => auditInsert(db, rows)),
    ];
    await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}
