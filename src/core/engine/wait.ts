// Wait steps: the step waits for an event by name whose `match` holds.
// Events received up to `lookback` before the wait began count too, so an event that
// beats its wait is not lost; the shell finds them and the engine decides.
import type { WaitStep } from "../definition/schema";
import { parseDuration } from "../duration";
import { toErrorRecord } from "../errors";
import { evaluateExpression } from "../expr";
import type { ReceivedEvent } from "./events";
import type { StepState } from "./run-state";
import { failAttempt } from "./attempt-failure";
import { audit, beginAttempt, currentAttempt, patchStep, setTimer, type Draft } from "./draft";
import { completeStep } from "./outcome";
import { expressionOptions, isTruthy, stepScope } from "./scope";

const DEFAULT_LOOKBACK = "10m";

export async function startWait(draft: Draft, step: WaitStep): Promise<void> {
  const n = beginAttempt(draft, step.id);
  const input: Record<string, unknown> = {
    event: step.event,
    since: new Date(waitSince(step, draft.now)).toISOString(),
  };
  if (step.timeout !== undefined) input.expiresAt = new Date(draft.now + parseDuration(step.timeout)).toISOString();
  patchStep(draft, step.id, { status: "waiting", input });
  if (step.timeout !== undefined)
    setTimer(draft, { kind: "timeout", at: draft.now + parseDuration(step.timeout), stepId: step.id, attempt: n });
}

/** The earliest receipt time an event may have to count for a wait that began at `startedAt`. */
export function waitSince(step: WaitStep, startedAt: number): number {
  return startedAt - parseDuration(step.lookback ?? DEFAULT_LOOKBACK);
}

/** Whether an event is for this wait at all: its name, and received within the lookback. */
export function isForWait(step: WaitStep, state: StepState, event: ReceivedEvent): boolean {
  const attempt = currentAttempt(state);
  return (
    state.status === "waiting" &&
    attempt !== undefined &&
    event.name === step.event &&
    event.receivedAt >= waitSince(step, attempt.startedAt)
  );
}

/** Completes the wait with the event's payload when `match` holds; false when it does not. */
export async function receiveEvent(draft: Draft, step: WaitStep, event: ReceivedEvent): Promise<boolean> {
  if (step.match !== undefined) {
    const scope = {
      ...stepScope(draft.state, step.id),
      event: {
        name: event.name,
        payload: event.payload,
        key: event.key,
        receivedAt: new Date(event.receivedAt).toISOString(),
      },
    };
    try {
      if (!isTruthy(await evaluateExpression(step.match, scope, expressionOptions(draft, step.id)))) return false;
    } catch (error) {
      failAttempt(draft, step, { ...toErrorRecord(error), retryable: false });
      return true;
    }
  }
  audit(draft, "wait.matched", { stepId: step.id, detail: { eventId: event.id } });
  completeStep(draft, step.id, event.payload);
  return true;
}

export function timeOutWait(draft: Draft, step: WaitStep): void {
  failAttempt(draft, step, {
    code: "timed_out",
    message: `no matching ${step.event} event within ${step.timeout}`,
    retryable: true,
  });
}
