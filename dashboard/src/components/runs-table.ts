// The runs table: newest first, each row a link to its run, rows that appeared since the
// last refresh marked so a live list shows what is new.
import { h } from "../dom";
import { elapsedMs, formatAgo, formatDuration, formatTime } from "../format";
import type { RunSummary } from "../types";
import { statusBadge } from "./status";

export function runsTable(runs: readonly RunSummary[], fresh: ReadonlySet<string>): HTMLElement {
  if (runs.length === 0) return h("p", { class: "empty" }, "No runs match these filters.");
  const now = Date.now();
  return h(
    "div",
    { class: "table-wrap", role: "region", "aria-label": "Runs", tabindex: "0" },
    h(
      "table",
      { class: "runs" },
      h("caption", { class: "visually-hidden" }, "Runs, newest first"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Run", "Status", "Workflow", "Created", "Duration", "Trigger"].map((name) =>
            h("th", { scope: "col" }, name),
          ),
        ),
      ),
      h(
        "tbody",
        {},
        runs.map((run) => runRow(run, fresh.has(run.id), now)),
      ),
    ),
  );
}

function runRow(run: RunSummary, isFresh: boolean, now: number): HTMLElement {
  const duration = elapsedMs(run.startedAt, run.finishedAt, now);
  return h(
    "tr",
    { class: isFresh ? "fresh" : null, "data-run-id": run.id },
    h(
      "td",
      {},
      h("a", { href: `/runs/${encodeURIComponent(run.id)}`, class: "mono" }, run.id),
      run.rerunOf ? h("span", { class: "muted small" }, " rerun") : null,
    ),
    h("td", {}, statusBadge(run.status), run.error ? h("span", { class: "muted small" }, ` ${run.error.code}`) : null),
    h("td", {}, run.workflow, h("span", { class: "muted" }, ` v${run.version}`)),
    h(
      "td",
      {},
      h("time", { datetime: run.createdAt, title: formatTime(run.createdAt) }, formatAgo(run.createdAt, now)),
    ),
    h("td", {}, duration === undefined ? "–" : formatDuration(duration)),
    h("td", {}, run.trigger.type),
  );
}
