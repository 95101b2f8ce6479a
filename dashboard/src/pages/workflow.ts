// One workflow: its triggers, webhook URL, schedules and switch; its definition
// in an editor that validates as you type, with a live graph preview and Save (editors);
// "Run now" with a form generated from the input schema (operators). Viewers read only.
// `/new-workflow` is the same page on a template, until the first save names it.
import { ApiError } from "../api";
import { DefinitionEditor } from "../components/definition-editor";
import { definitionToText, isRecord } from "../components/definition-text";
import { graphPreview } from "../components/graph-preview";
import { errorNotice, loading } from "../components/notice";
import { runForm } from "../components/run-form";
import { copyField, enabledSwitch, triggerList } from "../components/workflow-facts";
import { h, replaceChildren } from "../dom";
import { formatTime } from "../format";
import type { PageContext, PageModule } from "../router";
import type { DefinitionFormat, WorkflowDetail } from "../types";

const TEMPLATE = `id: my-workflow
name: My workflow
description: Greets someone.
triggers:
  - type: api
input:
  type: object
  required: [name]
  properties:
    name: { type: string, description: Who to greet }
steps:
  - id: greet
    type: transform
    expr: "'Hello, ' & input.name"
`;

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
  private readonly saveFeedback = h("div", { class: "save-feedback", role: "status" });
  private readonly preview = h("div", { class: "graph-wrap", role: "region", "aria-label": "Graph preview" });
  private workflow: WorkflowDetail | undefined;
  private editor: DefinitionEditor | undefined;
  /** The text as last loaded or saved; the editor differing from it is unsaved work. */
  private savedText: string | undefined;
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
    const text = this.workflow ? definitionToText(this.workflow.definition, "yaml") : TEMPLATE;
    const mayEdit = this.context.session.can("editor");
    this.editor = new DefinitionEditor({
      api: this.context.api,
      text,
      format: "yaml",
      readOnly: !mayEdit,
      onParsed: (value) => this.drawPreview(value),
    });
    this.savedText = mayEdit ? text : undefined;
    replaceChildren(
      this.body,
      this.facts,
      this.runPanel,
      h(
        "div",
        { class: "definition-head" },
        h("h2", {}, "Definition"),
        this.formatSwitch(),
        mayEdit
          ? h("button", { type: "button", class: "primary", onclick: () => void this.save() }, "Save")
          : h("span", { class: "muted small" }, "Read only: editing needs the editor role."),
      ),
      this.saveFeedback,
      h(
        "div",
        { class: "editor-layout" },
        this.editor.element,
        h("div", { class: "preview" }, h("h3", {}, "Graph preview"), this.preview),
      ),
    );
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

  private formatSwitch(): HTMLElement {
    const radio = (format: DefinitionFormat, label: string) => {
      const input = h("input", {
        type: "radio",
        name: "format",
        id: `format-${format}`,
        value: format,
        checked: format === "yaml",
      });
      input.addEventListener("change", () => {
        if (this.editor?.convert(format)) return;
        (document.getElementById(`format-${format === "yaml" ? "json" : "yaml"}`) as HTMLInputElement).checked = true;
        replaceChildren(
          this.saveFeedback,
          h("p", { class: "notice notice-error" }, "Fix the syntax error before switching format."),
        );
      });
      return h("span", { class: "inline-field" }, input, h("label", { for: `format-${format}` }, label));
    };
    return h(
      "fieldset",
      { class: "format-switch" },
      h("legend", { class: "visually-hidden" }, "Format"),
      radio("yaml", "YAML"),
      radio("json", "JSON"),
    );
  }

  private drawPreview(value: unknown): void {
    replaceChildren(
      this.preview,
      graphPreview(value, (stepId) => this.editor?.goToStep(stepId)),
    );
  }

  private async save(): Promise<void> {
    const editor = this.editor;
    if (!editor) return;
    const value = editor.value;
    const feedback = this.saveFeedback;
    if (value === undefined)
      return replaceChildren(
        feedback,
        h("p", { class: "notice notice-error" }, "Not saved: fix the syntax error first (see Problems)."),
      );
    const id = this.id ?? (isRecord(value) && typeof value.id === "string" ? value.id : undefined);
    if (!id)
      return editor.showIssues(
        [{ path: "id", message: 'missing required field "id"' }],
        "Not saved: the definition needs an id.",
      );
    replaceChildren(feedback, h("p", { class: "muted" }, "Saving…"));
    try {
      if (!this.id && (await this.exists(id)))
        return replaceChildren(
          feedback,
          h(
            "p",
            { class: "notice notice-error" },
            `Not saved: a workflow "${id}" already exists. `,
            h("a", { href: `/workflows/${encodeURIComponent(id)}` }, "Open it"),
            " to edit it, or choose another id.",
          ),
        );
      const { workflow, created } = await this.context.api.saveWorkflow(id, editor.text, editor.format);
      if (this.disposed) return;
      this.workflow = workflow;
      this.savedText = editor.text;
      if (!this.id) {
        this.id = id;
        history.replaceState(null, "", `/workflows/${encodeURIComponent(id)}`);
      }
      this.runPanel.hidden = true; // its form follows the saved input schema when reopened
      this.showTitle();
      this.renderFacts();
      replaceChildren(
        feedback,
        h(
          "p",
          { class: "notice notice-ok" },
          created
            ? `Saved as version ${workflow.version}.`
            : `Unchanged: the definition is the same as version ${workflow.version}.`,
        ),
      );
    } catch (error) {
      if (error instanceof ApiError && error.issues.length > 0)
        editor.showIssues(error.issues, `Not saved: ${error.message}`);
      replaceChildren(feedback, errorNotice(error, "Not saved."));
    }
  }

  private async exists(id: string): Promise<boolean> {
    try {
      await this.context.api.getWorkflow(id);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return false;
      throw error;
    }
  }

  hasUnsavedChanges(): boolean {
    return this.editor !== undefined && this.savedText !== undefined && this.editor.text !== this.savedText;
  }

  dispose(): void {
    this.disposed = true;
    this.editor?.dispose();
  }
}
