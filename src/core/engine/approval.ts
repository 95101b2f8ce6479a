// Approval steps: the step waits for a person. Who may decide is checked here
// too, as a pure rule the shell applies before it sends the decision in.
import type { ApprovalStep, Definition } from "../definition/schema";
import { parseDuration } from "../duration";
import { approvalLinkPlaceholder } from "../approval-link-placeholder";
import { toErrorRecord } from "../errors";
import { renderTemplate } from "../expr";
import { includesRole, isRole } from "../roles";
import type { RunState } from "./run-state";
import { failAttempt } from "./attempt-failure";
import { audit, beginAttempt, currentAttempt, patchStep, setTimer, type Draft } from "./draft";
import { completeStep } from "./outcome";
import { resolveStep } from "./step-catalog";
import { expressionOptions, secretPlaceholders, stepScope } from "./scope";

export type ApprovalDecision = "approve" | "reject";

/** Who decided an approval: a token (name and role) or a signed link. */
export interface Decider {
  name: string;
  role?: string;
  /** A signed link, minted by someone admitted; it decides as `link`. */
  link?: boolean;
}

/**
 * How long a signed approval link stays valid when the approval has no timeout: the links
 * in a `notify` request and those minted by POST /api/runs/{id}/steps/{stepId}/links.
 */
export const DEFAULT_APPROVAL_LINK_MS = 7 * 24 * 60 * 60_000;
const NOTIFY_TIMEOUT_MS = 30_000;

/** Parks the step until a decision or its timeout, and sends its `notify` request if it has one. */
export async function startApproval(draft: Draft, step: ApprovalStep): Promise<void> {
  const n = beginAttempt(draft, step.id);
  const expiresAt = step.timeout === undefined ? undefined : draft.now + parseDuration(step.timeout);
  const input: Record<string, unknown> = { approvers: step.approvers ?? [] };
  if (expiresAt !== undefined) input.expiresAt = new Date(expiresAt).toISOString();
  if (step.notify !== undefined) {
    try {
      input.notify = await renderNotify(draft, step, expiresAt);
    } catch (error) {
      return failAttempt(draft, step, { ...toErrorRecord(error), retryable: false });
    }
  }
  patchStep(draft, step.id, { status: "waiting", input });
  if (expiresAt !== undefined) setTimer(draft, { kind: "timeout", at: expiresAt, stepId: step.id, attempt: n });
  if (input.notify !== undefined) {
    const runId = draft.state.id;
    // Best effort, sent once per attempt: its outcome does not decide anything.
    draft.effects.push({
      type: "dispatch",
      runId,
      stepId: step.id,
      attempt: n,
      stepType: "notify",
      request: input.notify,
      timeoutMs: NOTIFY_TIMEOUT_MS,
      idempotencyKey: `${runId}:${step.id}:notify`,
    });
  }
}

/** The notify request, with `approval.*` in scope; links are placeholders the consumer signs. */
async function renderNotify(
  draft: Draft,
  step: ApprovalStep,
  expiresAt: number | undefined,
): Promise<Record<string, unknown>> {
  const linkExpiry = expiresAt ?? draft.now + DEFAULT_APPROVAL_LINK_MS;
  const approval = {
    approveUrl: approvalLinkPlaceholder("approve", linkExpiry),
    rejectUrl: approvalLinkPlaceholder("reject", linkExpiry),
    expiresAt: new Date(linkExpiry).toISOString(),
  };
  const scope = { ...stepScope(draft.state, step.id, { secrets: secretPlaceholders(step.notify) }), approval };
  const rendered = (await renderTemplate(step.notify, scope, expressionOptions(draft, step.id))) as Record<
    string,
    unknown
  >;
  const request: Record<string, unknown> = {
    method: rendered.method ?? "POST",
    url: rendered.url,
    headers: rendered.headers ?? {},
    query: rendered.query ?? {},
  };
  if (rendered.body !== undefined) request.body = rendered.body;
  return request;
}

export function decideApproval(
  draft: Draft,
  step: ApprovalStep,
  decision: ApprovalDecision,
  by: string,
  comment?: string,
): void {
  audit(draft, "approval.decided", {
    stepId: step.id,
    attempt: currentAttempt(draft.state.steps[step.id]!)?.n,
    detail: { decision, by, comment: comment ?? null },
  });
  settle(draft, step, decision, by, comment ?? null);
}

/** `onTimeout`: reject (default) or approve as decided by "timeout", or fail with `timed_out`. */
export function timeOutApproval(draft: Draft, step: ApprovalStep): void {
  const onTimeout = step.onTimeout ?? "reject";
  const message = `no decision within ${step.timeout}`;
  if (onTimeout === "fail") return failAttempt(draft, step, { code: "timed_out", message, retryable: false });
  audit(draft, "approval.timed_out", { stepId: step.id, detail: { onTimeout } });
  settle(draft, step, onTimeout, "timeout", message);
}

function settle(
  draft: Draft,
  step: ApprovalStep,
  decision: ApprovalDecision,
  by: string,
  comment: string | null,
): void {
  const output = {
    decision: decision === "approve" ? "approved" : "rejected",
    by,
    comment,
    at: new Date(draft.now).toISOString(),
  };
  if (decision === "approve") return completeStep(draft, step.id, output);
  // The output is kept on the failed step so `onError: continue` + `if` can route on it.
  patchStep(draft, step.id, { output });
  failAttempt(draft, step, {
    code: "rejected",
    message: `rejected by ${by}${comment ? `: ${comment}` : ""}`,
    retryable: false,
  });
}

export interface ApprovalRefusal {
  code: "not_found" | "invalid_state" | "forbidden";
  message: string;
}

/**
 * Why `decider` may not decide `stepId` now, or undefined when they may. `approvers`
 * entries that are role names admit that role and above; other entries are token names.
 * Without approvers any operator may decide. A signed link was minted by someone admitted.
 */
export function approvalRefusal(
  workflow: Pick<Definition, "steps" | "onFailure">,
  state: RunState,
  stepId: string,
  decider: Decider,
  attempt?: number,
): ApprovalRefusal | undefined {
  // Items of maps included: an approval inside a map is decided as `<map>[<index>]`.
  const definition = resolveStep(workflow, stepId) as { type: string; approvers?: string[] } | undefined;
  const step = state.steps[stepId];
  if (!definition || !step) return { code: "not_found", message: `run ${state.id} has no step ${stepId}` };
  // A failed step that triage escalated is decided like an approval (triage.ts).
  if (definition.type !== "approval" && step.triaging !== "person")
    return { code: "invalid_state", message: `step ${stepId} is a ${definition.type} step, not an approval` };
  const current = currentAttempt(step)?.n;
  if (step.status !== "waiting")
    return { code: "invalid_state", message: `step ${stepId} is ${step.status}, not waiting for a decision` };
  if (attempt !== undefined && attempt !== current)
    return {
      code: "invalid_state",
      message: `this decision was for attempt ${attempt} of step ${stepId}, which is over`,
    };
  if (!isAdmitted(definition.approvers ?? [], decider)) {
    return { code: "forbidden", message: `${decider.name} is not among the approvers of step ${stepId}` };
  }
  return undefined;
}

function isAdmitted(approvers: readonly string[], decider: Decider): boolean {
  if (decider.link) return true;
  const role = decider.role ?? "";
  if (approvers.length === 0) return includesRole(role, "operator");
  return approvers.some((entry) => (isRole(entry) ? includesRole(role, entry) : entry === decider.name));
}
