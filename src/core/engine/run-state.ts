// The state the run engine owns: the run, its steps with their attempts, and its timers.
// The shell persists it; only a transition changes it.
import type { ErrorRecord } from "../errors";

export const RUN_STATUSES = ["queued", "running", "waiting", "succeeded", "failed", "cancelled", "timed_out"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const FINISHED_RUN_STATUSES: readonly RunStatus[] = ["succeeded", "failed", "cancelled", "timed_out"];
/** Every other status: the run still has work ahead (the watchdog's concern). */
export const UNFINISHED_RUN_STATUSES: readonly RunStatus[] = RUN_STATUSES.filter(
  (status) => !FINISHED_RUN_STATUSES.includes(status),
);

const STEP_STATUSES = [
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

const ATTEMPT_STATUSES = ["running", "succeeded", "failed", "cancelled"] as const;
type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

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
interface MapItemRef {
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

/** `timeout` bounds a waiting step (approval, wait, workflow); `deadline` bounds a task attempt. */
const TIMER_KINDS = ["retry", "deadline", "sleep", "run_timeout", "timeout"] as const;
type TimerKind = (typeof TIMER_KINDS)[number];

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
