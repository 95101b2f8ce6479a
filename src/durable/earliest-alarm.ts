// An object whose alarm serves several deadlines that only ever pull it earlier (a backstop,
// the next batch, the next prune): the alarm is moved earlier, never later, and the time
// last set is remembered so an unchanged alarm is not written again.

export class EarliestAlarm {
  /** The alarm's time as last set here; undefined until read back from storage. */
  private at: number | null | undefined;

  constructor(private readonly ctx: DurableObjectState) {
    void ctx.blockConcurrencyWhile(async () => void (this.at = await ctx.storage.getAlarm()));
  }

  /** Moves the alarm to `at` unless it is set at or before it already. */
  armBy(at: number): void {
    if (this.at != null && this.at <= at) return;
    this.at = at;
    void this.ctx.storage.setAlarm(at);
  }

  /** The runtime clears an alarm when it delivers it. */
  delivered(): void {
    this.at = null;
  }
}
