// What a waiting step holds outside the run (an inbox entry, an event waiter, a child run)
// is opened when the step starts waiting and closed when it stops — decided, matched,
// timed out, cancelled or failed with the run. Derived by comparing the states before and
// after a transition, so no path that ends a wait can forget to close what it held.
import type { ApprovalStep, WaitStep, WorkflowStep } from "../definition/schema";
import type { HoldEffect } from "./effects";
import type { RunState, StepState } from "./run-state";
import { currentAttempt, type Draft } from "./draft";
import { timerKey } from "./timers";
import { waitSince } from "./wait";

const HOLDING_TYPES = new Set(["approval", "wait", "workflow"]);

export function holdEffects(draft: Draft, before: RunState): HoldEffect[] {
  const effects: HoldEffect[] = [];
  // Items of maps that ended in this transition have left the steps: they close what they held too.
  for (const step of [...Object.values(draft.state.steps), ...draft.removedItems.values()]) {
    const old = before.steps[step.id];
    if (old === step || !(HOLDING_TYPES.has(step.type) || isEscalated(step) || isEscalated(old))) continue;
    const held = heldAttempt(old);
    const holds = heldAttempt(step);
    if (held === holds) continue;
    if (old && held !== undefined) effects.push(...close(old, step, held));
    if (holds !== undefined) effects.push(open(draft, step, holds));
  }
  return effects;
}

function heldAttempt(step: StepState | undefined): number | undefined {
  const holding = step !== undefined && (HOLDING_TYPES.has(step.type) || isEscalated(step));
  return holding && step.status === "waiting" ? currentAttempt(step)?.n : undefined;
}

/** A failed step that triage escalated waits in the approvals inbox (triage.ts), any operator deciding. */
function isEscalated(step: StepState | undefined): boolean {
  return step?.triaging === "person";
}

function open(draft: Draft, step: StepState, attempt: number): HoldEffect {
  const definition = draft.stepDefinitions.get(step.id)!;
  const startedAt = currentAttempt(step)!.startedAt;
  if (isEscalated(step))
    return { type: "approval_opened", stepId: step.id, attempt, approvers: [], requestedAt: draft.now };
  if (definition.type === "approval") {
    const expiresAt = draft.state.timers[timerKey({ kind: "timeout", stepId: step.id })]?.at;
    const approvers = (definition as ApprovalStep).approvers ?? [];
    return {
      type: "approval_opened",
      stepId: step.id,
      attempt,
      approvers,
      requestedAt: startedAt,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    };
  }
  if (definition.type === "wait") {
    const wait = definition as WaitStep;
    return { type: "waiter_added", stepId: step.id, attempt, event: wait.event, since: waitSince(wait, startedAt) };
  }
  const child = definition as WorkflowStep;
  const request = step.input as { input: unknown; depth: number };
  return {
    type: "start_child",
    stepId: step.id,
    attempt,
    childRunId: step.childRunId!,
    workflow: child.workflow,
    ...(child.version !== undefined ? { version: child.version } : {}),
    input: request.input,
    depth: request.depth,
  };
}

function close(old: StepState, now: StepState, attempt: number): HoldEffect[] {
  if (old.type === "approval" || isEscalated(old))
    return [{ type: "approval_closed", stepId: old.id, attempt, status: now.status }];
  if (old.type === "wait") return [{ type: "waiter_removed", stepId: old.id, attempt }];
  // A child that has not ended on its own is cancelled with the step.
  const ended = now.childRunId === old.childRunId && now.childStatus !== undefined;
  return old.childRunId && !ended ? [{ type: "cancel_child", stepId: old.id, childRunId: old.childRunId }] : [];
}
