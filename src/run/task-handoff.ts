// A consumer that reports a task's outcome may carry out the run's next task in the same
// invocation instead of waiting for it to travel through the queue (see docs/durability.md,
// Tasks). The task is recorded in the ledger as any dispatched task is, and claimed for the
// reporter in the same transition as the report (its deadline starts), so a consumer that
// dies with it is covered like one that died after claiming a queued task: by the deadline.
// A report repeated with the same claimant (the first answer was lost) gets the same task.
import { isAwaitingTask } from "../core/engine";
import type { Effect, TaskEffect } from "../core/engine/effects";
import type { RunState } from "../core/engine/run-state";
import type { RunRecords } from "./records";

/** The step types whose tasks a consumer carries out and reports like any queued one. */
const HANDED_OFF_STEP_TYPES: ReadonlySet<string> = new Set(["http", "llm", "retrieve"]);

/**
 * The task to hand over from a transition's effects: the one it dispatched, when it
 * dispatched exactly one of a handed-off type that the run waits for. Several are not handed
 * over: parallel steps go through the queue, so they spread over consumers.
 */
export function taskToHandOff(effects: readonly Effect[], state: RunState): TaskEffect | null {
  const dispatched = effects.filter((effect): effect is TaskEffect => effect.type === "dispatch");
  const only = dispatched.length === 1 ? dispatched[0]! : undefined;
  if (!only || !HANDED_OFF_STEP_TYPES.has(only.stepType) || !isAwaitingTask(state, only)) return null;
  return only;
}

/** The task an earlier report handed over to `claimant`, while the run still waits for it. */
export function handedOverBefore(run: RunRecords, claimant: string): TaskEffect | null {
  const task = run.tasks.claimedBy(claimant);
  return task && run.state && isAwaitingTask(run.state, task) ? task : null;
}
