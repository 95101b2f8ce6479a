// A consumer claims a task from its run before carrying it out (see docs/durability.md,
// Tasks): the claim starts the attempt's deadline, and only the first claim (or a
// redelivery of the message that made it) may run the task.
import { isAwaitingTask } from "../core/engine";
import type { RunEvent } from "../core/engine/events";
import type { TaskKey } from "../core/engine/effects";
import type { RunRecords } from "./records";

/** Transition, save and perform `event`, writing `alsoWrite` with the new state. */
type Apply = (event: RunEvent, alsoWrite: () => void) => Promise<void>;

/**
 * "go" to the first claim of a task the run still waits for (its deadline starts now) and
 * again to a redelivery of the message that claimed it; "skip" to any other copy, a stale
 * attempt or a cancelled run, so an effect is never carried out for an attempt that is over.
 */
export async function claimTask(
  run: RunRecords,
  key: TaskKey,
  messageId: string,
  apply: Apply,
): Promise<"go" | "skip"> {
  const task = run.tasks.find(key);
  if (!task || !run.state) return "skip";
  if (task.claimedBy !== null) return task.claimedBy === messageId ? "go" : "skip";
  if (!isAwaitingTask(run.state, key)) {
    run.transaction(() => run.tasks.remove(key));
    return "skip";
  }
  const claim = () => run.tasks.claim(key, messageId);
  if (key.stepType === "triage" || key.stepType === "notify") run.transaction(claim);
  else {
    const before = run.state;
    await apply({ type: "task_claimed", ...key, timeoutMs: task.message.timeoutMs }, claim);
    // The engine must have started the deadline; were it to refuse, nobody runs the task.
    if (run.state === before) {
      run.transaction(() => run.tasks.remove(key));
      return "skip";
    }
  }
  return "go";
}
