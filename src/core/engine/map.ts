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
//
// Here a round begins; map-pump.ts starts the items, records them and ends the map.
import type { MapStep } from "../definition/schema";
import { parseDuration } from "../duration";
import { toErrorRecord, type ErrorRecord } from "../errors";
import { evaluateExpression } from "../expr";
import { jsonByteLength, MAX_EXECUTED_STEPS, MAX_ITEM_BYTES, MAX_MAP_ITEMS, MAX_VALUE_BYTES } from "../limits";
import type { MapProgress } from "./run-state";
import { failAttempt } from "./attempt-failure";
import { beginAttempt, patchStep, setTimer, type Draft } from "./draft";
import { buildScope, expressionOptions } from "./scope";

const DEFAULT_MAP_CONCURRENCY = 10;

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
  patchStep(draft, step.id, { input: { items: total, concurrency }, map: newProgress(total, concurrency) });
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

/** A map's counts before any item has started. */
export function newProgress(total: number, concurrency: number): MapProgress {
  return { total, concurrency, next: 0, inFlight: [], succeeded: 0, failed: 0, skipped: 0, cancelled: 0 };
}
