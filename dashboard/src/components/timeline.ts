// The timeline (a Gantt chart, as in Inngest and Temporal): one row per step, one bar per
// attempt from its start to its end (or now), coloured by outcome. Waiting (sleep,
// approval, wait, child run) is hatched; the pause before a retry is a dashed line.
import { h, svg } from "../dom";
import { formatDuration } from "../format";
import type { AttemptView, RunView, StepView } from "../types";
import { safeClass } from "./status";

const LABEL_WIDTH = 150;
const CHART_WIDTH = 640;
const ROW_HEIGHT = 26;
const BAR_HEIGHT = 14;
const AXIS_HEIGHT = 22;
const WAITING_TYPES = new Set(["sleep", "approval", "wait", "workflow"]);

export function timeline(run: RunView, now = Date.now()): SVGSVGElement {
  const steps = run.steps.filter((step) => step.attempts.length > 0);
  const start = Math.min(
    Date.parse(run.startedAt ?? run.createdAt),
    ...steps.flatMap((step) => step.attempts.map((attempt) => Date.parse(attempt.startedAt))),
  );
  const end = Math.max(
    start + 1,
    run.finishedAt ? Date.parse(run.finishedAt) : now,
    ...steps.flatMap((step) => step.attempts.map((attempt) => endOf(attempt, now))),
  );
  const scale = (time: number) => LABEL_WIDTH + ((time - start) / (end - start)) * CHART_WIDTH;
  const height = AXIS_HEIGHT + Math.max(steps.length, 1) * ROW_HEIGHT + 4;
  return svg(
    "svg",
    {
      class: "timeline",
      viewBox: `0 0 ${LABEL_WIDTH + CHART_WIDTH + 12} ${height}`,
      role: "img",
      "aria-label": `Timeline of ${steps.length} steps over ${formatDuration(end - start)}; each step's attempts are listed in its details`,
    },
    svg(
      "defs",
      {},
      svg(
        "pattern",
        { id: "wm-hatch", width: "6", height: "6", patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
        svg("rect", { class: "hatch-bg", width: "6", height: "6" }),
        svg("line", { class: "hatch-line", x1: "0", y1: "0", x2: "0", y2: "6" }),
      ),
    ),
    axis(start, end, scale, height),
    steps.map((step, index) => row(step, AXIS_HEIGHT + index * ROW_HEIGHT, scale, now)),
    steps.length === 0
      ? svg("text", { class: "axis-label", x: LABEL_WIDTH, y: AXIS_HEIGHT + 16 }, "No attempts yet")
      : null,
  );
}

function row(step: StepView, top: number, scale: (time: number) => number, now: number): SVGGElement {
  const middle = top + ROW_HEIGHT / 2;
  const waits = WAITING_TYPES.has(step.type);
  const gaps = step.attempts.slice(1).map((attempt, index) => {
    const previous = step.attempts[index]!;
    const from = endOf(previous, now);
    const to = Date.parse(attempt.startedAt);
    return svg(
      "line",
      { class: "retry-gap", x1: scale(from), x2: scale(to), y1: middle, y2: middle },
      svg("title", {}, `waited ${formatDuration(to - from)} before attempt ${attempt.n}`),
    );
  });
  const bars = step.attempts.map((attempt) => {
    const x = scale(Date.parse(attempt.startedAt));
    const width = Math.max(3, scale(endOf(attempt, now)) - x);
    const kind = waits && (attempt.status === "running" || attempt.status === "succeeded") ? " waiting" : "";
    const error = attempt.error ? `, ${attempt.error.code}: ${attempt.error.message}` : "";
    return svg(
      "rect",
      {
        class: `bar attempt-${safeClass(attempt.status)}${kind}`,
        x,
        y: middle - BAR_HEIGHT / 2,
        width,
        height: BAR_HEIGHT,
        rx: 3,
        "data-step": step.id,
        "data-attempt": attempt.n,
      },
      svg(
        "title",
        {},
        `${step.id} attempt ${attempt.n}: ${attempt.status}${attempt.finishedAt ? "" : " (still going)"}, ${formatDuration(endOf(attempt, now) - Date.parse(attempt.startedAt))}${attempt.httpStatus ? `, HTTP ${attempt.httpStatus}` : ""}${error}`,
      ),
    );
  });
  return svg(
    "g",
    { class: "row" },
    svg(
      "text",
      { class: "row-label", x: 4, y: middle + 4 },
      step.id.length > 20 ? `${step.id.slice(0, 19)}…` : step.id,
    ),
    svg("line", { class: "row-rule", x1: LABEL_WIDTH, x2: LABEL_WIDTH + CHART_WIDTH, y1: middle, y2: middle }),
    gaps,
    bars,
  );
}

function axis(start: number, end: number, scale: (time: number) => number, height: number): SVGGElement {
  const step = niceStep((end - start) / 5);
  const ticks: number[] = [];
  for (let offset = 0; offset <= end - start; offset += step) ticks.push(offset);
  return svg(
    "g",
    { class: "axis" },
    ticks.map((offset) =>
      svg(
        "g",
        {},
        svg("line", {
          class: "tick",
          x1: scale(start + offset),
          x2: scale(start + offset),
          y1: AXIS_HEIGHT - 4,
          y2: height,
        }),
        svg("text", { class: "axis-label", x: scale(start + offset) + 2, y: 12 }, `+${formatDuration(offset)}`),
      ),
    ),
  );
}

/** 1, 2 or 5 times a power of ten milliseconds, at least 1 ms. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(rough, 1)));
  return [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough) ?? 10 * power;
}

function endOf(attempt: AttemptView, now: number): number {
  return attempt.finishedAt ? Date.parse(attempt.finishedAt) : now;
}

export function timelineLegend(): HTMLElement {
  const item = (kind: string, label: string) =>
    h("li", {}, h("span", { class: `swatch ${kind}`, "aria-hidden": "true" }), label);
  return h(
    "ul",
    { class: "legend", "aria-label": "Timeline legend" },
    item("attempt-succeeded", "succeeded"),
    item("attempt-failed", "failed"),
    item("attempt-running", "running"),
    item("waiting", "waiting (sleep, approval, event, child run)"),
    item("retry-gap", "pause before a retry"),
  );
}
