// One workflow: its triggers, webhook URL, schedules and switch; its definition
// in an editor that validates as you type, with a live graph preview and Save (editors;
// workflow-definition.ts); "Run now" with a form generated from the input schema
// (operators). Viewers read only. `/new-workflow` is the same page on a template, until
// the first save names it.
import { definitionToText } from "../components/definition-text";
import { errorNotice, loading } from "../components/notice";
import { runForm } from "../components/run-form";
import { copyField, enabledSwitch, triggerList } from "../components/workflow-facts";
import { h, replaceChildren } from "../dom";
import { formatTime } from "../format";
import type { PageContext, PageModule } from "../router";
import type { WorkflowDetail } from "../types";
import { DefinitionPanel, TEMPLATE } from "./workflow-definition";

export const workflowPage: PageModule = (context, params) => {
  const screen = new WorkflowScreen(context, params.id);
  return {
    title: params.id ? `Workflow ${params.id}` : "New workflow",
    element: screen.element,
    dispose: () => screen.dispose(),
    hasUnsavedChanges: () => screen.hasUnsavedChanges(),
  };
};

class WorkflowScreen {
  readonly element: HTMLElement;
  private readonly heading = h("h1", { tabindex: "-1" });
  private readonly crumb = h("span", { class: "mono" });
  private readonly body = h("div", {}, loading("the workflow"));
  private readonly facts = h("div", { class: "workflow-facts" });
  private readonly runPanel = h("section", {
    id: "run-now",
    class: "run-panel",
    "aria-labelledby": "run-now-heading",
    hidden: true,
  });
  private workflow: WorkflowDetail | undefined;
  private definition: DefinitionPanel | undefined;
  private disposed = false;

  constructor(
    private readonly context: PageContext,
    private id: string | undefined,
  ) {
    this.element = h(
      "section",
      { class: "workflow-page" },
      h(
        "nav",
        { class: "crumbs", "aria-label": "Breadcrumb" },
        h("a", { href: "/workflows" }, "Workflows"),
        " › ",
        this.crumb,
      ),
      h("div", { class: "page-head" }, this.heading),
      this.body,
    );
    this.showTitle();
    void this.load();
  }

  private async load(): Promise<void> {
    if (this.id) {
      try {
        this.workflow = await this.context.api.getWorkflow(this.id);
      } catch (error) {
        if (!this.disposed) replaceChildren(this.body, errorNotice(error, "Could not load this workflow."));
        return;
      }
    }
    if (this.disposed) return;
    this.showTitle();
    this.definition = new DefinitionPanel({
      api: this.context.api,
      text: this.workflow ? definitionToText(this.workflow.definition, "yaml") : TEMPLATE,
      mayEdit: this.context.session.can("editor"),
      id: () => this.id,
      onSaved: (id, workflow) => this.saved(id, workflow),
    });
    replaceChildren(this.body, this.facts, this.runPanel, this.definition.elements);
    this.renderFacts();
  }

  private showTitle(): void {
    const name = this.workflow?.name ?? this.id ?? "New workflow";
    replaceChildren(
      this.heading,
      name,
      this.workflow ? h("span", { class: "version-tag" }, ` v${this.workflow.version}`) : null,
    );
    replaceChildren(this.crumb, this.id ?? "new");
    document.title = `${this.id ? `Workflow ${this.id}` : "New workflow"} · Waymark`;
  }

  private renderFacts(): void {
    const workflow = this.workflow;
    if (!workflow)
      return replaceChildren(
        this.facts,
        h("p", { class: "muted" }, "A new workflow: its id is the definition's id. Save to create it."),
      );
    const { api, session } = this.context;
    const fact = (term: string, ...value: (Node | string | null)[]) =>
      h("div", {}, h("dt", {}, term), h("dd", {}, value));
    replaceChildren(
      this.facts,
      workflow.description ? h("p", {}, workflow.description) : null,
      h(
        "dl",
        { class: "facts" },
        fact("Id", h("span", { class: "mono" }, workflow.id)),
        fact(
          "Version",
          h("a", { href: `/workflows/${encodeURIComponent(workflow.id)}/versions` }, `v${workflow.version} · history`),
        ),
        fact(
          "Enabled",
          workflow.archived
            ? "archived"
            : enabledSwitch(api, workflow, session.can("editor"), () => void this.reload()),
        ),
        fact("Updated", formatTime(workflow.updatedAt)),
      ),
      h("h2", {}, "Triggers"),
      triggerList(workflow.triggers ?? [], workflow.schedules, 5),
      workflow.webhookUrl
        ? h("div", { class: "webhook" }, h("h3", {}, "Webhook URL"), copyField(workflow.webhookUrl, "webhook URL"))
        : null,
      h(
        "div",
        { class: "run-actions" },
        session.can("operator")
          ? h(
              "button",
              {
                type: "button",
                "aria-expanded": String(!this.runPanel.hidden),
                "aria-controls": "run-now",
                onclick: (event: Event) => this.toggleRunPanel(event.currentTarget as HTMLButtonElement),
              },
              "Run now",
            )
          : null,
        h("a", { href: `/runs?workflow=${encodeURIComponent(workflow.id)}` }, "Runs of this workflow"),
      ),
    );
  }

  private async reload(): Promise<void> {
    if (!this.id) return;
    try {
      this.workflow = await this.context.api.getWorkflow(this.id);
      if (!this.disposed) this.renderFacts();
    } catch {
      // the facts shown stay
    }
  }

  private toggleRunPanel(button: HTMLButtonElement): void {
    const workflow = this.workflow;
    if (!workflow) return;
    this.runPanel.hidden = !this.runPanel.hidden;
    button.setAttribute("aria-expanded", String(!this.runPanel.hidden));
    if (this.runPanel.hidden) return;
    const start = async (input: unknown) => {
      const run = await this.context.api.startWorkflowRun(workflow.id, input);
      this.context.navigate(`/runs/${encodeURIComponent(run.id)}`);
    };
    replaceChildren(
      this.runPanel,
      h("h2", { id: "run-now-heading" }, "Run now"),
      h("p", { class: "muted small" }, `Starts version ${workflow.version}, the saved definition.`),
      runForm({ schema: workflow.definition.input, start }),
    );
    this.runPanel.querySelector<HTMLElement>("input, select, textarea, button")?.focus();
  }

  private saved(id: string, workflow: WorkflowDetail): void {
    this.workflow = workflow;
    if (!this.id) {
      this.id = id;
      history.replaceState(null, "", `/workflows/${encodeURIComponent(id)}`);
    }
    this.runPanel.hidden = true; // its form follows the saved input schema when reopened
    this.showTitle();
    this.renderFacts();
  }

  hasUnsavedChanges(): boolean {
    return this.definition?.hasUnsavedChanges() ?? false;
  }

  dispose(): void {
    this.disposed = true;
    this.definition?.dispose();
  }
}
