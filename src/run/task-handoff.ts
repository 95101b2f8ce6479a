// A consumer that reports a task's outcome may carry out the run's next task in the same
// invocation instead of waiting for it to travel through the queue (see docs/durability.md,
// Tasks). The task is recorded in the ledger as any dispatched task is and claimed for the
// reporter before it leaves, so a consumer that dies with it is covered like one that died
// after claiming a queued task: by the attempt's deadline.
import { isAwaitingTask, isRunFinished } from "../core/engine";
import type { TaskEffect } from "../core/engine/effects";
import type { RunRecords } from "./records";
import { claimTask, type Apply } from "./task-claims";

/** The step types whose tasks a consumer carries out and reports like any queued one. */
const HANDED_OFF_STEP_TYPES: ReadonlySet<string> = new Set(["http", "llm", "retrieve"]);

/**
 * The one task due now, claimed for `claimant`; null when none is due or several are
 * (parallel steps still go through the queue, so they spread over consumers).
 */
export async function handOffNextTask(run: RunRecords, claimant: string, apply: Apply): Promise<TaskEffect | null> {
  const state = run.state;
  if (!state || isRunFinished(state)) return null;
  const due = run.tasks.due(Date.now()).filter((task) => isAwaitingTask(state, task));
  const only = due.length === 1 ? due[0]! : undefined;
  if (!only || !HANDED_OFF_STEP_TYPES.has(only.stepType)) return null;
  return (await claimTask(run, only, claimant, apply)) === "go" ? only.message : null;
}
