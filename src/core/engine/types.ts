// The run engine's vocabulary: the state it owns, the events it accepts and the
// effects it asks the shell (the RunCoordinator Durable Object) to perform.
import type { ErrorRecord } from "../errors";

export const RUN_STATUSES = ["queued", "running", "waiting", "succeeded", "failed", "cancelled", "timed_out"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const FINISHED_RUN_STATUSES: readonly RunStatus[] = ["succeeded", "failed", "cancelled", "timed_out"];

export const STEP_STATUSES = ["pending", "running", "retrying", "waiting", "succeeded", "failed", "skipped", "cancelled"] as const;
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
  | "run_succeeded";

/** How the run was started (SPEC §4); free-form beyond `type`. */
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
}

export const TIMER_KINDS = ["retry", "deadline", "sleep", "run_timeout"] as const;
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
  /** Keyed by step id; main steps and onFailure steps share one namespace. */
  steps: Record<string, StepState>;
  /** Keyed by `timerKey(timer)`; at most one timer per kind and step. */
  timers: Record<string, Timer>;
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
  | { type: "finished"; status: RunStatus };

export type RunEvent =
  | { type: "start" }
  | { type: "step_completed"; stepId: string; attempt: number; output: unknown; httpStatus?: number }
  | { type: "step_failed"; stepId: string; attempt: number; error: ErrorRecord }
  /** Sent by the alarm: handles every timer with `at <= now`. */
  | { type: "timers_due" }
  | { type: "cancel"; reason?: string }
  /** Redrive: resume a failed, timed-out or cancelled run in place. */
  | { type: "retry" };

export interface TransitionResult {
  state: RunState;
  effects: Effect[];
}
