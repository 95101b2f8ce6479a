// Map steps: the inline step runs once per item, at most `concurrency` at once,
// and the map's output is every item's output in item order.
//
// Cost per item stays constant however many items there are: the items are evaluated
// once and handed to the shell's item store; only the items in flight are steps of the
// run (`<map>[<index>]`, so retries, timers, tasks, waits and child runs work for them as
// for any step); a finished item leaves the run's steps for the store; and the output is
// assembled once, from the store, when the last item succeeds.
//
// One item failing for good fails the map (the other items in flight are cancelled),
// unless the inline step says `onError: continue`: its place in the output is then null.
// A new round of the map (its own retry, or a redrive) keeps the items and what succeeded,
// and runs the rest again.
import type { MapStep } from "../definition/schema";
import { parseDuration } from "../duration";
import { toErrorRecord, type ErrorRecord } from "../errors";
import { evaluateExpression } from "../expr";
import { jsonByteLength, MAX_EXECUTED_STEPS, MAX_ITEM_BYTES, MAX_MAP_ITEMS, MAX_VALUE_BYTES } from "../limits";
import type { MapItemRecord, MapProgress, StepState, StepStatus } from "./types";
import { failAttempt } from "./attempt-failure";
import { ACTIVE_STEP_STATUSES, beginAttempt, patchStep, setTimer, type Draft } from "./draft";
import { cancelStep } from "./failure";
import { itemKey } from "./item-key";
import { completeStep, failStep, skipStep } from "./outcome";
import { buildScope, expressionOptions, isTruthy, stepScope } from "./scope";
import { startStep } from "./start-step";

export const DEFAULT_MAP_CONCURRENCY = 10;

const ITEM_END_STATUSES: readonly StepStatus[] = ["succeeded", "failed", "skipped", "cancelled"];

/** Begins a round: evaluates `items` the first time, keeps them on later rounds. The pump starts the items. */
export async function startMap(draft: Draft, step: MapStep): Promise<void> {
  const n = beginAttempt(draft, step.id);
  let total = draft.state.steps[step.id]!.map?.total;
  if (total === undefined) {
    let items: unknown;
    try {
      items = await evaluateExpression(step.items, buildScope(draft.state), expressionOptions(draft, step.id));
    } catch (error) {
      return failAttempt(draft, step, { ...toErrorRecord(error), retryable: false });
    }
    const refusal = itemsRefusal(draft, step, items);
    if (refusal) return failAttempt(draft, step, refusal);
    const list = items as unknown[];
    total = list.length;
    draft.itemWrites.created.set(step.id, list);
    draft.effects.push({ type: "map_items_created", stepId: step.id, items: list });
    draft.state.mapItems = (draft.state.mapItems ?? 0) + total;
  }
  const concurrency = step.concurrency ?? DEFAULT_MAP_CONCURRENCY;
  const map: MapProgress = {
    total,
    concurrency,
    next: 0,
    inFlight: [],
    succeeded: 0,
    failed: 0,
    skipped: 0,
    cancelled: 0,
  };
  patchStep(draft, step.id, { input: { items: total, concurrency }, map });
  if (step.timeout !== undefined)
    setTimer(draft, { kind: "timeout", at: draft.now + parseDuration(step.timeout), stepId: step.id, attempt: n });
}

function itemsRefusal(draft: Draft, step: MapStep, items: unknown): ErrorRecord | undefined {
  const refuse = (code: string, message: string): ErrorRecord => ({
    code,
    message,
    retryable: false,
    expression: step.items,
  });
  if (!Array.isArray(items)) {
    const got =
      items === undefined
        ? "nothing"
        : items === null
          ? "null"
          : typeof items === "object"
            ? "an object"
            : `a ${typeof items}`;
    // JSONata returns a one-element result as the element itself; `[…]` keeps it an array.
    return refuse(
      "invalid_items",
      `items \`${step.items}\` gave ${got}, not an array (wrap the expression in [ ] to keep a single result an array)`,
    );
  }
  if (items.length > MAX_MAP_ITEMS)
    return refuse("too_many_items", `items gave ${items.length} items; a map takes at most ${MAX_MAP_ITEMS}`);
  const executed = Object.keys(draft.state.steps).length + (draft.state.mapItems ?? 0) + items.length;
  if (executed > MAX_EXECUTED_STEPS)
    return refuse(
      "limit_exceeded",
      `this map would bring the run to ${executed} executed steps; a run executes at most ${MAX_EXECUTED_STEPS}`,
    );
  let bytes = 0;
  for (const [index, item] of items.entries()) {
    const size = jsonByteLength(item);
    if (size > MAX_ITEM_BYTES)
      return refuse("items_too_large", `item ${index} is ${size} bytes; an item may be at most ${MAX_ITEM_BYTES}`);
    bytes += size;
  }
  if (bytes > MAX_VALUE_BYTES)
    return refuse("items_too_large", `the items are ${bytes} bytes together; the limit is ${MAX_VALUE_BYTES}`);
  return undefined;
}

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
    const counts: MapProgress = {
      total: 0,
      concurrency: 0,
      next: 0,
      inFlight: [],
      succeeded: 0,
      failed: 0,
      skipped: 0,
      cancelled: 0,
    };
    recordItem(draft, step, counts);
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
