// How many hand-offs one consumer invocation asks its runs for, after the tasks it was
// delivered. A handed-over task costs at least a request and a report (subrequests, counted
// per invocation: more with report retries, secrets or large values in R2) and keeps the
// invocation running; past the budget a run's next task goes through the queue.

/** Hand-offs asked for per invocation: a batch's extra subrequests stay in the low hundreds. */
const MAX_HANDOFFS = 50;
/** No hand-off is asked for this long after the invocation began, so a batch ends in good time. */
const HANDOFF_WINDOW_MS = 30_000;

export class HandoffBudget {
  private asked = 0;

  constructor(private readonly startedAt: number) {}

  /**
   * A hand-off to ask for with the report of a `stepType` task, or none when the budget is
   * spent (or the report is a triage's, which never hands a task over).
   */
  offer(messageId: string, stepType: string): { claimant: string } | undefined {
    if (stepType === "triage") return undefined;
    if (this.asked >= MAX_HANDOFFS || Date.now() - this.startedAt > HANDOFF_WINDOW_MS) return undefined;
    this.asked += 1;
    // Never a queue message's id, and distinct within the invocation; a redelivered message
    // may ask under the same claimant, which only finds what its first delivery was handed.
    return { claimant: `${messageId}/handoff-${this.asked}` };
  }
}
