// Counts of runs by status for the current workflow and time filter, from one
// GET /api/metrics call. Metrics look back at most 90 days (by creation time, as the
// runs filter does), so "any time" counts the last 90 days and says so.
import type { Api, RunFilter } from "../api";
import { h, replaceChildren } from "../dom";
import { RUN_STATUSES } from "../types";
import { statusLabel, safeClass } from "./status";

const MAX_WINDOW_MINUTES = 90 * 24 * 60;

export interface StatusCount {
  status: string;
  count: number;
  /** True when the count may leave runs out (older than the 90 days metrics cover). */
  capped: boolean;
}

export async function countRunsByStatus(api: Api, filter: Omit<RunFilter, "status">): Promise<StatusCount[]> {
  const minutes = windowMinutes(filter.since);
  const metrics = await api.metrics({ window: `${minutes}m`, workflow: filter.workflow });
  return RUN_STATUSES.map((status) => ({
    status,
    count: metrics.totals.byStatus[status] ?? 0,
    capped: filter.since === undefined,
  }));
}

/** Minutes back to `since` (rounded up: a run created that minute still counts), at most 90 days. */
function windowMinutes(since: string | undefined, now = Date.now()): number {
  const start = since === undefined ? Number.NaN : Date.parse(since);
  if (Number.isNaN(start)) return MAX_WINDOW_MINUTES;
  return Math.min(MAX_WINDOW_MINUTES, Math.max(1, Math.ceil((now - start) / 60_000)));
}

/** One toggle per status; pressing one filters the table by it, pressing it again clears. */
export function renderCounts(
  container: HTMLElement,
  counts: readonly StatusCount[],
  selected: string | undefined,
  onSelect: (status: string | undefined) => void,
): void {
  const buttons = counts.map(({ status, count, capped }) =>
    h(
      "button",
      {
        type: "button",
        class: `count status-${safeClass(status)}`,
        "aria-pressed": String(selected === status),
        "data-status": status,
        title: capped ? "Runs created in the last 90 days" : null,
        onclick: () => onSelect(selected === status ? undefined : status),
      },
      h("span", { class: "count-number" }, String(count)),
      h("span", { class: "count-label" }, statusLabel(status)),
    ),
  );
  replaceChildren(container, buttons);
}
