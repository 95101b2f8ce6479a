// Every timer of the run multiplexed onto its Durable Object's one alarm, always set to
// the earliest thing the run waits for.
import { isRunFinished, nextWakeAt } from "../core/engine";
import { SingleAlarm } from "../durable/single-alarm";
import { OUTBOX_RETRY_MS, type OutboxFlusher } from "./outbox-flush";
import type { RunRecords } from "./records";

/** How soon an alarm whose work threw is delivered again (its work is idempotent). */
const ALARM_RETRY_MS = 2_000;

export class WakeUp {
  private readonly alarm: SingleAlarm;

  constructor(
    storage: DurableObjectStorage,
    private readonly run: RunRecords,
    private readonly outbox: OutboxFlusher,
  ) {
    this.alarm = new SingleAlarm(storage);
  }

  /**
   * The alarm is the earliest of: the next engine timer, a pending start, the next (re)send
   * of an unclaimed task, the deferred flush of audit rows, a retry of a failed (or not yet
   * finished) outbox flush, gate release or duty.
   */
  // Computed and set synchronously, so the last caller always wins with fresh state.
  arm(): void {
    const { state, tasks, gates, duties } = this.run;
    const candidates: number[] = [];
    const wake = state && !isRunFinished(state) ? nextWakeAt(state) : undefined;
    if (wake !== undefined) candidates.push(wake);
    const resend = tasks.nextDueAt();
    if (resend !== undefined) candidates.push(resend);
    if (this.run.isStartingSoon()) candidates.push(Date.now());
    const flush = this.outbox.dueAt();
    if (flush !== undefined) candidates.push(flush);
    if (gates.hasOwed() || duties.hasAny()) candidates.push(Date.now() + OUTBOX_RETRY_MS);
    const at = candidates.length === 0 ? null : Math.min(...candidates);
    this.alarm.set(at);
  }

  /** Alarm work threw: the alarm comes again shortly and the work, idempotent, is redone. */
  retrySoon(): void {
    this.alarm.set(Date.now() + ALARM_RETRY_MS);
  }

  /** The runtime clears an alarm when it is delivered. */
  delivered(): void {
    this.alarm.delivered();
  }

  /** Forgets what was set, so the next arm writes the alarm whatever it was (a crash may have lost it). */
  forget(): void {
    this.alarm.forget();
  }
}
