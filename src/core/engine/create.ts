// A run's first state, and what a rerun carries over from the run it repeats.
import { neutralizePlaceholders } from "../secret-placeholder";
import type { Definition } from "../definition/schema";
import { dependentsOf } from "../definition/graph";
import { NonRetryableError } from "../errors";
import type { RunState, StepState, TriggerInfo } from "./run-state";

export interface RunInit {
  id: string;
  workflow: string;
  version: number;
  trigger: TriggerInfo;
  input: unknown;
  createdAt: number;
  rerunOf?: string;
  /** Steps copied from an earlier run (see planRerun); they replace the pending entries. */
  carriedSteps?: Record<string, StepState>;
}

/** Every step pending (onFailure steps flagged), the run queued until its `start` event. */
export function createRunState(definition: Definition, init: RunInit): RunState {
  const steps: Record<string, StepState> = {};
  for (const step of definition.steps)
    steps[step.id] = { id: step.id, type: step.type, status: "pending", attempts: [] };
  for (const step of definition.onFailure ?? [])
    steps[step.id] = { id: step.id, type: step.type, status: "pending", onFailure: true, attempts: [] };
  for (const [id, carried] of Object.entries(init.carriedSteps ?? {})) {
    if (steps[id]) steps[id] = carried;
  }
  const state: RunState = {
    id: init.id,
    workflow: init.workflow,
    version: init.version,
    status: "queued",
    trigger: neutralizePlaceholders(init.trigger),
    input: neutralizePlaceholders(init.input),
    error: null,
    createdAt: init.createdAt,
    attempt: 1,
    steps,
    timers: {},
  };
  if (init.rerunOf !== undefined) state.rerunOf = init.rerunOf;
  return state;
}

/**
 * The steps a rerun from `fromStep` keeps: the previous run's succeeded main steps,
 * except `fromStep` and everything (transitively) downstream of it, which run again.
 * Without `fromStep` a rerun starts from scratch and nothing is carried.
 */
export function planRerun(definition: Definition, previous: RunState, fromStep?: string): Record<string, StepState> {
  if (fromStep === undefined) return {};
  if (!definition.steps.some((step) => step.id === fromStep)) {
    throw new NonRetryableError("unknown_step", `workflow ${definition.id} has no step ${fromStep}`);
  }
  const rerun = downstreamOf(definition, fromStep);
  const carried: Record<string, StepState> = {};
  for (const step of definition.steps) {
    const old = previous.steps[step.id];
    if (!rerun.has(step.id) && old?.status === "succeeded") carried[step.id] = old;
  }
  return carried;
}

function downstreamOf(definition: Definition, stepId: string): Set<string> {
  const dependents = dependentsOf(definition.steps);
  const seen = new Set<string>([stepId]);
  const queue = [stepId];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const next of dependents.get(id) ?? []) {
      if (!seen.has(next)) queue.push(next), seen.add(next);
    }
  }
  return seen;
}
