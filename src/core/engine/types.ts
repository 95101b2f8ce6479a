// The run engine's vocabulary: the state it owns, the events it accepts and the
// effects it asks the shell (the RunCoordinator Durable Object) to perform.
import type { ErrorRecord } from "../errors";

export const RUN_STATUSES = ["queued", "running", "waiting", "succeeded", "failed", "cancelled", "timed_out"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const FINISHED_RUN_STATUSES: readonly RunStatus[] = ["succeeded", "failed", "cancelled", "timed_out"];
/** Every other status: the run still has work ahead (the watchdog's concern). */
export const UNFINISHED_RUN_STATUSES: readonly RunStatus[] = RUN_STATUSES.filter(
  (status) => !FINISHED_RUN_STATUSES.includes(status),
);

export const STEP_STATUSES = [
  "pending",
  "running",
  "retrying",
  "waiting",
  "succeeded",
  "failed",
  "skipped",
  "cancelled",
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const ATTEMPT_STATUSES = ["running", "succeeded", "failed", "cancelled"] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

/** Why a step was skipped; redrive re-evaluates every skipped step anyway. */
export type SkipReason =
  | "condition_false"
  | "need_failed"
  | "needs_skipped"
  /** Never started: the run failed or timed out first. */
  | "run_failed"
  /** An onFailure step of a run that did not fail. */
  | "run_succeeded"
  /** Failure triage chose to skip the failed step (triage.ts). */
  | "triage_skipped";

/** How the run was started; free-form beyond `type`. */
export interface TriggerInfo {
  type: "api" | "webhook" | "cron" | "event" | "rerun" | "workflow";
  [key: string]: unknown;
}

export interface Attempt {
  n: number;
  status: AttemptStatus;
  startedAt: number;
  finishedAt?: number;
  error?: ErrorRecord;
  httpStatus?: number;
  /** The run attempt (1 + redrives) this attempt belongs to; each redrive gets a fresh retry budget. */
  runAttempt?: number;
  /** Items of maps: the map's attempt this attempt belongs to; each round of the map gets a fresh budget. */
  mapRound?: number;
  /** Tokens (and cost, when priced) a model call of this attempt used (llm steps). */
  usage?: Usage;
}

/** Model usage of an attempt, a triage or a whole run. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** USD, when the step (or triage) gives `pricing`. */
  costUsd?: number;
}

/** One answer of failure triage on a step (triage.ts), applied or refused. */
export interface TriageRecord {
  /** The action the model proposed; null when triage gave no usable answer. */
  action: string | null;
  reason: string;
  applied: boolean;
  /** Why the engine did not apply it (not allowed, no actions left, triage failed). */
  refusal?: string;
  /** A triage that failed (model unreachable, invalid answer, no answer in time). */
  error?: ErrorRecord;
  retryAfterMs?: number;
  /** The failed attempt triaged, and the run attempt it belongs to (maxActions counts per run attempt). */
  attempt: number;
  runAttempt: number;
  at: number;
}

export interface StepState {
  id: string;
  type: string;
  status: StepStatus;
  /** True for steps declared in the definition's `onFailure` list. */
  onFailure?: boolean;
  /** The step's resolved input (e.g. the rendered HTTP request, secrets left as placeholders). */
  input?: unknown;
  output?: unknown;
  error?: ErrorRecord;
  skipReason?: SkipReason;
  startedAt?: number;
  finishedAt?: number;
  attempts: Attempt[];
  /** workflow steps: the child run of the current attempt, and its final status once known. */
  childRunId?: string;
  childStatus?: RunStatus;
  /** map steps: how far the current round got (see map.ts). */
  map?: MapProgress;
  /** An item of a map in flight, a step of its own under the key `<map>[<index>]` (see map.ts). */
  item?: MapItemRef;
  /** Failure triage answers on this step, oldest first. */
  triage?: TriageRecord[];
  /** While the failed step waits on triage: the model's answer, or a person (escalated). */
  triaging?: "model" | "person";
}

/** Which item of which map a step in flight is, and the item's value (`item` in its scope). */
export interface MapItemRef {
  map: string;
  index: number;
  value: unknown;
}

/**
 * A map step's round: items are started in index order, at most `concurrency` at once.
 * Only the items in flight live in the run's steps; finished ones leave to the item store,
 * so the map's own state stays O(concurrency) whatever the number of items.
 */
export interface MapProgress {
  total: number;
  concurrency: number;
  /** The next index to start. */
  next: number;
  /** Indexes in flight, as steps `<map>[<index>]`. */
  inFlight: number[];
  succeeded: number;
  failed: number;
  skipped: number;
  cancelled: number;
}

/** What the item store keeps of an item once it finished: its step state, without the value. */
export type MapItemRecord = Omit<StepState, "item" | "map"> & { map: string; index: number };

/**
 * The run's item store as the engine reads it (the shell keeps it in its own table).
 * Reads are synchronous and O(1) per item, except `outputs`, read once when a map succeeds.
 */
export interface MapItemStore {
  /** The value of an item, stored when its map first evaluated `items`. */
  value(map: string, index: number): unknown;
  /** How an item ended in an earlier round, if it did. */
  record(map: string, index: number): MapItemRecord | undefined;
  /** Every item's output in index order (null for items that did not succeed). */
  outputs(map: string, total: number): unknown[];
}

/** `timeout` bounds a waiting step (approval, wait, workflow); `deadline` bounds a task attempt. */
export const TIMER_KINDS = ["retry", "deadline", "sleep", "run_timeout", "timeout"] as const;
export type TimerKind = (typeof TIMER_KINDS)[number];

/** A persisted wake-up. The shell multiplexes all of them onto the Durable Object's one alarm. */
export interface Timer {
  kind: TimerKind;
  at: number;
  /** Absent for the run timeout. */
  stepId?: string;
  /** The attempt the timer belongs to; a timer for an older attempt is stale. */
  attempt?: number;
}

/** Why a run failed: the failing step's error (with its id), a run timeout or an output error. */
export interface RunError extends ErrorRecord {
  stepId?: string;
}

export interface RunState {
  id: string;
  workflow: string;
  version: number;
  status: RunStatus;
  trigger: TriggerInfo;
  input: unknown;
  output?: unknown;
  error?: RunError | null;
  /**
   * Set once the run has failed or timed out while its onFailure steps still run:
   * the status it finishes with. The status stays running/waiting meanwhile, so
   * reports from those steps are still accepted.
   */
  endingAs?: "failed" | "timed_out";
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** 1 for the first execution, +1 per redrive (exposed as `run.attempt`). */
  attempt: number;
  /** The run this one was rerun from, if any. */
  rerunOf?: string;
  /** Items its maps evaluated so far: they count towards the executed-steps limit. */
  mapItems?: number;
  /** Model usage summed over every attempt and triage of the run. */
  usage?: Usage;
  /** Keyed by step id; main steps and onFailure steps share one namespace. */
  steps: Record<string, StepState>;
  /** Keyed by `timerKey(timer)`; at most one timer per kind and step. */
  timers: Record<string, Timer>;
}

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

/** Who decided an approval: a token (name and role) or a signed link. */
export interface Decider {
  name: string;
  role?: string;
  /** A signed link, minted by someone admitted; it decides as `link`. */
  link?: boolean;
}

/** An event as a `wait` step's `match` sees it. */
export interface ReceivedEvent {
  id: string;
  name: string;
  payload: unknown;
  key: string | null;
  receivedAt: number;
}

export type RunEvent =
  | { type: "start" }
  | { type: "step_completed"; stepId: string; attempt: number; output: unknown; httpStatus?: number; usage?: Usage }
  | { type: "step_failed"; stepId: string; attempt: number; error: ErrorRecord; usage?: Usage }
  /** The answer of failure triage for a step waiting on it (triage.ts). */
  | {
      type: "triage_decided";
      stepId: string;
      attempt: number;
      outcome: { ok: true; output: unknown } | { ok: false; error: ErrorRecord };
      usage?: Usage;
    }
  /**
   * A consumer took an attempt's task off the queue and is about to run it: the attempt's
   * deadline starts now, so time spent waiting in the queue never counts against it.
   */
  | { type: "task_claimed"; stepId: string; attempt: number; timeoutMs: number }
  /** Sent by the alarm: handles every timer with `at <= now`. */
  | { type: "timers_due" }
  | { type: "cancel"; reason?: string }
  /** Redrive: resume a failed, timed-out or cancelled run in place; `queued` (runs under flow control) until its gate starts it again. */
  | { type: "retry"; queued?: boolean }
  /** A person (or a signed link) decided a waiting approval; admission is the shell's to check first. */
  | {
      type: "approval_decided";
      stepId: string;
      attempt: number;
      decision: "approve" | "reject";
      by: string;
      comment?: string;
    }
  /** An event with the name a waiting `wait` step listens for; its `match` decides. */
  | { type: "event_received"; stepId: string; attempt: number; event: ReceivedEvent }
  /** The child run of a `workflow` step finished. */
  | {
      type: "child_finished";
      stepId: string;
      childRunId: string;
      status: RunStatus;
      output?: unknown;
      error?: ErrorRecord | null;
    };

export interface TransitionResult {
  state: RunState;
  effects: Effect[];
}
