// The run as the API returns it: ISO times, steps in definition order,
// every attempt. Pure projection of the engine's state.
import type { ErrorRecord } from "../errors";
import type { MapItemRecord } from "./item-store";
import type { Attempt, RunState, StepState, TriageRecord, TriggerInfo, Usage } from "./run-state";

export interface AttemptView {
  n: number;
  status: Attempt["status"];
  startedAt: string;
  finishedAt: string | null;
  error: ErrorRecord | null;
  httpStatus?: number;
  /** llm attempts: tokens, and cost when priced. */
  usage?: UsageView;
}

export interface UsageView {
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
}

/** One answer of failure triage, applied or refused (core/engine/triage.ts). */
export interface TriageView {
  action: string | null;
  reason: string;
  applied: boolean;
  refusal: string | null;
  error: ErrorRecord | null;
  retryAfterMs: number | null;
  attempt: number;
  at: string;
}

export interface StepView {
  id: string;
  type: string;
  status: StepState["status"];
  onFailure: boolean;
  input: unknown;
  output: unknown;
  error: ErrorRecord | null;
  skipReason: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  attempts: AttemptView[];
  /** workflow steps: the child run of the current attempt. */
  childRunId?: string;
  /** map steps: the items of the current round, by status (each item: GET …/steps/{stepId}/items). */
  items?: MapItemCounts;
  /** Failure triage answers, oldest first (workflows with `triage`). */
  triage?: TriageView[];
  /** While waiting on triage: `model` (its answer) or `person` (escalated to the approvals inbox). */
  triaging?: "model" | "person";
}

interface MapItemCounts {
  total: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  skipped: number;
  cancelled: number;
}

/** One item of a map, as GET /api/runs/{id}/steps/{stepId}/items lists it. */
export interface MapItemView {
  index: number;
  status: StepState["status"];
  item: unknown;
  output: unknown;
  error: ErrorRecord | null;
  startedAt: string | null;
  finishedAt: string | null;
  attempts: AttemptView[];
  childRunId?: string;
}

export interface RunView {
  id: string;
  workflow: string;
  version: number;
  status: RunState["status"];
  trigger: TriggerInfo;
  input: unknown;
  output: unknown;
  error: ErrorRecord | null;
  attempt: number;
  rerunOf: string | null;
  /** The run and step that started this run as a child (a `workflow` step), else null. */
  parent: { runId: string; stepId: string } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  steps: StepView[];
  /** Model usage of the run's llm steps and triage, summed; null when it made no model call. */
  usage: UsageView | null;
  /** Bytes of the run's Durable Object storage (GET /api/runs/{id} only). */
  storageBytes?: number;
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

export function toRunView(state: RunState): RunView {
  return {
    id: state.id,
    workflow: state.workflow,
    version: state.version,
    status: state.status,
    trigger: state.trigger,
    input: state.input ?? null,
    output: state.output ?? null,
    error: state.error ?? null,
    attempt: state.attempt,
    rerunOf: state.rerunOf ?? null,
    parent:
      state.trigger.type === "workflow"
        ? { runId: String(state.trigger.parentRunId), stepId: String(state.trigger.parentStepId) }
        : null,
    createdAt: iso(state.createdAt)!,
    startedAt: iso(state.startedAt),
    finishedAt: iso(state.finishedAt),
    // Items of maps in flight are steps of the run inside, but part of their map outside.
    steps: Object.values(state.steps)
      .filter((step) => !step.item)
      .map(toStepView),
    usage: state.usage ? toUsageView(state.usage) : null,
  };
}

export function toStepView(step: StepState): StepView {
  return {
    id: step.id,
    type: step.type,
    status: step.status,
    onFailure: step.onFailure ?? false,
    input: step.input ?? null,
    output: step.output ?? null,
    error: step.error ?? null,
    skipReason: step.skipReason ?? null,
    startedAt: iso(step.startedAt),
    finishedAt: iso(step.finishedAt),
    attempts: step.attempts.map(toAttemptView),
    ...(step.childRunId !== undefined ? { childRunId: step.childRunId } : {}),
    ...(step.map ? { items: itemCounts(step) } : {}),
    ...(step.triage ? { triage: step.triage.map(toTriageView) } : {}),
    ...(step.triaging ? { triaging: step.triaging } : {}),
  };
}

function toUsageView(usage: Usage): UsageView {
  return { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, costUsd: usage.costUsd ?? null };
}

function toTriageView(entry: TriageRecord): TriageView {
  return {
    action: entry.action,
    reason: entry.reason,
    applied: entry.applied,
    refusal: entry.refusal ?? null,
    error: entry.error ?? null,
    retryAfterMs: entry.retryAfterMs ?? null,
    attempt: entry.attempt,
    at: iso(entry.at)!,
  };
}

function toAttemptView(attempt: Attempt): AttemptView {
  return {
    n: attempt.n,
    status: attempt.status,
    startedAt: iso(attempt.startedAt)!,
    finishedAt: iso(attempt.finishedAt),
    error: attempt.error ?? null,
    ...(attempt.httpStatus !== undefined ? { httpStatus: attempt.httpStatus } : {}),
    ...(attempt.usage !== undefined ? { usage: toUsageView(attempt.usage) } : {}),
  };
}

function itemCounts(step: StepState): MapItemCounts {
  const { total, inFlight, succeeded, failed, skipped, cancelled } = step.map!;
  const running = inFlight.length;
  return {
    total,
    pending: total - running - succeeded - failed - skipped - cancelled,
    running,
    succeeded,
    failed,
    skipped,
    cancelled,
  };
}

/** An item from the store (`record` once it ended) or, while in flight, from the run's steps. */
export function toMapItemView(
  index: number,
  value: unknown,
  state: StepState | MapItemRecord | undefined,
): MapItemView {
  return {
    index,
    status: state?.status ?? "pending",
    item: value ?? null,
    output: state?.output ?? null,
    error: state?.error ?? null,
    startedAt: iso(state?.startedAt),
    finishedAt: iso(state?.finishedAt),
    attempts: (state?.attempts ?? []).map(toAttemptView),
    ...(state?.childRunId !== undefined ? { childRunId: state.childRunId } : {}),
  };
}
