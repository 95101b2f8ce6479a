// A Durable Object has one alarm; its shell multiplexes every timer onto it. The time is
// computed and set synchronously by each caller, so the last caller always wins with
// fresh state, and an unchanged time is not written again.

export class SingleAlarm {
  /** What was last written; undefined when unknown. */
  private at: number | null | undefined = null;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Sets the alarm to `at`, or clears it for null. */
  set(at: number | null): void {
    if (at === this.at) return;
    this.at = at;
    void (at === null ? this.storage.deleteAlarm() : this.storage.setAlarm(at));
  }

  /** The runtime clears an alarm when it is delivered. */
  delivered(): void {
    this.at = null;
  }

  /** Forgets what was set, so the next `set` writes the alarm whatever it was (a crash may have lost it). */
  forget(): void {
    this.at = undefined;
  }
}
