// The engine's one entry point: (definition, state, event, now) → (new state, effects).
// Deterministic and free of I/O; async only because JSONata evaluation is.
import type { ApprovalStep, Definition, MapStep, Step, WaitStep, WorkflowStep } from "../definition/schema";
import { parseDuration } from "../duration";
import { neutralizePlaceholders } from "../secret-placeholder";
import type { TransitionResult } from "./effects";
import type { RunEvent } from "./events";
import type { MapItemStore } from "./item-store";
import type { RunState, Timer } from "./run-state";
import { advance } from "./advance";
import { decideApproval, timeOutApproval } from "./approval";
import { failAttempt } from "./attempt-failure";
import { finishChildRun, timeOutChildRun } from "./child-run";
import { closeDraft } from "./close-draft";
import { audit, currentAttempt, emitIndex, isRunFinished, openDraft, setTimer, type Draft } from "./draft";
import { cancelRun, failRun } from "./failure";
import { completeStep } from "./outcome";
import { timeOutMap } from "./map-pump";
import { isRedrivable, reopenRun } from "./redrive";
import { resolveStep } from "./step-catalog";
import { startStep } from "./start-step";
import { dueTimers } from "./timers";
import { isForWait, receiveEvent, timeOutWait } from "./wait";
import { decideEscalation, decideTriage, timeOutTriage } from "./triage-decision";
import { addRunUsage, recordAttemptUsage } from "./usage";

/**
 * `items` is the run's item store (see map.ts), read but never written here: what a
 * transition stores comes back as `map_items_created` and `map_item_finished` effects.
 */
export async function transition(
  definition: Definition,
  state: RunState,
  incoming: RunEvent,
  now: number,
  items?: MapItemStore,
): Promise<TransitionResult> {
  // Ignored events (duplicates, stale reports, cancelling a finished run) change nothing.
  if (!isAccepted(definition, state, incoming, now)) return { state, effects: [] };
  const event = neutralizePlaceholders(incoming);
  const draft = openDraft(definition, state, now, items);
  switch (event.type) {
    case "start":
      startRun(draft);
      break;
    case "step_completed":
      recordAttemptUsage(draft, event.stepId, event.usage);
      completeStep(draft, event.stepId, event.output, event.httpStatus);
      break;
    case "step_failed":
      recordAttemptUsage(draft, event.stepId, event.usage);
      failAttempt(draft, draft.stepDefinitions.get(event.stepId)!, event.error);
      break;
    case "triage_decided":
      addRunUsage(draft, event.usage);
      await decideTriage(draft, draft.stepDefinitions.get(event.stepId)!, event.outcome);
      break;
    case "task_claimed":
      setTimer(draft, { kind: "deadline", at: now + event.timeoutMs, stepId: event.stepId, attempt: event.attempt });
      return closeDraft(draft, state);
    case "timers_due":
      await fireDueTimers(draft);
      break;
    case "cancel":
      cancelRun(draft, event.reason);
      return closeDraft(draft, state);
    case "retry":
      reopenRun(draft);
      // A run under flow control waits for its gate to start it again, like a new run.
      if (event.queued) {
        draft.state.status = "queued";
        delete draft.state.timers["run_timeout:run"];
        draft.effects.push({ type: "requeued" });
        return closeDraft(draft, state);
      }
      break;
    case "approval_decided":
      if (draft.state.steps[event.stepId]!.triaging === "person")
        await decideEscalation(draft, stepOf<Step>(draft, event.stepId), event.decision, event.by, event.comment);
      else decideApproval(draft, stepOf<ApprovalStep>(draft, event.stepId), event.decision, event.by, event.comment);
      break;
    case "event_received":
      // An event whose `match` does not hold changes nothing.
      if (!(await receiveEvent(draft, stepOf<WaitStep>(draft, event.stepId), event.event)))
        return { state, effects: [] };
      break;
    case "child_finished":
      finishChildRun(draft, stepOf<WorkflowStep>(draft, event.stepId), event.status, event.output, event.error);
      break;
  }
  await advance(draft);
  return closeDraft(draft, state);
}

function isAccepted(definition: Definition, state: RunState, event: RunEvent, now: number): boolean {
  switch (event.type) {
    case "start":
      return state.status === "queued";
    case "task_claimed":
    case "step_completed":
    case "step_failed": {
      const step = state.steps[event.stepId];
      const known = step !== undefined && resolveStep(definition, event.stepId) !== undefined;
      return known && !isRunFinished(state) && step.status === "running" && currentAttempt(step)?.n === event.attempt;
    }
    case "timers_due":
      return dueTimers(state, now).length > 0;
    case "cancel":
      return !isRunFinished(state);
    case "retry":
      return isRedrivable(state);
    case "triage_decided": {
      const step = state.steps[event.stepId];
      return (
        !isRunFinished(state) &&
        step?.status === "waiting" &&
        step.triaging === "model" &&
        currentAttempt(step)?.n === event.attempt &&
        resolveStep(definition, event.stepId) !== undefined
      );
    }
    case "approval_decided": {
      const escalated =
        !isRunFinished(state) &&
        state.steps[event.stepId]?.status === "waiting" &&
        state.steps[event.stepId]?.triaging === "person";
      return (
        (escalated || isWaitingStep(definition, state, event.stepId, "approval")) &&
        currentAttempt(state.steps[event.stepId]!)?.n === event.attempt
      );
    }
    case "event_received": {
      if (!isWaitingStep(definition, state, event.stepId, "wait")) return false;
      const step = state.steps[event.stepId]!;
      return (
        currentAttempt(step)?.n === event.attempt &&
        isForWait(resolveStep(definition, event.stepId) as WaitStep, step, event.event)
      );
    }
    case "child_finished":
      return (
        isWaitingStep(definition, state, event.stepId, "workflow") &&
        state.steps[event.stepId]!.childRunId === event.childRunId
      );
  }
}

/** The step exists in the definition with `type` and waits, in an unfinished run. */
function isWaitingStep(definition: Definition, state: RunState, stepId: string, type: string): boolean {
  return (
    !isRunFinished(state) && resolveStep(definition, stepId)?.type === type && state.steps[stepId]?.status === "waiting"
  );
}

function stepOf<S>(draft: Draft, stepId: string): S {
  return draft.stepDefinitions.get(stepId) as S;
}

function startRun(draft: Draft): void {
  draft.state.status = "running";
  // A redriven run that waited for its gate keeps the time it first started.
  draft.state.startedAt ??= draft.now;
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
    failAttempt(draft, definition, {
      code: "timed_out",
      message: `attempt ${timer.attempt} got no result in time`,
      retryable: true,
    });
  } else if (timer.kind === "deadline" && step.status === "waiting" && step.triaging === "model") {
    await timeOutTriage(draft, definition);
  } else if (timer.kind === "retry" && step.status === "retrying") {
    await startStep(draft, definition);
  } else if (timer.kind === "sleep" && step.status === "waiting") {
    completeStep(draft, step.id, { sleptUntil: new Date(timer.at).toISOString() });
  } else if (timer.kind === "timeout" && definition.type === "map") {
    timeOutMap(draft, definition as MapStep);
  } else if (timer.kind === "timeout" && step.status === "waiting") {
    timeOutWaitingStep(draft, definition);
  }
}

/** A waiting step's own `timeout`: each type says what running out of time means. */
function timeOutWaitingStep(draft: Draft, step: Step): void {
  if (step.type === "approval") timeOutApproval(draft, step);
  else if (step.type === "wait") timeOutWait(draft, step);
  else if (step.type === "workflow") timeOutChildRun(draft, step);
}
