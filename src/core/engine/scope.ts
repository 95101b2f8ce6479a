// What expressions and templates see: input, steps.<id>.{output,status}, run,
// `item`/`index` inside a map, and for I/O steps `secrets` as placeholders the consumer
// substitutes after decryption, so secret values never enter the run state.
import type { EvaluateOptions } from "../expr";
import { secretPlaceholder } from "../secret-placeholder";
import { currentAttempt, type Draft } from "./draft";
import type { RunState } from "./run-state";

const SECRET_REFERENCE = /secrets\.([A-Za-z_][A-Za-z0-9_]*)/g;

export function buildScope(state: RunState, extra: { secrets?: Record<string, string> } = {}): Record<string, unknown> {
  const steps: Record<string, { output: unknown; status: string }> = {};
  for (const step of Object.values(state.steps)) {
    if (!step.item) steps[step.id] = { output: step.output, status: step.status };
  }
  const run: Record<string, unknown> = {
    id: state.id,
    workflow: state.workflow,
    version: state.version,
    trigger: state.trigger,
    attempt: state.attempt,
  };
  if (state.error) run.error = state.error;
  return { input: state.input, steps, run, ...extra };
}

/** The scope of one step: `buildScope`, plus `item` and `index` when the step is an item of a map. */
export function stepScope(
  state: RunState,
  stepId: string,
  extra: { secrets?: Record<string, string> } = {},
): Record<string, unknown> {
  const scope = buildScope(state, extra);
  const item = state.steps[stepId]?.item;
  return item ? { ...scope, item: item.value, index: item.index } : scope;
}

/** A placeholder for every secret name the step's definition mentions. */
export function secretPlaceholders(step: unknown): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const match of JSON.stringify(step).matchAll(SECRET_REFERENCE))
    secrets[match[1]!] = secretPlaceholder(match[1]!);
  return secrets;
}

/** JSONata's `$boolean` casting, so `if` reads the way the expression language does. */
export function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "boolean") return value;
  if (typeof value === "string") return value.length > 0;
  if (typeof value === "number") return value !== 0;
  if (Array.isArray(value)) return value.some(isTruthy);
  if (typeof value === "object") return Object.keys(value).length > 0;
  return false;
}

/**
 * What an expression of step `stepId` is evaluated with: the engine's clock, and a seed for
 * `$random` and `$shuffle` from the run, the step and its current attempt, so a replayed
 * transition draws the same numbers and a retry draws new ones. Without a step: the run's output.
 */
export function expressionOptions(draft: Draft, stepId?: string): EvaluateOptions {
  const { state } = draft;
  if (stepId === undefined) return { now: draft.now, seed: `${state.id}#output:${state.attempt}` };
  const attempt = currentAttempt(state.steps[stepId]!)?.n ?? 0;
  return { now: draft.now, seed: `${state.id}:${stepId}:${attempt}` };
}
