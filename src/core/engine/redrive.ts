// Redrive (a run's `retry`): resume a failed, timed-out or cancelled run in place.
// Succeeded outputs stay; everything else goes back to pending with its attempt history,
// and attempt numbers keep counting so reports from before the redrive stay stale.
import { parseDuration } from "../duration";
import type { RunState, StepState } from "./run-state";
import { audit, setTimer, type Draft } from "./draft";
import { storeLeftoverItems } from "./map-pump";

const REDRIVABLE = new Set<RunState["status"]>(["failed", "timed_out", "cancelled"]);

export function isRedrivable(state: RunState): boolean {
  return REDRIVABLE.has(state.status);
}

/** Reopens the run; the caller advances it. */
export function reopenRun(draft: Draft): void {
  const state = draft.state;
  state.attempt += 1;
  state.status = "running";
  state.error = null;
  delete state.finishedAt;
  delete state.output;
  delete state.endingAs;
  storeLeftoverItems(draft);
  for (const step of Object.values(state.steps)) {
    if (needsRerun(step)) state.steps[step.id] = resetStep(step);
  }
  if (draft.definition.timeout !== undefined) {
    // A fresh budget from now: the old deadline has usually passed already.
    setTimer(draft, { kind: "run_timeout", at: draft.now + parseDuration(draft.definition.timeout) });
  }
  audit(draft, "run.retried", { detail: { attempt: state.attempt } });
}

/** onFailure steps run again on the next failure, even if they succeeded last time. */
function needsRerun(step: StepState): boolean {
  if (step.status === "pending") return false;
  return step.onFailure === true || step.status !== "succeeded";
}

function resetStep(step: StepState): StepState {
  const reset: StepState = { id: step.id, type: step.type, status: "pending", attempts: step.attempts };
  if (step.onFailure) reset.onFailure = true;
  // A map keeps its items (and the store keeps what succeeded) for its next round.
  if (step.map) reset.map = step.map;
  // Triage answers stay as history; maxActions counts per run attempt.
  if (step.triage) reset.triage = step.triage;
  return reset;
}
