// A failed attempt: retried on a persisted timer while the policy allows, else handed to
// failure triage when the workflow has it, else the step fails for good (outcome.ts).
import type { ErrorRecord } from "../errors";
import type { Step } from "../definition/schema";
import { hasAttemptsLeft, jitterSeed, nextDelayMs, resolveRetryPolicy } from "../retry";
import {
  attemptsThisRound,
  audit,
  clearStepTimers,
  currentAttempt,
  patchAttempt,
  patchStep,
  setTimer,
  type Draft,
} from "./draft";
import { failStep } from "./outcome";
import { isTriaged, startTriage } from "./triage";

/** Records the failed attempt, then retries by policy or fails the step for good. */
export function failAttempt(draft: Draft, step: Step, error: ErrorRecord): void {
  patchAttempt(draft, step.id, { status: "failed", finishedAt: draft.now, error, httpStatus: error.httpStatus });
  clearStepTimers(draft, step.id);
  const n = currentAttempt(draft.state.steps[step.id]!)?.n ?? 1;
  const policy = resolveRetryPolicy(step);
  // The budget counts this round only, so a redriven step gets its full policy again.
  const round = attemptsThisRound(draft, step.id);
  if (!error.retryable || !hasAttemptsLeft(policy, round))
    return isTriaged(draft, step) ? startTriage(draft, step, error) : failStep(draft, step, error);
  const delayMs = nextDelayMs(policy, round, {
    retryAfterMs: error.retryAfterMs,
    jitterSeed: jitterSeed(draft.state.id, step.id, n),
  });
  patchStep(draft, step.id, { status: "retrying" });
  setTimer(draft, { kind: "retry", at: draft.now + delayMs, stepId: step.id, attempt: n });
  audit(draft, "step.retrying", { stepId: step.id, attempt: n, detail: { error, delayMs } });
}
