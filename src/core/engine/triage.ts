// Failure triage under policy. An I/O step of a workflow with `triage`
// that fails for good waits while a model, through the task queue, proposes one action.
// The engine applies it only when `allow` names it and the run attempt has actions left;
// a refused action, a triage that fails or gives no answer in time fails the step as it
// would have failed without triage. `escalate` turns the step into an approval.
// Here the failed step goes to triage; triage-decision.ts applies the answer.
import type { Step } from "../definition/schema";
import { TRIAGE_SECRET_PLACEHOLDER } from "../definition/check-triage";
import type { ErrorRecord } from "../errors";
import { secretPlaceholder } from "../secret-placeholder";
import type { StepState } from "./run-state";
import { clearStepTimers, currentAttempt, patchStep, setTimer, type Draft } from "./draft";

export const TRIAGE_TIMEOUT_MS = 60_000;
const TRIAGED_TYPES = new Set(["http", "llm", "retrieve"]);

/** Whether a step failing for good now goes to triage instead of failing. */
export function isTriaged(draft: Draft, step: Step): boolean {
  const state = draft.state.steps[step.id];
  return (
    draft.definition.triage !== undefined &&
    TRIAGED_TYPES.has(step.type) &&
    !!state &&
    !state.onFailure &&
    !state.item &&
    !draft.state.endingAs
  );
}

/** Parks the failed step and sends the triage task; its deadline is a timer like an attempt's. */
export function startTriage(draft: Draft, step: Step, error: ErrorRecord): void {
  const state = draft.state.steps[step.id]!;
  const attempt = currentAttempt(state)?.n ?? 1;
  const runId = draft.state.id;
  patchStep(draft, step.id, { status: "waiting", triaging: "model", error });
  clearStepTimers(draft, step.id);
  draft.effects.push({
    type: "dispatch",
    runId,
    stepId: step.id,
    attempt,
    stepType: "triage",
    request: triageRequest(draft, step, state, error),
    timeoutMs: TRIAGE_TIMEOUT_MS,
    idempotencyKey: `${runId}:${step.id}:triage:${attempt}`,
  });
  setTimer(draft, { kind: "deadline", at: draft.now + TRIAGE_TIMEOUT_MS, stepId: step.id, attempt });
}

/** What the model reads: the step as defined, its inputs (secrets still placeholders, masked by the consumer), every attempt's error. */
function triageRequest(draft: Draft, step: Step, state: StepState, error: ErrorRecord): Record<string, unknown> {
  const triage = draft.definition.triage!;
  const request: Record<string, unknown> = { provider: triage.provider, model: triage.model, allow: triage.allow };
  if (triage.baseUrl !== undefined) request.baseUrl = triage.baseUrl;
  if (triage.apiKey !== undefined)
    request.apiKey = triage.apiKey.replace(TRIAGE_SECRET_PLACEHOLDER, (_text, name: string) => secretPlaceholder(name));
  if (triage.pricing !== undefined) request.pricing = triage.pricing;
  const attempts = state.attempts
    .filter((attempt) => (attempt.runAttempt ?? 1) === draft.state.attempt)
    .map((attempt) => ({
      n: attempt.n,
      status: attempt.status,
      error: attempt.error ?? null,
      ...(attempt.httpStatus !== undefined ? { httpStatus: attempt.httpStatus } : {}),
    }));
  request.failure = { workflow: draft.definition.id, step, input: state.input ?? null, attempts, error };
  return request;
}
