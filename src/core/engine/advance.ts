// Moves a run forward as far as it can go within one transition: starts every due step
// (transforms finish inline, so chains complete here), moves maps on, then settles the
// run's status.
import type { Step } from "../definition/schema";
import { evaluateExpression } from "../expr";
import { toErrorRecord, type ErrorRecord } from "../errors";
import type { SkipReason } from "./run-state";
import { FINISHED_STEP_STATUSES, isRunFinished, type Draft } from "./draft";
import { failStep, skipStep } from "./outcome";
import { buildScope, expressionOptions, isTruthy } from "./scope";
import { pumpMaps } from "./map-pump";
import { settle } from "./settle";
import { startStep } from "./start-step";

type Decision = { run: true } | { run: false; skip: SkipReason } | { run: false; error: ErrorRecord };

export async function advance(draft: Draft): Promise<void> {
  do {
    while (!isRunFinished(draft.state) && ((await startDueSteps(draft)) || (await pumpMaps(draft))));
  } while ((await settle(draft)) === "advance");
}

/** Starts (or skips) every step that is due now; false when none was. */
async function startDueSteps(draft: Draft): Promise<boolean> {
  const due = phaseSteps(draft).filter((step) => isDue(draft, step));
  for (const step of due) {
    // A step failing earlier in this batch may have failed the run: nothing new starts then.
    if (!isDue(draft, step)) continue;
    const decision = await decide(draft, step);
    if (decision.run) await startStep(draft, step);
    else if ("skip" in decision) skipStep(draft, step.id, decision.skip);
    else failStep(draft, step, decision.error);
  }
  return due.length > 0;
}

/** The main steps, or the onFailure steps once the run is failing. */
function phaseSteps(draft: Draft): readonly Step[] {
  return draft.state.endingAs ? (draft.definition.onFailure ?? []) : draft.definition.steps;
}

function isDue(draft: Draft, step: Step): boolean {
  const state = draft.state.steps[step.id];
  if (state?.status !== "pending" || Boolean(state.onFailure) !== Boolean(draft.state.endingAs)) return false;
  return (step.needs ?? []).every((need) => isNeedFinished(draft, need));
}

function isNeedFinished(draft: Draft, need: string): boolean {
  const state = draft.state.steps[need];
  // Unknown needs are validation's to reject; main steps are frozen once the run fails,
  // so an onFailure step that names one does not wait for it.
  if (!state || (draft.state.endingAs && !state.onFailure)) return true;
  return FINISHED_STEP_STATUSES.includes(state.status);
}

/** An `if` decides; otherwise a failed need, or only skipped needs, skip the step. */
async function decide(draft: Draft, step: Step): Promise<Decision> {
  if (step.if !== undefined) {
    try {
      const value = await evaluateExpression(step.if, buildScope(draft.state), expressionOptions(draft, step.id));
      return isTruthy(value) ? { run: true } : { run: false, skip: "condition_false" };
    } catch (error) {
      return { run: false, error: { ...toErrorRecord(error), retryable: false } };
    }
  }
  const needs = (step.needs ?? []).map((need) => draft.state.steps[need]?.status);
  if (needs.includes("failed")) return { run: false, skip: "need_failed" };
  if (needs.length > 0 && needs.every((status) => status === "skipped")) return { run: false, skip: "needs_skipped" };
  return { run: true };
}
