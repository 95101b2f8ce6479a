// The pump of map steps (see map.ts): after every step of a transition it records the
// items that ended, starts the next ones up to `concurrency`, and ends the map when all
// ended. It starts items as steps of their own, so it sits above start-step.ts, which
// begins a map's round through map.ts.
import type { MapStep } from "../definition/schema";
import { toErrorRecord, type ErrorRecord } from "../errors";
import { evaluateExpression } from "../expr";
import { jsonByteLength, MAX_ITEM_BYTES, MAX_VALUE_BYTES } from "../limits";
import type { MapItemRecord } from "./item-store";
import type { MapProgress, StepState, StepStatus } from "./run-state";
import { failAttempt } from "./attempt-failure";
import { ACTIVE_STEP_STATUSES, patchStep, type Draft } from "./draft";
import { cancelStep } from "./failure";
import { itemKey } from "./item-key";
import { newProgress } from "./map";
import { completeStep, failStep, skipStep } from "./outcome";
import { expressionOptions, isTruthy, stepScope } from "./scope";
import { startStep } from "./start-step";

const ITEM_END_STATUSES: readonly StepStatus[] = ["succeeded", "failed", "skipped", "cancelled"];

/** Moves every active map on; true when anything changed (so dependents may now be due). */
export async function pumpMaps(draft: Draft): Promise<boolean> {
  let changed = false;
  for (const step of draft.stepDefinitions.maps()) {
    while (isPumping(draft, step.id) && (await pumpMap(draft, step))) changed = true;
  }
  return changed;
}

function isPumping(draft: Draft, stepId: string): boolean {
  const state = draft.state.steps[stepId];
  return state?.map !== undefined && (state.status === "running" || state.status === "waiting");
}

/** One pass: record the items that ended, start the next ones, finish the map when all ended. */
async function pumpMap(draft: Draft, step: MapStep): Promise<boolean> {
  const before = draft.state.steps[step.id]!;
  const progress: MapProgress = { ...before.map!, inFlight: [] };
  let failure: MapItemRecord | undefined;
  let ended = 0;
  for (const index of before.map!.inFlight) {
    const item = draft.state.steps[itemKey(step.id, index)]!;
    if (!ITEM_END_STATUSES.includes(item.status)) {
      progress.inFlight.push(index);
      continue;
    }
    const record = recordItem(draft, item, progress);
    ended++;
    if (record.status === "failed" && step.step.onError !== "continue") failure ??= record;
  }
  if (failure) return (failMap(draft, step, progress, itemFailure(failure)), true);

  let started = false;
  while (progress.inFlight.length < progress.concurrency && progress.next < progress.total) {
    const index = progress.next++;
    started = true;
    // A later round keeps what succeeded before.
    if (draft.items.record(step.id, index)?.status === "succeeded") {
      progress.succeeded++;
      continue;
    }
    progress.inFlight.push(index);
    await startItem(draft, step, index);
  }
  if (progress.inFlight.length === 0 && progress.next >= progress.total) {
    patchStep(draft, step.id, { map: progress });
    finishMap(draft, step, progress);
    return true;
  }
  const status = progress.inFlight.every((index) => draft.state.steps[itemKey(step.id, index)]!.status === "waiting")
    ? "waiting"
    : "running";
  if (!started && ended === 0) {
    // Items in flight may have gone from running to waiting (or back): the map follows.
    if (status !== before.status) patchStep(draft, step.id, { status });
    return false;
  }
  patchStep(draft, step.id, { map: progress, status });
  return true;
}

async function startItem(draft: Draft, step: MapStep, index: number): Promise<void> {
  const key = itemKey(step.id, index);
  // Attempts of earlier rounds stay (numbering goes on, so their late reports stay stale).
  const attempts = draft.items.record(step.id, index)?.attempts ?? [];
  draft.state.steps[key] = {
    id: key,
    type: step.step.type,
    status: "pending",
    attempts,
    item: { map: step.id, index, value: draft.items.value(step.id, index) },
  };
  const inline = draft.stepDefinitions.get(key)!;
  if (inline.if !== undefined) {
    try {
      const value = await evaluateExpression(inline.if, stepScope(draft.state, key), expressionOptions(draft, key));
      if (!isTruthy(value)) return skipStep(draft, key, "condition_false");
    } catch (error) {
      return failStep(draft, inline, { ...toErrorRecord(error), retryable: false });
    }
  }
  await startStep(draft, inline);
}

/** Moves an ended item from the run's steps to the store; an output too large for it fails the item. */
function recordItem(draft: Draft, item: StepState, progress: MapProgress): MapItemRecord {
  const { item: ref, ...ended } = item;
  let record: MapItemRecord = { ...ended, map: ref!.map, index: ref!.index };
  const bytes = record.status === "succeeded" ? jsonByteLength(record.output) : 0;
  if (bytes > MAX_ITEM_BYTES) {
    const error = {
      code: "output_too_large",
      message: `item ${ref!.index} output is ${bytes} bytes; an item's output may be at most ${MAX_ITEM_BYTES}`,
      retryable: false,
    };
    const { output: _output, ...rest } = record;
    record = { ...rest, status: "failed", error };
  }
  progress[record.status as "succeeded" | "failed" | "skipped" | "cancelled"]++;
  delete draft.state.steps[item.id];
  draft.removedItems.set(item.id, item);
  draft.itemWrites.finished.set(item.id, record);
  draft.effects.push({ type: "map_item_finished", record });
  return record;
}

function itemFailure(record: MapItemRecord): ErrorRecord {
  const cause = record.error ?? { code: "failed", message: "the item failed", retryable: false };
  // Retryable only if the item's own error was: a new round of the map would meet a permanent error again.
  return {
    code: "item_failed",
    message: `item ${record.index} failed: ${cause.code}: ${cause.message}`,
    retryable: cause.retryable,
  };
}

/** The items still in flight are cancelled and recorded; the map's attempt fails with `error`. */
function failMap(draft: Draft, step: MapStep, progress: MapProgress, error: ErrorRecord): void {
  for (const index of progress.inFlight) {
    const key = itemKey(step.id, index);
    cancelStep(draft, key);
    recordItem(draft, draft.state.steps[key]!, progress);
  }
  progress.inFlight = [];
  patchStep(draft, step.id, { map: progress });
  failAttempt(draft, step, error);
}

function finishMap(draft: Draft, step: MapStep, progress: MapProgress): void {
  const outputs = draft.items.outputs(step.id, progress.total);
  const bytes = jsonByteLength(outputs);
  if (bytes > MAX_VALUE_BYTES) {
    return failAttempt(draft, step, {
      code: "output_too_large",
      message: `the map's output is ${bytes} bytes; the limit is ${MAX_VALUE_BYTES}`,
      retryable: false,
    });
  }
  completeStep(draft, step.id, outputs);
}

/**
 * Redrive: the items left in the run's steps when it ended (cancelled with it, or ended in
 * the transition that failed it) go to the store; their maps start again from there.
 */
export function storeLeftoverItems(draft: Draft): void {
  for (const step of Object.values(draft.state.steps)) {
    if (!step.item) continue;
    recordItem(draft, step, newProgress(0, 0));
  }
}

/** The map's own `timeout` ran out: its items in flight are cancelled and the attempt fails. */
export function timeOutMap(draft: Draft, step: MapStep): void {
  const state = draft.state.steps[step.id]!;
  if (!ACTIVE_STEP_STATUSES.includes(state.status) || !state.map) return;
  const progress: MapProgress = { ...state.map, inFlight: [...state.map.inFlight] };
  failMap(draft, step, progress, {
    code: "timed_out",
    message: `the map did not finish within ${step.timeout}`,
    retryable: true,
  });
}
