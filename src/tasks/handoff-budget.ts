// How many tasks handed over by runs one consumer invocation carries out after the ones
// it was delivered. Each costs a request and a report (subrequests, counted per invocation)
// and keeps the invocation running; past the budget a run's next task goes through the queue.

/** Tasks handed over per invocation; with the delivered ones' requests and reports, well under 1,000 subrequests. */
const MAX_HANDED_OFF_TASKS = 100;
/** No hand-off is asked for this long after the invocation began, so a batch ends in good time. */
const HANDOFF_WINDOW_MS = 30_000;

export class HandoffBudget {
  private asked = 0;

  constructor(private readonly startedAt: number) {}

  /** A hand-off to ask for with the next report, or none when the budget is spent. */
  offer(messageId: string): { claimant: string } | undefined {
    if (this.asked >= MAX_HANDED_OFF_TASKS || Date.now() - this.startedAt > HANDOFF_WINDOW_MS) return undefined;
    this.asked += 1;
    // Unique per hand-off: a redelivery of the message must not find a claim made in its name.
    return { claimant: `${messageId}/handoff-${this.asked}` };
  }
}
