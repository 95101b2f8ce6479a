// Failure triage, second half: the model's answer (or a person's decision on an
// escalated step) is applied when policy admits it. It starts the step again on `retry`,
// so it sits above start-step.ts, while triage.ts sits below the step executors.
import type { Step, Triage } from "../definition/schema";
import { TRIAGE_ACTIONS } from "../definition/schema";
import type { ErrorRecord } from "../errors";
import type { RunState, TriageRecord } from "./run-state";
import { audit, clearStepTimers, currentAttempt, patchStep, setTimer, type Draft } from "./draft";
import { failStep, skipStep } from "./outcome";
import { startStep } from "./start-step";
import { TRIAGE_TIMEOUT_MS } from "./triage";

const DEFAULT_MAX_TRIAGE_ACTIONS = 3;
/** A model asking to wait longer than this before a retry waits this long. */
const MAX_TRIAGE_RETRY_AFTER_MS = 60 * 60_000;

/** The triage task answered (or failed): apply the action when policy admits it, else fail the step. */
export async function decideTriage(
  draft: Draft,
  step: Step,
  outcome: { ok: true; output: unknown } | { ok: false; error: ErrorRecord },
): Promise<void> {
  clearStepTimers(draft, step.id);
  if (!outcome.ok)
    return refuse(
      draft,
      step,
      { action: null, reason: "", error: outcome.error },
      `triage failed: ${outcome.error.message}`,
    );
  const answer = readAnswer(outcome.output);
  const triage = draft.definition.triage!;
  const refusal = refusalOf(draft.state, triage, answer.action);
  if (refusal) return refuse(draft, step, answer, refusal);
  record(draft, step, { ...answer, applied: true });
  await apply(draft, step, answer.action as (typeof TRIAGE_ACTIONS)[number], answer.retryAfterMs);
}

/** No answer within the triage deadline. */
export function timeOutTriage(draft: Draft, step: Step): Promise<void> {
  const error = {
    code: "timed_out",
    message: `triage gave no answer within ${TRIAGE_TIMEOUT_MS / 1000}s`,
    retryable: false,
  };
  return decideTriage(draft, step, { ok: false, error });
}

/** A person decided an escalated step: approve runs it again, reject fails it with its error. */
export async function decideEscalation(
  draft: Draft,
  step: Step,
  decision: "approve" | "reject",
  by: string,
  comment?: string,
): Promise<void> {
  const state = draft.state.steps[step.id]!;
  audit(draft, "approval.decided", {
    stepId: step.id,
    attempt: currentAttempt(state)?.n,
    detail: { decision, by, comment: comment ?? null, escalated: true },
  });
  patchStep(draft, step.id, { triaging: undefined });
  if (decision === "approve") return startStep(draft, step);
  const error = state.error ?? { code: "rejected", message: `rejected by ${by}`, retryable: false };
  failStep(draft, step, error);
}

/** Actions applied in this run attempt, across steps: what `maxActions` bounds. */
function triageActionsUsed(state: RunState): number {
  let used = 0;
  for (const step of Object.values(state.steps))
    used += (step.triage ?? []).filter((entry) => entry.applied && entry.runAttempt === state.attempt).length;
  return used;
}

interface Answer {
  action: string | null;
  reason: string;
  retryAfterMs?: number;
  error?: ErrorRecord;
}

/** The consumer validated the shape; the engine reads it defensively all the same. */
function readAnswer(output: unknown): Answer {
  const fields = (output ?? {}) as { action?: unknown; reason?: unknown; retryAfter?: unknown };
  const action = typeof fields.action === "string" ? fields.action : null;
  const reason = typeof fields.reason === "string" ? fields.reason : "";
  const seconds =
    typeof fields.retryAfter === "number" && Number.isFinite(fields.retryAfter)
      ? Math.max(0, fields.retryAfter)
      : undefined;
  return {
    action,
    reason,
    ...(seconds !== undefined ? { retryAfterMs: Math.min(seconds * 1000, MAX_TRIAGE_RETRY_AFTER_MS) } : {}),
  };
}

function refusalOf(state: RunState, triage: Triage, action: string | null): string | undefined {
  if (action === null || !(TRIAGE_ACTIONS as readonly string[]).includes(action))
    return `"${action}" is not a triage action`;
  if (!(triage.allow as string[]).includes(action))
    return `"${action}" is not allowed (allow: ${triage.allow.join(", ")})`;
  const max = triage.maxActions ?? DEFAULT_MAX_TRIAGE_ACTIONS;
  if (triageActionsUsed(state) >= max) return `the run used its ${max} triage action${max === 1 ? "" : "s"}`;
  return undefined;
}

function refuse(draft: Draft, step: Step, answer: Answer, refusal: string): void {
  record(draft, step, { ...answer, applied: false, refusal });
  const state = draft.state.steps[step.id]!;
  failStep(draft, step, state.error ?? { code: "failed", message: "the step failed", retryable: false });
}

function record(draft: Draft, step: Step, answer: Answer & { applied: boolean; refusal?: string }): void {
  const state = draft.state.steps[step.id]!;
  const attempt = currentAttempt(state)?.n ?? 1;
  const entry: TriageRecord = {
    action: answer.action,
    reason: answer.reason,
    applied: answer.applied,
    attempt,
    runAttempt: draft.state.attempt,
    at: draft.now,
  };
  if (answer.refusal !== undefined) entry.refusal = answer.refusal;
  if (answer.error !== undefined) entry.error = answer.error;
  if (answer.retryAfterMs !== undefined) entry.retryAfterMs = answer.retryAfterMs;
  patchStep(draft, step.id, { triage: [...(state.triage ?? []), entry], triaging: undefined });
  const { at: _at, runAttempt: _runAttempt, attempt: _attempt, ...detail } = entry;
  audit(draft, "triage.decided", { stepId: step.id, attempt, detail: { ...detail } });
}

async function apply(
  draft: Draft,
  step: Step,
  action: (typeof TRIAGE_ACTIONS)[number],
  retryAfterMs: number | undefined,
): Promise<void> {
  const state = draft.state.steps[step.id]!;
  switch (action) {
    case "retry":
      if (!retryAfterMs) return startStep(draft, step);
      patchStep(draft, step.id, { status: "retrying" });
      setTimer(draft, {
        kind: "retry",
        at: draft.now + retryAfterMs,
        stepId: step.id,
        attempt: currentAttempt(state)?.n ?? 1,
      });
      return;
    case "skip":
      // The error stays on the step: it shows why triage skipped it.
      skipStep(draft, step.id, "triage_skipped");
      audit(draft, "step.skipped", { stepId: step.id, detail: { reason: "triage_skipped" } });
      return;
    case "fail":
      return failStep(draft, step, state.error ?? { code: "failed", message: "the step failed", retryable: false });
    case "escalate":
      patchStep(draft, step.id, { status: "waiting", triaging: "person" });
      return;
  }
}
