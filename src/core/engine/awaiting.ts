// Which tasks the run still waits for: a task sent for an attempt that has since ended,
// been cancelled or been superseded is stale, and neither sent again nor executed.
import type { TaskKey } from "./effects";
import { currentAttempt, isRunFinished } from "./draft";
import type { RunState } from "./run-state";

export function isAwaitingTask(state: RunState, task: TaskKey): boolean {
  const step = state.steps[task.stepId];
  if (!step || isRunFinished(state) || currentAttempt(step)?.n !== task.attempt) return false;
  if (task.stepType === "triage") return step.status === "waiting" && step.triaging === "model";
  // An approval's notification belongs to the attempt that is waiting for a decision.
  if (task.stepType === "notify") return step.status === "waiting";
  return step.status === "running";
}
