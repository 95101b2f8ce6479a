// One executor per step type, in one table. Steps without I/O finish or park here;
// I/O steps go to the task queue (dispatch.ts).
import type {
  ApprovalStep,
  MapStep,
  SleepStep,
  Step,
  StepType,
  TransformStep,
  WaitStep,
  WorkflowStep,
} from "../definition/schema";
import { parseDuration } from "../duration";
import { NonRetryableError, toErrorRecord } from "../errors";
import { evaluateExpression } from "../expr";
import { jsonByteLength, MAX_VALUE_BYTES } from "../limits";
import { failAttempt } from "./attempt-failure";
import { beginAttempt, patchStep, setTimer, type Draft } from "./draft";
import { startApproval } from "./approval";
import { startChildRun } from "./child-run";
import { dispatchAttempt } from "./dispatch";
import { startMap } from "./map";
import { completeStep } from "./outcome";
import { expressionOptions, stepScope } from "./scope";
import { startWait } from "./wait";

type StepStarter = (draft: Draft, step: Step) => Promise<void>;

const STARTERS: Record<StepType, StepStarter> = {
  http: (draft, step) => dispatchAttempt(draft, step as Step & { type: "http" }),
  llm: (draft, step) => dispatchAttempt(draft, step as Step & { type: "llm" }),
  retrieve: (draft, step) => dispatchAttempt(draft, step as Step & { type: "retrieve" }),
  transform: (draft, step) => runTransform(draft, step as TransformStep),
  sleep: (draft, step) => startSleep(draft, step as SleepStep),
  approval: (draft, step) => startApproval(draft, step as ApprovalStep),
  wait: (draft, step) => startWait(draft, step as WaitStep),
  workflow: (draft, step) => startChildRun(draft, step as WorkflowStep),
  map: (draft, step) => startMap(draft, step as MapStep),
};

export async function startStep(draft: Draft, step: Step): Promise<void> {
  await STARTERS[step.type](draft, step);
}

/** Evaluated inline, so a chain of transforms completes within one transition. */
async function runTransform(draft: Draft, step: TransformStep): Promise<void> {
  beginAttempt(draft, step.id);
  try {
    const output = await evaluateExpression(
      step.expr,
      stepScope(draft.state, step.id),
      expressionOptions(draft, step.id),
    );
    const bytes = jsonByteLength(output);
    if (bytes > MAX_VALUE_BYTES)
      throw new NonRetryableError("output_too_large", `the output is ${bytes} bytes; the limit is ${MAX_VALUE_BYTES}`);
    completeStep(draft, step.id, output);
  } catch (error) {
    failAttempt(draft, step, { ...toErrorRecord(error), retryable: false });
  }
}

/** Parks the step on a sleep timer; a wake time already past succeeds at once. */
async function startSleep(draft: Draft, step: SleepStep): Promise<void> {
  const n = beginAttempt(draft, step.id);
  let wakeAt: number;
  try {
    wakeAt = await sleepTarget(draft, step);
  } catch (error) {
    return failAttempt(draft, step, { ...toErrorRecord(error), retryable: false });
  }
  if (wakeAt <= draft.now) return completeStep(draft, step.id, { sleptUntil: new Date(wakeAt).toISOString() });
  patchStep(draft, step.id, { status: "waiting" });
  setTimer(draft, { kind: "sleep", at: wakeAt, stepId: step.id, attempt: n });
}

/**
 * `duration` from now, or the time `until` yields: an ISO string or epoch ms. No value
 * (null or undefined) means there is nothing to wait for; any other value is an error.
 */
async function sleepTarget(draft: Draft, step: SleepStep): Promise<number> {
  if (step.until === undefined) return draft.now + parseDuration(step.duration ?? "0s");
  const value = await evaluateExpression(
    step.until,
    stepScope(draft.state, step.id),
    expressionOptions(draft, step.id),
  );
  if (value === undefined || value === null) return draft.now;
  const at = typeof value === "string" ? Date.parse(value) : typeof value === "number" ? value : Number.NaN;
  if (!Number.isFinite(at) || Number.isNaN(new Date(at).getTime())) {
    throw new NonRetryableError(
      "expression_error",
      `until \`${step.until}\` gave ${JSON.stringify(value)}, not an ISO time`,
      { expression: step.until },
    );
  }
  return at;
}
