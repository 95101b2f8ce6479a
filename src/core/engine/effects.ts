// What a transition returns: the new state, and the effects it asks the shell (the
// RunCoordinator Durable Object) to perform.
import type { MapItemRecord } from "./item-store";
import type { RunState, RunStatus, StepStatus } from "./run-state";

/** Names one task of a run: its step, attempt and type (a triage or notify shares the step's attempt). */
export interface TaskKey {
  stepId: string;
  attempt: number;
  stepType: string;
}

/** A task for the queue consumer: one attempt of one I/O step. */
export interface TaskEffect {
  type: "dispatch";
  runId: string;
  stepId: string;
  attempt: number;
  stepType: string;
  /** The resolved request (templates rendered; secrets as placeholders for the consumer). */
  request: unknown;
  /** Attempt deadline; the consumer aborts its own work by then. */
  timeoutMs: number;
  /** Value of the Idempotency-Key header. */
  idempotencyKey: string;
  /** http only: accepted statuses (undefined = any 2xx). */
  expect?: number[];
}

export type Effect =
  | TaskEffect
  /** Update the run's row in the D1 index (status, times). */
  | { type: "index" }
  /** Append an audit record for a run transition. */
  | { type: "audit"; action: string; stepId?: string; attempt?: number; detail?: Record<string, unknown> }
  /** The run reached a final status. */
  | { type: "finished"; status: RunStatus }
  /** A redriven run under flow control is queued again: its gates must be asked to start it. */
  | { type: "requeued" }
  /** A map evaluated its items: the shell stores them, one row per item. */
  | { type: "map_items_created"; stepId: string; items: unknown[] }
  /** An item of a map ended: the shell stores its record (and drops its step row). */
  | { type: "map_item_finished"; record: MapItemRecord }
  | HoldEffect;

/**
 * What a waiting step holds outside the run, opened when it starts waiting and closed
 * when it stops, whatever stopped it (see holds.ts): an entry in the approvals inbox, a
 * waiter in the event index, a child run.
 */
export type HoldEffect =
  | {
      type: "approval_opened";
      stepId: string;
      attempt: number;
      approvers: string[];
      requestedAt: number;
      expiresAt?: number;
    }
  | { type: "approval_closed"; stepId: string; attempt: number; status: StepStatus }
  | { type: "waiter_added"; stepId: string; attempt: number; event: string; since: number }
  | { type: "waiter_removed"; stepId: string; attempt: number }
  | {
      type: "start_child";
      stepId: string;
      attempt: number;
      childRunId: string;
      workflow: string;
      version?: number;
      input: unknown;
      depth: number;
    }
  | { type: "cancel_child"; stepId: string; childRunId: string };

export interface TransitionResult {
  state: RunState;
  effects: Effect[];
}
