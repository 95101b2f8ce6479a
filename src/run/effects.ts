// What each effect of a transition does, in one switch: a new effect type fails
// type-checking here until it is handled. Effects are written with the state that asks
// for them, in its transaction (transitions.ts): a task in the task ledger, a record for D1
// in the outbox, what the run owes others as a duty or a gate release, map items in the item
// store. Only then does anything leave the run (background.ts), from those records, so a
// crash in between loses nothing.
import type { Effect, TaskEffect } from "../core/engine/effects";
import type { RunState } from "../core/engine/run-state";
import { taskMessage } from "./blobs";
import type { Duties, LookbackDuty, NotifyParentDuty, StartChildDuty } from "./duties";
import type { GateLink } from "./gate-link";
import { runIndexRow, type ApprovalRecord, type AuditRecord, type WaiterRecord } from "./outbox";
import type { RunStorage } from "./storage";

/** What a transition's effects write with its state. */
export interface EffectWrites {
  /** The queue forms of the dispatched tasks (a large request goes to R2 first), for the task ledger. */
  tasks: Promise<TaskEffect>[];
  /** The other records, in the order of their effects, written after the tasks in the same transaction. */
  records: (() => void)[];
}

/** Where effects are written: the run's tables. */
export interface EffectTables {
  storage: RunStorage;
  duties: Duties;
  gates: GateLink;
}

interface Transition {
  before: RunState;
  state: RunState;
  now: number;
}

/** What `effects` write with the transition's state: nothing is written until the caller runs the writes in its transaction. */
export function planEffects(
  effects: readonly Effect[],
  transition: Transition,
  tables: EffectTables,
  bucket: R2Bucket,
): EffectWrites {
  const writes: EffectWrites = { tasks: [], records: [] };
  for (const effect of effects) planEffect(effect, transition, tables, bucket, writes);
  return writes;
}

function planEffect(
  effect: Effect,
  { before, state, now }: Transition,
  { storage, duties, gates }: EffectTables,
  bucket: R2Bucket,
  writes: EffectWrites,
): void {
  const write = (record: () => void) => void writes.records.push(record);
  const key = (stepId: string, attempt: number) => ({ runId: state.id, stepId, attempt });
  switch (effect.type) {
    case "dispatch":
      return void writes.tasks.push(taskMessage(bucket, effect));
    case "index":
      // A step's end also refreshes the index row (retries, usage): only a new run status is awaited.
      return write(() => storage.appendOutbox("index", runIndexRow(state, now), state.status !== before.status));
    case "audit":
      return write(() => storage.appendOutbox("audit", auditRecord(effect, state, now)));
    case "finished":
      return write(() => {
        gates.oweReleases();
        if (state.trigger.type === "workflow") duties.owe("notify_parent", "notify_parent", parentOf(state));
      });
    case "requeued":
      // Written with the queued state, so a crash cannot leave the run queued with no gate told.
      return write(() => duties.owe("readmit", "readmit", {}));
    case "map_items_created":
      return write(() => storage.insertItems(effect.stepId, effect.items));
    case "map_item_finished":
      return write(() => storage.finishItem(effect.record));
    case "approval_opened": {
      const { approvers, requestedAt } = effect;
      const opened = { workflowId: state.workflow, approvers, requestedAt, expiresAt: effect.expiresAt ?? null };
      const record = { op: "open", ...key(effect.stepId, effect.attempt), ...opened } satisfies ApprovalRecord;
      return write(() => storage.appendOutbox("approval", record));
    }
    case "approval_closed": {
      const closed = { outcome: effect.status, at: now };
      const record = { op: "close", ...key(effect.stepId, effect.attempt), ...closed } satisfies ApprovalRecord;
      return write(() => storage.appendOutbox("approval", record));
    }
    case "waiter_added": {
      const { stepId, attempt, event, since } = effect;
      const record = { op: "add", ...key(stepId, attempt), eventName: event, since, at: now } satisfies WaiterRecord;
      return write(() => {
        storage.appendOutbox("waiter", record);
        duties.owe(`lookback:${stepId}:${attempt}`, "lookback", {
          stepId,
          attempt,
          event,
          since,
        } satisfies LookbackDuty);
      });
    }
    case "waiter_removed": {
      const record = { op: "remove", ...key(effect.stepId, effect.attempt) } satisfies WaiterRecord;
      return write(() => {
        storage.appendOutbox("waiter", record);
        duties.settle(`lookback:${effect.stepId}:${effect.attempt}`);
      });
    }
    case "start_child": {
      const { stepId, childRunId, workflow, version, input, depth } = effect;
      const duty = { stepId, childRunId, workflow, version, input, depth } satisfies StartChildDuty;
      return write(() => duties.owe(`start:${childRunId}`, "start_child", duty));
    }
    case "cancel_child":
      return write(() => duties.owe(`cancel:${effect.childRunId}`, "cancel_child", { childRunId: effect.childRunId }));
    default: {
      const unhandled: never = effect;
      throw new Error(`effect ${(unhandled as { type: string }).type} is not handled`);
    }
  }
}

function auditRecord(effect: Extract<Effect, { type: "audit" }>, state: RunState, now: number): AuditRecord {
  const target = effect.stepId ? `run:${state.id}/step:${effect.stepId}` : `run:${state.id}`;
  const detail = { ...effect.detail, ...(effect.attempt !== undefined ? { attempt: effect.attempt } : {}) };
  return { at: now, action: effect.action, target, runId: state.id, detail };
}

/** The parent a child run tells that it finished. */
function parentOf(state: RunState): NotifyParentDuty {
  return { parentRunId: String(state.trigger.parentRunId), parentStepId: String(state.trigger.parentStepId) };
}
