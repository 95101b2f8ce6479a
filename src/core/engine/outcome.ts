// How a step ends for good: it succeeds, fails or is skipped. A failed attempt that may
// still be retried or triaged goes through attempt-failure.ts first.
import type { ErrorRecord } from "../errors";
import type { Step } from "../definition/schema";
import type { SkipReason } from "./run-state";
import { audit, clearStepTimers, currentAttempt, patchAttempt, patchStep, type Draft } from "./draft";
import { failRun } from "./failure";

export function completeStep(draft: Draft, stepId: string, output: unknown, httpStatus?: number): void {
  patchAttempt(draft, stepId, { status: "succeeded", finishedAt: draft.now, httpStatus });
  const step = patchStep(draft, stepId, { status: "succeeded", output, error: undefined, finishedAt: draft.now });
  clearStepTimers(draft, stepId);
  // An item of a map is recorded in the item store; its map's success is audited once.
  if (!step.item) audit(draft, "step.succeeded", { stepId, attempt: currentAttempt(step)?.n });
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
