// The engine's one entry point: (definition, state, event, now) → (new state, effects).
// Deterministic and free of I/O; async only because JSONata evaluation is.
import type { Definition } from "../definition/schema";
import { parseDuration } from "../duration";
import type { RunEvent, RunState, Timer, TransitionResult } from "./types";
import { advance } from "./advance";
import { audit, closeDraft, currentAttempt, emitIndex, isRunFinished, openDraft, setTimer, type Draft } from "./draft";
import { cancelRun, failRun } from "./failure";
import { completeStep, failAttempt } from "./outcome";
import { isRedrivable, reopenRun } from "./redrive";
import { startStep } from "./start-step";
import { dueTimers } from "./timers";

export async function transition(definition: Definition, state: RunState, event: RunEvent, now: number): Promise<TransitionResult> {
  // Ignored events (duplicates, stale reports, cancelling a finished run) change nothing.
  if (!isAccepted(definition, state, event, now)) return { state, effects: [] };
  const draft = openDraft(definition, state, now);
  switch (event.type) {
    case "start":
      startRun(draft);
      break;
    case "step_completed":
      completeStep(draft, event.stepId, event.output, event.httpStatus);
      break;
    case "step_failed":
      failAttempt(draft, draft.stepDefinitions.get(event.stepId)!, event.error);
      break;
    case "timers_due":
      await fireDueTimers(draft);
      break;
    case "cancel":
      cancelRun(draft, event.reason);
      return closeDraft(draft, state);
    case "retry":
      reopenRun(draft);
      break;
  }
  await advance(draft);
  return closeDraft(draft, state);
}

function isAccepted(definition: Definition, state: RunState, event: RunEvent, now: number): boolean {
  switch (event.type) {
    case "start":
      return state.status === "queued";
    case "step_completed":
    case "step_failed": {
      const step = state.steps[event.stepId];
      const known = step !== undefined && [...definition.steps, ...(definition.onFailure ?? [])].some((s) => s.id === event.stepId);
      return known && !isRunFinished(state) && step.status === "running" && currentAttempt(step)?.n === event.attempt;
    }
    case "timers_due":
      return dueTimers(state, now).length > 0;
    case "cancel":
      return !isRunFinished(state);
    case "retry":
      return isRedrivable(state);
  }
}

function startRun(draft: Draft): void {
  draft.state.status = "running";
  draft.state.startedAt = draft.now;
  if (draft.definition.timeout !== undefined) {
    setTimer(draft, { kind: "run_timeout", at: draft.now + parseDuration(draft.definition.timeout) });
  }
  audit(draft, "run.started", { detail: { trigger: draft.state.trigger } });
  emitIndex(draft);
}

/** Handles every due timer in `at` order; one cleared by an earlier timer is skipped. */
async function fireDueTimers(draft: Draft): Promise<void> {
  for (const [key, timer] of dueTimers(draft.state, draft.now)) {
    if (draft.state.timers[key] !== timer) continue;
    delete draft.state.timers[key];
    await fireTimer(draft, timer);
  }
}

async function fireTimer(draft: Draft, timer: Timer): Promise<void> {
  if (timer.kind === "run_timeout") {
    const message = `run exceeded its timeout of ${draft.definition.timeout}`;
    return failRun(draft, { code: "timed_out", message, retryable: false }, "timed_out");
  }
  const step = draft.state.steps[timer.stepId ?? ""];
  const definition = draft.stepDefinitions.get(timer.stepId ?? "");
  // A timer of an older attempt, or of a step that moved on, is stale.
  if (!step || !definition || currentAttempt(step)?.n !== timer.attempt) return;
  if (timer.kind === "deadline" && step.status === "running") {
    failAttempt(draft, definition, { code: "timed_out", message: `attempt ${timer.attempt} got no result in time`, retryable: true });
  } else if (timer.kind === "retry" && step.status === "retrying") {
    await startStep(draft, definition);
  } else if (timer.kind === "sleep" && step.status === "waiting") {
    completeStep(draft, step.id, { sleptUntil: new Date(timer.at).toISOString() });
  }
}
