// The run as the API returns it (SPEC §5): ISO times, steps in definition order,
// every attempt. Pure projection of the engine's state.
import type { ErrorRecord } from "../core/errors";
import type { Attempt, RunState, StepState, TriggerInfo } from "../core/engine/types";

export interface AttemptView {
  n: number;
  status: Attempt["status"];
  startedAt: string;
  finishedAt: string | null;
  error: ErrorRecord | null;
  httpStatus?: number;
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
    parent: state.trigger.type === "workflow" ? { runId: String(state.trigger.parentRunId), stepId: String(state.trigger.parentStepId) } : null,
    createdAt: iso(state.createdAt)!,
    startedAt: iso(state.startedAt),
    finishedAt: iso(state.finishedAt),
    steps: Object.values(state.steps).map(toStepView),
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
    attempts: step.attempts.map((attempt) => ({
      n: attempt.n,
      status: attempt.status,
      startedAt: iso(attempt.startedAt)!,
      finishedAt: iso(attempt.finishedAt),
      error: attempt.error ?? null,
      ...(attempt.httpStatus !== undefined ? { httpStatus: attempt.httpStatus } : {}),
    })),
    ...(step.childRunId !== undefined ? { childRunId: step.childRunId } : {}),
  };
}
