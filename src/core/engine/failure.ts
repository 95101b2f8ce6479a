// A run that fails stops its work, runs its onFailure steps as a small graph of their
// own, and only then finishes. Cancellation and finishing live here too: all three
// stop steps and timers the same way.
import type { RunError, RunStatus } from "./run-state";
import {
  ACTIVE_STEP_STATUSES,
  audit,
  clearStepTimers,
  currentAttempt,
  emitIndex,
  patchAttempt,
  patchStep,
  type Draft,
} from "./draft";

/**
 * Enters the failure phase: in-flight steps are cancelled, pending ones stay pending,
 * and `endingAs` records the final status. The run timeout is disarmed: onFailure
 * steps are bounded by their own timeouts and retry policies.
 */
export function failRun(draft: Draft, error: RunError, endingAs: "failed" | "timed_out" = "failed"): void {
  if (draft.state.endingAs) return;
  draft.state.error = error;
  draft.state.endingAs = endingAs;
  for (const step of Object.values(draft.state.steps)) {
    if (ACTIVE_STEP_STATUSES.includes(step.status)) cancelStep(draft, step.id);
  }
  delete draft.state.timers["run_timeout:run"];
}

/** Cancels a step and its in-flight attempt; a late report for it is then ignored. */
export function cancelStep(draft: Draft, stepId: string): void {
  const step = draft.state.steps[stepId]!;
  if (currentAttempt(step)?.status === "running")
    patchAttempt(draft, stepId, { status: "cancelled", finishedAt: draft.now });
  patchStep(draft, stepId, { status: "cancelled", finishedAt: draft.now, triaging: undefined });
  clearStepTimers(draft, stepId);
}

/**
 * The run reaches a final status: steps that never started are marked skipped (so a
 * finished run shows no pending work), timers cleared, index, audit and `finished` effects.
 */
export function finishRun(draft: Draft, status: RunStatus, detail: Record<string, unknown> = {}): void {
  const state = draft.state;
  for (const step of Object.values(state.steps)) {
    if (step.status !== "pending") continue;
    const skipReason = step.onFailure ? "run_succeeded" : "run_failed";
    if (status !== "cancelled") patchStep(draft, step.id, { status: "skipped", skipReason });
  }
  state.status = status;
  state.finishedAt = draft.now;
  delete state.endingAs;
  if (Object.keys(state.timers).length > 0) state.timers = {};
  emitIndex(draft);
  const error = status === "failed" || status === "timed_out" ? { error: state.error } : {};
  const fields = { ...error, ...detail };
  audit(draft, `run.${status}`, Object.keys(fields).length > 0 ? { detail: fields } : {});
  draft.effects.push({ type: "finished", status });
}

/** Stops an unfinished run: every unfinished step is cancelled, no onFailure steps run. */
export function cancelRun(draft: Draft, reason?: string): void {
  for (const step of Object.values(draft.state.steps)) {
    const unfinished = step.status === "pending" || ACTIVE_STEP_STATUSES.includes(step.status);
    if (unfinished) cancelStep(draft, step.id);
  }
  finishRun(draft, "cancelled", reason === undefined ? {} : { reason });
}
