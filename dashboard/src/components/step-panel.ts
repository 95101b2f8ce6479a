// One step's details, folded: attempts (the timeline's text twin), input, output and
// error as JSON, a map step's item progress, a child run's link, and the approval form.
// The panel stays in place across live updates and only redraws when its step changed.
import type { Api } from "../api";
import { h, replaceChildren } from "../dom";
import { elapsedMs, formatDuration, formatTime } from "../format";
import type { Session } from "../session";
import type { AttemptView, StepDefinition, StepWithProgress, TriageView, UsageView } from "../types";
import { approvalForm } from "./approval-form";
import { jsonView } from "./json-view";
import { MapItems } from "./map-items";
import { statusBadge } from "./status";

export class StepPanel {
  readonly element: HTMLDetailsElement;
  private readonly summary = h("summary");
  private readonly body = h("div", { class: "step-body" });
  private drawn = "";
  /** Kept across redraws, so an open item list keeps its filter and pages while the map runs. */
  private items: MapItems | undefined;

  constructor(
    private readonly api: Api,
    private readonly session: Session,
    private readonly runId: string,
    stepId: string,
  ) {
    this.element = h("details", { class: "step", id: `step-${stepId}`, "data-step": stepId }, this.summary, this.body);
  }

  update(step: StepWithProgress, definition: StepDefinition | undefined): void {
    const key = JSON.stringify(step);
    if (key === this.drawn) return;
    this.drawn = key;
    const duration = elapsedMs(step.startedAt, step.finishedAt);
    replaceChildren(
      this.summary,
      statusBadge(step.status),
      " ",
      h("span", { class: "mono step-id" }, step.id),
      h("span", { class: "muted" }, ` ${step.type}`),
      step.onFailure ? h("span", { class: "tag" }, "on failure") : null,
      h(
        "span",
        { class: "muted step-meta" },
        `${step.attempts.length > 1 ? `${step.attempts.length} attempts · ` : ""}${duration === undefined ? "" : formatDuration(duration)}`,
      ),
    );
    replaceChildren(
      this.body,
      definition?.description ? h("p", {}, definition.description) : null,
      step.skipReason ? h("p", { class: "muted" }, `Skipped: ${step.skipReason}`) : null,
      step.childRunId
        ? h(
            "p",
            {},
            "Child run: ",
            h("a", { href: `/runs/${encodeURIComponent(step.childRunId)}`, class: "mono" }, step.childRunId),
          )
        : null,
      step.items ? itemProgress(step.items) : null,
      step.items ? (this.items ??= new MapItems(this.api, this.runId, step.id)).element : null,
      step.triaging
        ? h(
            "p",
            { class: "notice", role: "status" },
            step.triaging === "model"
              ? "Failed; waiting for the triage model's proposal."
              : "Failed; triage escalated it to a person (approve to run it again, reject to fail it).",
          )
        : null,
      step.triage && step.triage.length > 0 ? triageList(step.triage) : null,
      step.type === "approval" && step.status === "waiting"
        ? approvalForm(this.api, this.session, this.runId, step.id, definition?.approvers)
        : null,
      step.attempts.length > 0 ? attemptsTable(step.attempts) : null,
      section("Input", step.input),
      section("Output", step.output),
      step.error ? section("Error", step.error) : null,
    );
  }
}

/** Tokens, and cost when the step was priced. */
export function formatUsage(usage: UsageView): string {
  const tokens = `${usage.inputTokens.toLocaleString()} in · ${usage.outputTokens.toLocaleString()} out`;
  return usage.costUsd === null ? `${tokens} tokens` : `${tokens} tokens · $${usage.costUsd.toFixed(4)}`;
}

/** What failure triage proposed, and whether the engine applied it (and why not). */
function triageList(entries: readonly TriageView[]): HTMLElement {
  return h(
    "div",
    { class: "triage" },
    h("h4", {}, "Triage"),
    h(
      "ol",
      {},
      entries.map((entry) =>
        h(
          "li",
          {},
          h("strong", {}, entry.action ?? "no answer"),
          entry.applied ? " (applied)" : ` (not applied${entry.refusal ? `: ${entry.refusal}` : ""})`,
          `, attempt ${entry.attempt}, ${formatTime(entry.at)}: `,
          entry.error ? `${entry.error.code}: ${entry.error.message}` : entry.reason,
        ),
      ),
    ),
  );
}

function section(title: string, value: unknown): HTMLElement {
  return h(
    "div",
    { class: "json-section" },
    h("h4", {}, title),
    value === null || value === undefined ? h("p", { class: "muted" }, "none") : jsonView(value, title),
  );
}

function itemProgress(items: NonNullable<StepWithProgress["items"]>): HTMLElement {
  const done = items.total - items.pending - items.running;
  return h(
    "div",
    { class: "items" },
    h(
      "label",
      {},
      "Items ",
      h("progress", { max: Math.max(items.total, 1), value: done }),
      ` ${done} of ${items.total} done`,
    ),
    h(
      "p",
      { class: "muted small" },
      [
        `${items.succeeded} succeeded`,
        `${items.failed} failed`,
        `${items.running} running`,
        `${items.pending} pending`,
        items.skipped ? `${items.skipped} skipped` : "",
        items.cancelled ? `${items.cancelled} cancelled` : "",
      ]
        .filter(Boolean)
        .join(" · "),
    ),
  );
}

function attemptsTable(attempts: readonly AttemptView[]): HTMLElement {
  // A model column only for steps that called one (llm), so http steps keep their table.
  const usage = attempts.some((attempt) => attempt.usage !== undefined);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "attempts" },
      h("caption", { class: "visually-hidden" }, "Attempts"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["#", "Outcome", "Started", "Took", "HTTP", ...(usage ? ["Tokens"] : []), "Error"].map((name) =>
            h("th", { scope: "col" }, name),
          ),
        ),
      ),
      h(
        "tbody",
        {},
        attempts.map((attempt) => {
          const took = elapsedMs(attempt.startedAt, attempt.finishedAt);
          return h(
            "tr",
            {},
            h("td", {}, String(attempt.n)),
            h("td", {}, statusBadge(attempt.status)),
            h("td", {}, h("time", { datetime: attempt.startedAt }, formatTime(attempt.startedAt))),
            h("td", {}, took === undefined ? "–" : `${formatDuration(took)}${attempt.finishedAt ? "" : " so far"}`),
            h("td", {}, attempt.httpStatus === undefined ? "–" : String(attempt.httpStatus)),
            usage ? h("td", {}, attempt.usage ? formatUsage(attempt.usage) : "–") : null,
            h(
              "td",
              {},
              attempt.error
                ? `${attempt.error.code}: ${attempt.error.message}${attempt.error.retryable ? " (retryable)" : ""}`
                : "–",
            ),
          );
        }),
      ),
    ),
  );
}
