// How a step ends an attempt: success, a retry on a persisted timer, or failure for good.
import type { ErrorRecord } from "../errors";
import type { Step } from "../definition/schema";
import { hasAttemptsLeft, jitterSeed, nextDelayMs, resolveRetryPolicy } from "../retry";
import type { SkipReason } from "./types";
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
import { failRun } from "./failure";
import { isTriaged, startTriage } from "./triage";

export function completeStep(draft: Draft, stepId: string, output: unknown, httpStatus?: number): void {
  patchAttempt(draft, stepId, { status: "succeeded", finishedAt: draft.now, httpStatus });
  const step = patchStep(draft, stepId, { status: "succeeded", output, error: undefined, finishedAt: draft.now });
  clearStepTimers(draft, stepId);
  // An item of a map is recorded in the item store; its map's success is audited once.
  if (!step.item) audit(draft, "step.succeeded", { stepId, attempt: currentAttempt(step)?.n });
}

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

/** The step fails for good; with `onError: fail` (the default) so does the run. */
export function failStep(draft: Draft, step: Step, error: ErrorRecord): void {
  const state = patchStep(draft, step.id, { status: "failed", error, finishedAt: draft.now });
  clearStepTimers(draft, step.id);
  audit(draft, "step.failed", { stepId: step.id, attempt: currentAttempt(state)?.n, detail: { error } });
  // An onFailure step failing cannot fail the run twice: the run is already failing.
  // An item of a map fails its map, which decides (see map.ts).
  if (step.onError !== "continue" && !state.onFailure && !state.item) failRun(draft, { ...error, stepId: step.id });
}

export function skipStep(draft: Draft, stepId: string, reason: SkipReason): void {
  patchStep(draft, stepId, { status: "skipped", skipReason: reason, finishedAt: draft.now });
}
