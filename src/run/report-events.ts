// What a consumer's report becomes for the engine, validated at the RPC boundary.
import type { RunEvent } from "../core/engine/events";
import { taskReportSchema, type TaskReport } from "../durable/run-commands";

/** A task's outcome: the step's attempt completed or failed. */
export function taskReportEvent(report: TaskReport): RunEvent {
  const { outcome, stepId, attempt } = taskReportSchema.parse(report);
  const usage = outcome.usage ? { usage: outcome.usage } : {};
  return outcome.ok
    ? { type: "step_completed", stepId, attempt, output: outcome.output, httpStatus: outcome.httpStatus, ...usage }
    : { type: "step_failed", stepId, attempt, error: outcome.error, ...usage };
}

/** The answer of failure triage for a step that waits on it (core/engine/triage.ts). */
export function triageReportEvent(report: TaskReport): RunEvent {
  const { stepId, attempt, outcome } = taskReportSchema.parse(report);
  const answer = outcome.ok
    ? { ok: true as const, output: outcome.output }
    : { ok: false as const, error: outcome.error };
  return {
    type: "triage_decided",
    stepId,
    attempt,
    outcome: answer,
    ...(outcome.usage ? { usage: outcome.usage } : {}),
  };
}
