// The working copy one transition edits. The input state is never mutated: the draft
// holds a fresh top-level object whose `steps` and `timers` records are shallow copies,
// and every change replaces one entry with a new object. Untouched steps and timers
// keep their identity, which is how the shell knows what to persist.
import type { Definition } from "../definition/schema";
import type { Effect } from "./effects";
import type { MapItemRecord, MapItemStore } from "./item-store";
import type { Attempt, RunState, StepState, StepStatus, Timer } from "./run-state";
import { FINISHED_RUN_STATUSES } from "./run-state";
import { itemKey } from "./item-key";
import { StepCatalog } from "./step-catalog";
import { timerKey } from "./timers";

export interface Draft {
  readonly definition: Definition;
  readonly now: number;
  readonly state: RunState;
  readonly effects: Effect[];
  readonly stepDefinitions: StepCatalog;
  /** The run's item store as it stands in this transition (see map.ts). */
  readonly items: MapItemStore;
  /** What this transition wrote to the item store, read back before the store itself. */
  readonly itemWrites: { created: Map<string, unknown[]>; finished: Map<string, MapItemRecord> };
  /** Items that finished and left `state.steps` in this transition, in their final state. */
  readonly removedItems: Map<string, StepState>;
}

/** A store with no items: runs without maps, and tests that need none. */
const NO_ITEMS: MapItemStore = {
  value: () => undefined,
  record: () => undefined,
  outputs: (_map, total) => new Array<unknown>(total).fill(null),
};

/** Statuses of a step that holds work in flight (a task, a retry timer or a wait). */
export const ACTIVE_STEP_STATUSES: readonly StepStatus[] = ["running", "retrying", "waiting"];
/** Statuses that let dependents become due. */
export const FINISHED_STEP_STATUSES: readonly StepStatus[] = ["succeeded", "failed", "skipped"];
export const TERMINAL_STEP_STATUSES: readonly StepStatus[] = [...FINISHED_STEP_STATUSES, "cancelled"];

export function openDraft(definition: Definition, state: RunState, now: number, store: MapItemStore = NO_ITEMS): Draft {
  const working: RunState = { ...state, steps: { ...state.steps }, timers: { ...state.timers } };
  const itemWrites = { created: new Map<string, unknown[]>(), finished: new Map<string, MapItemRecord>() };
  const items: MapItemStore = {
    value: (map, index) =>
      itemWrites.created.has(map) ? itemWrites.created.get(map)![index] : store.value(map, index),
    record: (map, index) =>
      itemWrites.finished.get(itemKey(map, index)) ??
      (itemWrites.created.has(map) ? undefined : store.record(map, index)),
    outputs: (map, total) => {
      const outputs = itemWrites.created.has(map) ? new Array<unknown>(total).fill(null) : store.outputs(map, total);
      for (const record of itemWrites.finished.values()) {
        if (record.map === map) outputs[record.index] = record.status === "succeeded" ? (record.output ?? null) : null;
      }
      return outputs;
    },
  };
  return {
    definition,
    now,
    state: working,
    effects: [],
    stepDefinitions: new StepCatalog(definition),
    items,
    itemWrites,
    removedItems: new Map(),
  };
}

export function isRunFinished(state: RunState): boolean {
  return FINISHED_RUN_STATUSES.includes(state.status);
}

/** Replaces a step with a patched copy; `undefined` values remove the field. */
export function patchStep(draft: Draft, stepId: string, patch: Partial<StepState>): StepState {
  const next = withoutUndefined({ ...draft.state.steps[stepId]!, ...patch });
  draft.state.steps[stepId] = next;
  return next;
}

export function currentAttempt(step: StepState): Attempt | undefined {
  return step.attempts[step.attempts.length - 1];
}

/** Opens attempt n+1 (numbering continues across redrives so old reports stay stale). */
export function beginAttempt(draft: Draft, stepId: string): number {
  const step = draft.state.steps[stepId]!;
  const n = (currentAttempt(step)?.n ?? 0) + 1;
  const attempt: Attempt = { n, status: "running", startedAt: draft.now, runAttempt: draft.state.attempt };
  if (step.item) attempt.mapRound = mapRound(draft, step.item.map);
  const firstOfRound = step.status === "pending";
  patchStep(draft, stepId, {
    status: "running",
    attempts: [...step.attempts, attempt],
    ...(firstOfRound ? { startedAt: draft.now } : {}),
  });
  return n;
}

/** Patches the step's latest attempt. */
export function patchAttempt(draft: Draft, stepId: string, patch: Partial<Attempt>): void {
  const step = draft.state.steps[stepId]!;
  const last = currentAttempt(step);
  if (!last) return;
  patchStep(draft, stepId, { attempts: [...step.attempts.slice(0, -1), withoutUndefined({ ...last, ...patch })] });
}

/** Attempts made since the last redrive: what the retry policy counts. */
export function attemptsThisRound(draft: Draft, stepId: string): number {
  const step = draft.state.steps[stepId]!;
  if (step.item) {
    const round = mapRound(draft, step.item.map);
    return step.attempts.filter((attempt) => attempt.mapRound === round).length;
  }
  return step.attempts.filter((attempt) => (attempt.runAttempt ?? 1) === draft.state.attempt).length;
}

/** The current attempt of a map, which numbers the rounds of its items. */
function mapRound(draft: Draft, mapId: string): number {
  return currentAttempt(draft.state.steps[mapId]!)?.n ?? 1;
}

export function setTimer(draft: Draft, timer: Timer): void {
  draft.state.timers[timerKey(timer)] = timer;
}

export function clearStepTimers(draft: Draft, stepId: string): void {
  for (const [key, timer] of Object.entries(draft.state.timers)) {
    if (timer.stepId === stepId) delete draft.state.timers[key];
  }
}

export function audit(
  draft: Draft,
  action: string,
  extra: { stepId?: string; attempt?: number; detail?: Record<string, unknown> } = {},
): void {
  draft.effects.push(withoutUndefined({ type: "audit" as const, action, ...extra }));
}

/** At most one index effect per transition: the shell rewrites the whole row anyway. */
export function emitIndex(draft: Draft): void {
  if (!draft.effects.some((effect) => effect.type === "index")) draft.effects.push({ type: "index" });
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
