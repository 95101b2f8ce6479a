// Model usage (llm steps, triage): recorded on the attempt that spent it and summed on the
// run as it arrives, so the total survives map items leaving the state.
import type { Usage } from "./run-state";
import { patchAttempt, type Draft } from "./draft";

/** Adds `usage` to the step's current attempt and to the run's total. */
export function recordAttemptUsage(draft: Draft, stepId: string, usage: Usage | undefined): void {
  if (!usage) return;
  patchAttempt(draft, stepId, { usage });
  addRunUsage(draft, usage);
}

/** Adds `usage` to the run's total only (a triage call is not an attempt of the step). */
export function addRunUsage(draft: Draft, usage: Usage | undefined): void {
  if (!usage) return;
  draft.state.usage = sumUsage(draft.state.usage, usage);
}

function sumUsage(a: Usage | undefined, b: Usage): Usage {
  const sum: Usage = {
    inputTokens: (a?.inputTokens ?? 0) + b.inputTokens,
    outputTokens: (a?.outputTokens ?? 0) + b.outputTokens,
  };
  const cost = (a?.costUsd ?? 0) + (b.costUsd ?? 0);
  if (a?.costUsd !== undefined || b.costUsd !== undefined) sum.costUsd = Math.round(cost * 1e9) / 1e9;
  return sum;
}
