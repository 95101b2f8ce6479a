// The Metrics page's two charts, drawn by Chart.js (bundled, canvas only, no inline
// styles or eval, so the strict CSP holds): runs by status over time, stacked, and p50/p95
// duration over time. A canvas says nothing to a screen reader, so each chart comes with
// a summary (its caption and the canvas's label) and its data as a table.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from "chart.js";
import { h, replaceChildren } from "../dom";
import { formatDuration } from "../format";
import { RUN_STATUSES, type Metrics, type RunStatus } from "../types";
import { bucketLabel, durationTable, statusTable, summariseDurations, summariseStatuses } from "./metrics-summaries";
import { statusLabel } from "./status";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Legend,
  Tooltip,
);

/** The CSS custom property (src/styles) each status is drawn in. */
const STATUS_COLOURS: Record<RunStatus, string> = {
  queued: "--idle",
  running: "--run",
  waiting: "--wait",
  succeeded: "--ok",
  failed: "--bad",
  cancelled: "--skip",
  timed_out: "--chart-timeout",
};

export interface ChartFigure {
  readonly element: HTMLElement;
  /** Redraws with new metrics; the first call creates the chart (the figure must be in the page by then). */
  update(metrics: Metrics): void;
  dispose(): void;
}

export function runsByStatusFigure(): ChartFigure {
  return chartFigure({
    id: "runs-by-status",
    title: "Runs by status over time",
    summarise: summariseStatuses,
    table: statusTable,
    config: (metrics, colour) => ({
      type: "bar",
      data: {
        labels: labels(metrics),
        datasets: RUN_STATUSES.map((status) => ({
          label: statusLabel(status),
          data: metrics.series.map((point) => point.byStatus[status] ?? 0),
          backgroundColor: colour(STATUS_COLOURS[status]),
          stack: "runs",
        })),
      },
      options: {
        ...baseOptions(colour),
        scales: {
          x: { stacked: true, grid: { display: false } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, grid: { color: colour("--border") } },
        },
      },
    }),
  });
}

export function durationFigure(): ChartFigure {
  const line = (label: string, values: (number | null)[], colour: string, dashed: boolean) => ({
    label,
    data: values,
    borderColor: colour,
    backgroundColor: colour,
    borderDash: dashed ? [6, 4] : [],
    spanGaps: false,
    pointRadius: 2,
    tension: 0,
  });
  return chartFigure({
    id: "durations",
    title: "Duration of finished runs (p50 and p95)",
    summarise: summariseDurations,
    table: durationTable,
    config: (metrics, colour) => ({
      type: "line",
      data: {
        labels: labels(metrics),
        datasets: [
          line(
            "p50",
            metrics.series.map((point) => point.p50Ms),
            colour("--run"),
            false,
          ),
          line(
            "p95",
            metrics.series.map((point) => point.p95Ms),
            colour("--wait"),
            true,
          ),
        ],
      },
      options: {
        ...baseOptions(colour),
        plugins: {
          ...baseOptions(colour).plugins,
          tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${formatDuration(Number(item.raw))}` } },
        },
        scales: {
          x: { grid: { display: false } },
          y: {
            beginAtZero: true,
            ticks: { callback: (value) => formatDuration(Number(value)) },
            grid: { color: colour("--border") },
          },
        },
      },
    }),
  });
}

interface FigureSpec {
  id: string;
  title: string;
  summarise: (metrics: Metrics) => string;
  table: (metrics: Metrics) => HTMLElement;
  config: (
    metrics: Metrics,
    colour: (property: string) => string,
  ) => ChartConfiguration<"bar" | "line", (number | null)[], string>;
}

function chartFigure(spec: FigureSpec): ChartFigure {
  const summary = h("p", { class: "chart-summary", id: `${spec.id}-summary` });
  const canvas = h("canvas", { role: "img", "aria-describedby": `${spec.id}-summary`, "data-chart": spec.id });
  const data = h("div", { class: "table-wrap" });
  const element = h(
    "figure",
    { class: "chart", "aria-labelledby": `${spec.id}-title` },
    h("figcaption", {}, h("h2", { id: `${spec.id}-title` }, spec.title), summary),
    h("div", { class: "chart-box" }, canvas),
    h("details", { class: "chart-data" }, h("summary", {}, "Show the data as a table"), data),
  );
  let chart: Chart<"bar" | "line", (number | null)[], string> | undefined;
  return {
    element,
    update(metrics) {
      const text = spec.summarise(metrics);
      summary.textContent = text;
      canvas.setAttribute("aria-label", `${spec.title}. ${text}`);
      replaceChildren(data, spec.table(metrics));
      const config = spec.config(metrics, cssColour);
      if (!chart) chart = new Chart(canvas, config);
      else {
        chart.data = config.data;
        chart.update("none");
      }
    },
    dispose: () => chart?.destroy(),
  };
}

function baseOptions(colour: (property: string) => string) {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false as const,
    color: colour("--muted"),
    interaction: { mode: "index" as const, intersect: false },
    plugins: { legend: { position: "bottom" as const, labels: { boxWidth: 14, color: colour("--text") } } },
  };
}

/** Canvas cannot read CSS variables: resolve them, so the charts follow the light or dark theme. */
function cssColour(property: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(property).trim() || "#888";
}

function labels(metrics: Metrics): string[] {
  return metrics.series.map((point) => bucketLabel(point.at, metrics.bucket));
}
