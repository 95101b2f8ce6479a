// GET /api/runs/{id}/steps/{stepId}/items: a map's items in index order, merged from the
// item store (values, and records of ended items) and the run's steps (items in flight,
// which the store still has as pending).
import { ACTIVE_STEP_STATUSES, itemKey } from "../core/engine";
import type { RunState } from "../core/engine/run-state";
import type { ItemQuery, MapItemPage } from "../durable/run-commands";
import type { RunStorage } from "./storage";
import { toMapItemView, type MapItemView } from "../core/engine/run-view";

export function pageItems(storage: RunStorage, state: RunState, stepId: string, query: ItemQuery): MapItemPage {
  const step = state.steps[stepId];
  if (!step || step.item) return { ok: false, code: "not_found", message: `run has no step ${stepId}` };
  if (step.type !== "map")
    return { ok: false, code: "invalid_state", message: `step ${stepId} is a ${step.type} step, not a map` };
  // Items in flight are pending in the store: both filters read pending rows and sort them out.
  const stored = query.status === "running" ? "pending" : query.status;
  const matches = (view: MapItemView) =>
    query.status === undefined ||
    (query.status === "running" ? ACTIVE_STEP_STATUSES.includes(view.status) : view.status === query.status);
  const items: MapItemView[] = [];
  let after = query.after;
  while (items.length < query.limit) {
    const rows = storage.listItems(stepId, after, query.limit, stored);
    if (rows.length === 0) break;
    for (const row of rows) {
      after = row.index;
      const view = toMapItemView(row.index, row.value, state.steps[itemKey(stepId, row.index)] ?? row.record);
      if (matches(view)) items.push(view);
      if (items.length === query.limit) break;
    }
  }
  const more = storage.listItems(stepId, after, 1, stored).length > 0;
  return { ok: true, items, nextCursor: more ? String(after) : null };
}
