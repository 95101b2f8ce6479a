// After the due steps have started: is the run still active (running or waiting),
// or can nothing run any more, so it finishes?
import { dependentsOf } from "../definition/graph";
import { evaluateExpression } from "../expr";
import { toErrorRecord } from "../errors";
import { ACTIVE_STEP_STATUSES, isRunFinished, type Draft } from "./draft";
import { failRun, finishRun } from "./failure";
import { buildScope, expressionOptions } from "./scope";

/** "advance" when the run just started failing and its onFailure steps may now be due. */
export async function settle(draft: Draft): Promise<"done" | "advance"> {
  const state = draft.state;
  if (isRunFinished(state)) return "done";
  const active = Object.values(state.steps).filter((step) => ACTIVE_STEP_STATUSES.includes(step.status));
  if (active.length > 0) {
    // Waiting only when nothing is in flight: a run with a task out is running.
    // A step waiting on the triage model has a task out too.
    state.status = active.every((step) => step.status === "waiting" && step.triaging !== "model")
      ? "waiting"
      : "running";
    return "done";
  }
  if (state.endingAs) {
    finishRun(draft, state.endingAs);
    return "done";
  }
  try {
    state.output = await runOutput(draft);
  } catch (error) {
    failRun(draft, { ...toErrorRecord(error), retryable: false });
    return "advance";
  }
  finishRun(draft, "succeeded");
  return "done";
}

/** The `output` expression, or by default the outputs of succeeded steps no one needs. */
async function runOutput(draft: Draft): Promise<unknown> {
  const { definition, state } = draft;
  if (definition.output !== undefined)
    return evaluateExpression(definition.output, buildScope(state), expressionOptions(draft));
  const output: Record<string, unknown> = {};
  for (const [id, dependents] of dependentsOf(definition.steps)) {
    const step = state.steps[id];
    if (dependents.length === 0 && step?.status === "succeeded") output[id] = step.output;
  }
  return output;
}
