// Run: the step graph coloured by status, a timeline of every attempt, each
// step's input, output and error, approvals and the operator's controls, all kept
// current over /api/runs/{id}/live (with polling while the socket is down).
import { errorNotice, loading } from "../components/notice";
import { runActions } from "../components/run-actions";
import { statusBadge } from "../components/status";
import { StepPanel } from "../components/step-panel";
import { stepGraph } from "../components/graph";
import { jsonView } from "../components/json-view";
import { timeline, timelineLegend } from "../components/timeline";
import { h, replaceChildren } from "../dom";
import { formatUsage } from "../components/step-panel";
import { elapsedMs, formatDuration, formatTime } from "../format";
import { applyLiveMessage, watchRun, type LiveState } from "../live";
import type { PageContext, PageModule } from "../router";
import { isFinished, type DefinitionView, type LiveMessage, type RunView, type StepDefinition } from "../types";

const POLL_MS = 3_000;
const TICK_MS = 1_000;

export const runPage: PageModule = (context, params) => {
  const runId = params.id!;
  const view = new RunScreen(context, runId);
  return { title: `Run ${runId}`, element: view.element, dispose: () => view.dispose() };
};

class RunScreen {
  readonly element: HTMLElement;
  private readonly body = h("div", {}, loading("the run"));
  private readonly heading: HTMLHeadingElement;
  private readonly liveBadge = h("span", { class: "live-dot", role: "status" }, "Connecting…");
  private readonly facts = h("dl", { class: "facts" });
  private readonly actions = h("div");
  private readonly problem = h("div");
  private readonly graph = h("div", {
    class: "graph-wrap",
    role: "region",
    "aria-label": "Step graph",
    tabindex: "-1",
  });
  private readonly chart = h("div", { class: "timeline-wrap" });
  private readonly steps = h("div", { class: "steps" });
  private readonly runData = h("div", { class: "run-data" });
  private readonly panels = new Map<string, StepPanel>();
  private run: RunView | undefined;
  private definition: DefinitionView | undefined;
  private selected: string | undefined;
  private actionsKey = "";
  private liveState: LiveState = "connecting";
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private stopLive: (() => void) | undefined;
  private disposed = false;

  constructor(
    private readonly context: PageContext,
    private readonly runId: string,
  ) {
    this.heading = h("h1", { tabindex: "-1" }, h("span", { class: "mono" }, runId));
    this.element = h(
      "section",
      { class: "run-page" },
      h(
        "nav",
        { class: "crumbs", "aria-label": "Breadcrumb" },
        h("a", { href: "/runs" }, "Runs"),
        " › ",
        h("span", { class: "mono" }, runId),
      ),
      h("div", { class: "page-head" }, this.heading, this.liveBadge),
      this.body,
    );
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.run = await this.context.api.getRun(this.runId);
    } catch (error) {
      if (!this.disposed) replaceChildren(this.body, errorNotice(error, "Could not load this run."));
      return;
    }
    if (this.disposed) return;
    replaceChildren(
      this.body,
      this.facts,
      this.actions,
      this.problem,
      h("h2", {}, "Steps graph"),
      this.graph,
      h("h2", {}, "Timeline"),
      this.chart,
      timelineLegend(),
      h("h2", {}, "Steps"),
      this.steps,
      h("h2", {}, "Run input and output"),
      this.runData,
    );
    this.render();
    this.loadDefinition(this.run);
    this.stopLive = watchRun(this.context.api, this.runId, {
      onMessage: (message) => this.receive(message),
      onState: (state) => this.showLiveState(state),
      shouldReconnect: () => !this.finished(),
    });
    this.timers.push(
      setInterval(() => this.poll(), POLL_MS),
      setInterval(() => this.tick(), TICK_MS),
    );
  }

  private loadDefinition(run: RunView): void {
    this.context.api.workflowVersion(run.workflow, run.version).then(
      (version) => {
        this.definition = version.definition;
        if (!this.disposed) this.render();
      },
      () => undefined, // the graph shows the steps without their edges
    );
  }

  private receive(message: LiveMessage): void {
    this.run = applyLiveMessage(this.run, message);
    this.render();
  }

  private finished(): boolean {
    return this.run !== undefined && isFinished(this.run.status);
  }

  /** The socket is the source; while it is down, read the run every few seconds instead. */
  private async poll(): Promise<void> {
    if (this.liveState === "live" || this.finished() || document.visibilityState !== "visible") return;
    try {
      this.run = await this.context.api.getRun(this.runId);
      if (!this.disposed) this.render();
    } catch {
      // keep what is shown; the next poll tries again
    }
  }

  /** Running bars grow with the clock. */
  private tick(): void {
    if (this.run && !this.finished()) replaceChildren(this.chart, timeline(this.run));
  }

  private showLiveState(state: LiveState): void {
    this.liveState = state;
    const finished = this.finished();
    this.liveBadge.textContent = finished
      ? "Finished"
      : state === "live"
        ? "Live"
        : state === "connecting"
          ? "Connecting…"
          : "Reconnecting…";
    this.liveBadge.classList.toggle("off", finished || state !== "live");
  }

  private render(): void {
    const run = this.run;
    if (!run) return;
    replaceChildren(this.heading, h("span", { class: "mono" }, run.id), " ", statusBadge(run.status));
    this.showLiveState(this.liveState);
    this.renderFacts(run);
    this.renderActions(run);
    replaceChildren(
      this.problem,
      run.error
        ? h(
            "div",
            { class: "notice notice-error" },
            h("strong", {}, `Run ${run.status}: `),
            `${run.error.code}: ${run.error.message}`,
          )
        : null,
    );
    this.renderGraph(run);
    replaceChildren(this.chart, timeline(run));
    this.renderSteps(run);
    replaceChildren(
      this.runData,
      h("div", { class: "json-section" }, h("h3", {}, "Input"), jsonView(run.input, "Run input")),
      h(
        "div",
        { class: "json-section" },
        h("h3", {}, "Output"),
        run.output === null ? h("p", { class: "muted" }, "none yet") : jsonView(run.output, "Run output"),
      ),
    );
  }

  private factsKey = "";
  private renderFacts(run: RunView): void {
    const key = `${run.status}|${run.finishedAt}|${run.startedAt}|${JSON.stringify(run.usage)}`;
    if (key === this.factsKey) return;
    this.factsKey = key;
    const duration = elapsedMs(run.startedAt, run.finishedAt);
    const fact = (term: string, ...value: (Node | string | null)[]) =>
      h("div", {}, h("dt", {}, term), h("dd", {}, value));
    replaceChildren(
      this.facts,
      fact("Workflow", h("span", { class: "mono" }, run.workflow), ` v${run.version}`),
      fact("Trigger", run.trigger.type),
      fact("Created", formatTime(run.createdAt)),
      fact("Finished", formatTime(run.finishedAt)),
      fact("Duration", duration === undefined ? "–" : formatDuration(duration)),
      run.rerunOf
        ? fact("Rerun of", h("a", { href: `/runs/${encodeURIComponent(run.rerunOf)}`, class: "mono" }, run.rerunOf))
        : null,
      run.parent
        ? fact(
            "Started by",
            h("a", { href: `/runs/${encodeURIComponent(run.parent.runId)}`, class: "mono" }, run.parent.runId),
            ` step ${run.parent.stepId}`,
          )
        : null,
      run.usage ? fact("Model usage", formatUsage(run.usage)) : null,
    );
  }

  /** Redrawn only when what it offers changes, so a chosen "from step" survives updates. */
  private renderActions(run: RunView): void {
    const key = `${run.status}|${run.steps.map((step) => step.id).join(",")}`;
    if (key === this.actionsKey) return;
    this.actionsKey = key;
    replaceChildren(
      this.actions,
      runActions(this.context, run, { onChanged: (changed) => ((this.run = changed), this.render()) }),
    );
  }

  private renderGraph(run: RunView): void {
    const focused = (document.activeElement as Element | null)?.closest?.("[data-step]")?.getAttribute("data-step");
    const hadFocus = this.graph.contains(document.activeElement);
    replaceChildren(
      this.graph,
      stepGraph(run.steps, this.definition, { selected: this.selected, onSelect: (stepId) => this.select(stepId) }),
    );
    if (hadFocus && focused) this.graph.querySelector<SVGGElement>(`g[data-step="${CSS.escape(focused)}"]`)?.focus();
  }

  private renderSteps(run: RunView): void {
    const byId = new Map<string, StepDefinition>(
      [...(this.definition?.steps ?? []), ...(this.definition?.onFailure ?? [])].map((step) => [step.id, step]),
    );
    const order = run.steps.map((step) => {
      let panel = this.panels.get(step.id);
      if (!panel)
        this.panels.set(step.id, (panel = new StepPanel(this.context.api, this.context.session, run.id, step.id)));
      panel.update(step, byId.get(step.id));
      return panel.element;
    });
    if (order.some((element, index) => this.steps.children[index] !== element)) replaceChildren(this.steps, order);
  }

  private select(stepId: string): void {
    this.selected = stepId;
    if (this.run) this.renderGraph(this.run);
    const panel = this.panels.get(stepId);
    if (!panel) return;
    panel.element.open = true;
    panel.element.scrollIntoView({ block: "nearest" });
    panel.element.querySelector("summary")?.focus({ preventScroll: true });
  }

  dispose(): void {
    this.disposed = true;
    this.stopLive?.();
    for (const timer of this.timers) clearInterval(timer);
  }
}
