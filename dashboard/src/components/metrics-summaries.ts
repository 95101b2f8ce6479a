// What a canvas cannot tell a screen reader, for the Metrics page's charts (metrics-charts.ts):
// each chart's summary in words and its data as a table, periods named as people read them.
import { h } from "../dom";
import { formatDuration, plural } from "../format";
import { RUN_STATUSES, type Metrics, type MetricsPoint } from "../types";
import { statusLabel } from "./status";

/** A bucket's start as people read it: the day for daily buckets, else the time (with the day when the window spans days). */
export function bucketLabel(at: string, bucket: string): string {
  const date = new Date(at);
  if (bucket.endsWith("d")) return date.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  if (bucket === "6h")
    return date.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
  return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

export function summariseStatuses(metrics: Metrics): string {
  const { totals } = metrics;
  if (totals.runs === 0) return "No runs were created in this window.";
  const parts = RUN_STATUSES.filter((status) => totals.byStatus[status] > 0).map(
    (status) => `${totals.byStatus[status]} ${statusLabel(status)}`,
  );
  const busiest = metrics.series.reduce<MetricsPoint | undefined>(
    (best, point) => (!best || runsIn(point) > runsIn(best) ? point : best),
    undefined,
  );
  const peak = busiest
    ? ` The busiest ${metrics.bucket} began ${bucketLabel(busiest.at, metrics.bucket)}, with ${plural(runsIn(busiest), "run")}.`
    : "";
  return `${plural(totals.runs, "run")}: ${parts.join(", ")}.${peak}`;
}

export function summariseDurations(metrics: Metrics): string {
  const { totals } = metrics;
  if (totals.p50Ms === null) return "No run finished in this window.";
  const slowest = metrics.series.reduce<MetricsPoint | undefined>(
    (best, point) => (point.p95Ms !== null && (!best || point.p95Ms > (best.p95Ms ?? 0)) ? point : best),
    undefined,
  );
  const peak = slowest
    ? ` The slowest ${metrics.bucket} began ${bucketLabel(slowest.at, metrics.bucket)} (p95 ${formatDuration(slowest.p95Ms!)}).`
    : "";
  const sample = metrics.durationSample.capped ? ` Over the newest ${metrics.durationSample.runs} finished runs.` : "";
  return `Across the window, half the finished runs took at most ${formatDuration(totals.p50Ms)} (p50) and 95% at most ${formatDuration(totals.p95Ms ?? totals.p50Ms)} (p95).${peak}${sample}`;
}

const runsIn = (point: MetricsPoint) => RUN_STATUSES.reduce((sum, status) => sum + (point.byStatus[status] ?? 0), 0);

export function statusTable(metrics: Metrics): HTMLElement {
  const rows = metrics.series.filter((point) => runsIn(point) > 0);
  if (rows.length === 0) return h("p", { class: "muted" }, "No runs in this window.");
  return h(
    "table",
    {},
    h("caption", {}, `Runs created per ${metrics.bucket}, by status (periods without runs left out)`),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, "From"),
        RUN_STATUSES.map((status) => h("th", { scope: "col", class: "num" }, statusLabel(status))),
        h("th", { scope: "col", class: "num" }, "Total"),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((point) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, h("time", { datetime: point.at }, bucketLabel(point.at, metrics.bucket))),
          RUN_STATUSES.map((status) => h("td", { class: "num" }, point.byStatus[status] ?? 0)),
          h("td", { class: "num" }, runsIn(point)),
        ),
      ),
    ),
  );
}

export function durationTable(metrics: Metrics): HTMLElement {
  const rows = metrics.series.filter((point) => point.p50Ms !== null);
  if (rows.length === 0) return h("p", { class: "muted" }, "No finished runs in this window.");
  return h(
    "table",
    {},
    h(
      "caption",
      {},
      `Duration of the finished runs, by the ${metrics.bucket} they were created in (periods without any left out)`,
    ),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, "From"),
        h("th", { scope: "col", class: "num" }, "p50"),
        h("th", { scope: "col", class: "num" }, "p95"),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((point) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, h("time", { datetime: point.at }, bucketLabel(point.at, metrics.bucket))),
          h("td", { class: "num" }, formatDuration(point.p50Ms!)),
          h("td", { class: "num" }, formatDuration(point.p95Ms ?? point.p50Ms!)),
        ),
      ),
    ),
  );
}
