// Reads of a run that other parts ask its object for, computed from its state and pinned
// definition: what a signed approval link needs, and what a rerun needs.
import type { Definition } from "../core/definition/schema";
import { approvalRefusal, planRerun, timerKey } from "../core/engine";
import type { RunState } from "../core/engine/run-state";
import { RUN_NOT_FOUND, type ApprovalRequestResult, type RerunPlan } from "../durable/run-commands";

interface Loaded {
  state: RunState | undefined;
  definition: Definition | undefined;
}

/** What a signed link for a waiting approval needs (its attempt and timeout), if `minter` may decide it. */
export function approvalRequest(
  { state, definition }: Loaded,
  stepId: string,
  minter: { name: string; role: string },
): ApprovalRequestResult {
  if (!state || !definition) return RUN_NOT_FOUND;
  const refusal = approvalRefusal(definition, state, stepId, minter);
  if (refusal) return { ok: false, ...refusal };
  return {
    ok: true,
    attempt: state.steps[stepId]!.attempts.at(-1)!.n,
    expiresAt: state.timers[timerKey({ kind: "timeout", stepId })]?.at ?? null,
  };
}

/** What a rerun of this run needs: its pinned definition, input, and the steps before `fromStep`. */
export function rerunPlan({ state, definition }: Loaded, fromStep?: string): RerunPlan {
  if (!state || !definition) return { ok: false, code: "not_found" };
  if (fromStep !== undefined && !definition.steps.some((step) => step.id === fromStep))
    return { ok: false, code: "unknown_step" };
  return {
    ok: true,
    definition,
    input: state.input,
    workflow: state.workflow,
    version: state.version,
    carriedSteps: planRerun(definition, state, fromStep),
  };
}
