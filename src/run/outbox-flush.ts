// When the outbox goes to D1 (what its rows become is outbox.ts): at once when others wait
// on a row, otherwise with the next steps' rows in one batch. One flush at a time; a flush
// that failed is tried again by the alarm.
import { flushOutbox } from "./outbox";
import type { RunRecords } from "./records";

/** How soon a failed outbox flush is tried again (and an owed gate release or duty, see wake-up.ts). */
export const OUTBOX_RETRY_MS = 5_000;
/**
 * How long the audit rows of a running run may wait in the outbox: the rows of the next
 * steps join them in one D1 batch instead of one batch per step. Short enough that the
 * audit log trails the run by a blink; nobody waits on these rows (see isUrgent).
 */
const OUTBOX_COALESCE_MS = 250;

export class OutboxFlusher {
  private flushing: Promise<void> | undefined;
  /** Set when a flush failed: the alarm tries again then. */
  private retryAt: number | undefined;

  constructor(
    private readonly run: RunRecords,
    private readonly env: Env,
  ) {}

  /**
   * Whether the outbox should go to D1 now rather than with the next steps' rows: when
   * others wait on a row (a new run status, the approvals inbox, event waiters), when the
   * run is not running (no next step is coming soon), or when its oldest row waited long enough.
   */
  isUrgent(): boolean {
    const pending = this.run.storage.pendingOutbox();
    if (!pending) return false;
    return pending.urgent || this.run.state?.status !== "running" || Date.now() >= pending.since + OUTBOX_COALESCE_MS;
  }

  /** Sends every pending row (deferred ones too, in order); a pass that failed is retried by the alarm. */
  async flush(): Promise<void> {
    // Rows appended just as a pass ends (after its last read) are not left for the alarm.
    do {
      this.flushing ??= this.flushPass().finally(() => (this.flushing = undefined));
      await this.flushing;
    } while (this.retryAt === undefined && this.run.storage.pendingOutbox());
  }

  /** When the alarm should come for the outbox: the retry of a failed flush, soon when urgent, else the deferred flush. */
  dueAt(): number | undefined {
    const pending = this.run.storage.pendingOutbox();
    if (!pending) return undefined;
    return this.retryAt ?? (this.isUrgent() ? Date.now() + OUTBOX_RETRY_MS : pending.since + OUTBOX_COALESCE_MS);
  }

  private async flushPass(): Promise<void> {
    try {
      await flushOutbox(this.run.storage, this.env, this.run.state!.id);
      this.retryAt = undefined;
    } catch (error) {
      console.error("outbox flush failed; the alarm retries it", error);
      this.retryAt = Date.now() + OUTBOX_RETRY_MS;
    }
  }
}
