// Metrics: for the runs created in a window (1h, 24h, 7d, 30d), optionally of
// one workflow: totals, runs by status over time, p50/p95 duration over time, and a table
// per workflow. The window and workflow live in the URL; the page re-reads every 15 s.
import { durationFigure, runsByStatusFigure } from "../components/metrics-charts";
import { errorNotice, loading } from "../components/notice";
import { listWorkflowOptions } from "../components/workflow-options";
import { h, replaceChildren } from "../dom";
import { formatDuration, formatTime } from "../format";
import type { PageModule } from "../router";
import type { Metrics, RunStats } from "../types";

const REFRESH_MS = 15_000;
const WINDOWS: Record<string, string> = {
  "1h": "Last hour",
  "24h": "Last 24 hours",
  "7d": "Last 7 days",
  "30d": "Last 30 days",
};
const DEFAULT_WINDOW = "24h";

export const metricsPage: PageModule = ({ api }, _params, query) => {
  const view = {
    window: WINDOWS[query.get("window") ?? ""] ? query.get("window")! : DEFAULT_WINDOW,
    workflow: query.get("workflow") || undefined,
  };
  const { filters, windowSelect, workflowSelect } = filterForm(view);
  const status = h("div", {}, loading("the metrics"));
  const totals = h("dl", { class: "totals" });
  const byStatus = runsByStatusFigure();
  const durations = durationFigure();
  const perWorkflow = h("div", {});
  const body = h(
    "div",
    { class: "metrics-body", hidden: true },
    totals,
    h("div", { class: "charts" }, byStatus.element, durations.element),
    h("h2", {}, "Per workflow"),
    perWorkflow,
  );
  let disposed = false;
  let request = 0;

  filters.addEventListener("submit", (event) => event.preventDefault());
  filters.addEventListener("change", () => {
    view.window = windowSelect.value;
    view.workflow = workflowSelect.value || undefined;
    const search = new URLSearchParams({ window: view.window, ...(view.workflow ? { workflow: view.workflow } : {}) });
    history.pushState(null, "", `/metrics?${search}`);
    void refresh();
  });

  async function refresh(): Promise<void> {
    const mine = (request += 1);
    try {
      const metrics = await api.metrics(view);
      if (disposed || mine !== request) return;
      body.hidden = false;
      replaceChildren(
        status,
        h(
          "p",
          { class: "muted" },
          `Runs created ${formatTime(metrics.from)} – ${formatTime(metrics.to)}, in periods of ${metrics.bucket}.`,
        ),
      );
      replaceChildren(totals, statTotals(metrics.totals));
      byStatus.update(metrics);
      durations.update(metrics);
      replaceChildren(perWorkflow, workflowTable(metrics));
    } catch (error) {
      if (!disposed && mine === request) replaceChildren(status, errorNotice(error, "Could not load the metrics."));
    }
  }

  listWorkflowOptions(api, workflowSelect, () => view.workflow);

  void refresh();
  const timer = setInterval(() => {
    if (document.visibilityState === "visible") void refresh();
  }, REFRESH_MS);

  const element = h(
    "section",
    { class: "metrics-page" },
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, "Metrics")),
    filters,
    status,
    body,
  );
  return {
    title: "Metrics",
    element,
    dispose: () => {
      disposed = true;
      clearInterval(timer);
      byStatus.dispose();
      durations.dispose();
    },
  };
};

function filterForm(view: { window: string; workflow: string | undefined }) {
  const windowSelect = h(
    "select",
    { id: "metrics-window", name: "window" },
    Object.entries(WINDOWS).map(([value, label]) => h("option", { value, selected: value === view.window }, label)),
  );
  // Only the chosen workflow until the list arrives (listWorkflowOptions).
  const workflowSelect = h(
    "select",
    { id: "metrics-workflow", name: "workflow" },
    h("option", { value: "" }, "All workflows"),
    view.workflow ? h("option", { value: view.workflow, selected: true }, view.workflow) : null,
  );
  const filters = h(
    "form",
    { class: "filters", "aria-label": "Choose the metrics" },
    field("metrics-window", "Window", windowSelect),
    field("metrics-workflow", "Workflow", workflowSelect),
  );
  return { filters, windowSelect, workflowSelect };
}

function statTotals(stats: RunStats): HTMLElement[] {
  const fact = (term: string, value: string) => h("div", {}, h("dt", {}, term), h("dd", {}, value));
  return [
    fact("Runs", String(stats.runs)),
    fact("Success rate", percent(stats.successRate)),
    fact("p50 duration", duration(stats.p50Ms)),
    fact("p95 duration", duration(stats.p95Ms)),
    fact("Retries", String(stats.retries)),
  ];
}

function workflowTable(metrics: Metrics): HTMLElement {
  if (metrics.workflows.length === 0) return h("p", { class: "empty" }, "No runs were created in this window.");
  const columns = ["Workflow", "Runs", "Succeeded", "Failed", "Success rate", "p50", "p95", "Retries"];
  return h(
    "div",
    { class: "table-wrap", role: "region", "aria-label": "Per workflow", tabindex: "0" },
    h(
      "table",
      { class: "per-workflow" },
      h("caption", { class: "visually-hidden" }, "Runs, success rate, durations and retries per workflow"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          columns.map((name, index) => h("th", { scope: "col", class: index > 0 ? "num" : null }, name)),
        ),
      ),
      h(
        "tbody",
        {},
        metrics.workflows.map((row) =>
          h(
            "tr",
            { "data-workflow": row.workflow },
            h(
              "th",
              { scope: "row" },
              h("a", { href: `/runs?workflow=${encodeURIComponent(row.workflow)}` }, row.workflow),
            ),
            cell("runs", String(row.runs)),
            cell("succeeded", String(row.byStatus.succeeded)),
            cell("failed", String(row.byStatus.failed)),
            cell("success-rate", percent(row.successRate)),
            cell("p50", duration(row.p50Ms)),
            cell("p95", duration(row.p95Ms)),
            cell("retries", String(row.retries)),
          ),
        ),
      ),
    ),
  );
}

const cell = (name: string, text: string) => h("td", { class: "num", "data-col": name }, text);
const percent = (rate: number | null) =>
  rate === null ? "–" : `${(rate * 100).toFixed(rate === 1 || rate === 0 ? 0 : 1)}%`;
const duration = (ms: number | null) => (ms === null ? "–" : formatDuration(ms));

function field(id: string, label: string, control: HTMLElement): HTMLElement {
  return h("div", { class: "field" }, h("label", { for: id }, label), control);
}
