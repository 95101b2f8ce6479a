// Workflow steps: the step starts a child run and waits for its end. The child's
// id is derived from (run, step, attempt), so a retried start reaches the same child,
// while a retry of the step (a new attempt) starts a new one.
import type { WorkflowStep } from "../definition/schema";
import { parseDuration } from "../duration";
import { toErrorRecord, type ErrorRecord } from "../errors";
import { renderTemplate } from "../expr";
import { deterministicRunId } from "../run-id";
import type { RunStatus } from "./run-state";
import { failAttempt } from "./attempt-failure";
import { beginAttempt, patchStep, setTimer, type Draft } from "./draft";
import { completeStep } from "./outcome";
import { expressionOptions, stepScope } from "./scope";

/** Child runs nest at most 10 deep. A run started by a trigger has depth 1. */
const MAX_RUN_DEPTH = 10;

function runDepth(trigger: { type: string; depth?: unknown }): number {
  return trigger.type === "workflow" && typeof trigger.depth === "number" ? trigger.depth : 1;
}

export async function startChildRun(draft: Draft, step: WorkflowStep): Promise<void> {
  const n = beginAttempt(draft, step.id);
  const depth = runDepth(draft.state.trigger) + 1;
  if (depth > MAX_RUN_DEPTH) {
    const message = `a child run would be ${depth} levels deep; the limit is ${MAX_RUN_DEPTH}`;
    return failAttempt(draft, step, { code: "depth_exceeded", message, retryable: false });
  }
  let input: unknown;
  try {
    input = await renderTemplate(step.input ?? {}, stepScope(draft.state, step.id), expressionOptions(draft, step.id));
  } catch (error) {
    return failAttempt(draft, step, { ...toErrorRecord(error), retryable: false });
  }
  const childRunId = await deterministicRunId(draft.now, `${draft.state.id}:${step.id}:${n}`);
  const request: Record<string, unknown> = { workflow: step.workflow, input, depth };
  if (step.version !== undefined) request.version = step.version;
  patchStep(draft, step.id, { status: "waiting", input: request, childRunId, childStatus: undefined });
  if (step.timeout !== undefined)
    setTimer(draft, { kind: "timeout", at: draft.now + parseDuration(step.timeout), stepId: step.id, attempt: n });
}

/** The child's end is the step's: its output, or a failure the step's retry policy may retry. */
export function finishChildRun(
  draft: Draft,
  step: WorkflowStep,
  status: RunStatus,
  output: unknown,
  error: ErrorRecord | null | undefined,
): void {
  const childRunId = draft.state.steps[step.id]!.childRunId;
  patchStep(draft, step.id, { childStatus: status });
  if (status === "succeeded") return completeStep(draft, step.id, output);
  // A child that never started (unknown workflow, rejected input) will not start on a retry either.
  if (error?.code === "child_not_started") return failAttempt(draft, step, error);
  const reason = error ? `: ${error.code}: ${error.message}` : "";
  if (status === "cancelled")
    return failAttempt(draft, step, {
      code: "child_cancelled",
      message: `child run ${childRunId} was cancelled${reason}`,
      retryable: false,
    });
  failAttempt(draft, step, {
    code: "child_failed",
    message: `child run ${childRunId} ended ${status}${reason}`,
    retryable: true,
  });
}

export function timeOutChildRun(draft: Draft, step: WorkflowStep): void {
  failAttempt(draft, step, {
    code: "timed_out",
    message: `the child run did not finish within ${step.timeout}`,
    retryable: true,
  });
}
