// A transition's hold effects (core/engine/holds.ts) become records in the same write
// as the state: inbox and waiter rows go through the outbox to D1, and what the run owes
// other runs (lookbacks, child starts and cancels, telling the parent) becomes a duty.
import type { Effect } from "../core/engine/effects";
import type { RunState } from "../core/engine/run-state";
import type { Duties } from "./duties";
import type { ApprovalRecord, WaiterRecord } from "./outbox";
import type { RunStorage } from "./storage";

export interface StartChildDuty {
  stepId: string;
  childRunId: string;
  workflow: string;
  version?: number;
  input: unknown;
  depth: number;
}

export interface LookbackDuty {
  stepId: string;
  attempt: number;
  event: string;
  since: number;
}

export interface NotifyParentDuty {
  parentRunId: string;
  parentStepId: string;
}

export function recordHold(effect: Effect, state: RunState, now: number, storage: RunStorage, duties: Duties): void {
  const key = (stepId: string) => ({ runId: state.id, stepId });
  switch (effect.type) {
    case "approval_opened": {
      const { approvers, attempt, requestedAt } = effect;
      storage.appendOutbox("approval", {
        op: "open",
        ...key(effect.stepId),
        attempt,
        workflowId: state.workflow,
        approvers,
        requestedAt,
        expiresAt: effect.expiresAt ?? null,
      } satisfies ApprovalRecord);
      break;
    }
    case "approval_closed":
      storage.appendOutbox("approval", {
        op: "close",
        ...key(effect.stepId),
        attempt: effect.attempt,
        outcome: effect.status,
        at: now,
      } satisfies ApprovalRecord);
      break;
    case "waiter_added":
      storage.appendOutbox("waiter", {
        op: "add",
        ...key(effect.stepId),
        attempt: effect.attempt,
        eventName: effect.event,
        since: effect.since,
        at: now,
      } satisfies WaiterRecord);
      duties.owe(`lookback:${effect.stepId}:${effect.attempt}`, "lookback", {
        stepId: effect.stepId,
        attempt: effect.attempt,
        event: effect.event,
        since: effect.since,
      } satisfies LookbackDuty);
      break;
    case "waiter_removed":
      storage.appendOutbox("waiter", {
        op: "remove",
        ...key(effect.stepId),
        attempt: effect.attempt,
      } satisfies WaiterRecord);
      duties.settle(`lookback:${effect.stepId}:${effect.attempt}`);
      break;
    case "start_child": {
      const { stepId, childRunId, workflow, version, input, depth } = effect;
      duties.owe(`start:${childRunId}`, "start_child", {
        stepId,
        childRunId,
        workflow,
        version,
        input,
        depth,
      } satisfies StartChildDuty);
      break;
    }
    case "cancel_child":
      duties.owe(`cancel:${effect.childRunId}`, "cancel_child", { childRunId: effect.childRunId });
      break;
    case "finished":
      if (state.trigger.type === "workflow") {
        const parent = {
          parentRunId: String(state.trigger.parentRunId),
          parentStepId: String(state.trigger.parentStepId),
        } satisfies NotifyParentDuty;
        duties.owe("notify_parent", "notify_parent", parent);
      }
      break;
  }
}
