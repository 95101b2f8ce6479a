// The workflow page's definition (pages/workflow.ts): the editor that validates as you
// type, its live graph preview, the YAML/JSON switch and Save (editors; viewers read only).
// A new workflow starts from TEMPLATE and takes its id from the definition at the first save.
import { type Api, ApiError } from "../api";
import { DefinitionEditor } from "../components/definition-editor";
import { isRecord } from "../components/definition-text";
import { graphPreview } from "../components/graph-preview";
import { errorNotice } from "../components/notice";
import { type Child, h, replaceChildren } from "../dom";
import type { DefinitionFormat, WorkflowDetail } from "../types";

export const TEMPLATE = `id: my-workflow
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

export interface DefinitionPanelOptions {
  readonly api: Api;
  readonly text: string;
  readonly mayEdit: boolean;
  /** The workflow's id; undefined for a new one until its first save. */
  id(): string | undefined;
  /** A save the server took (a new version or the same one), before the panel says so. */
  onSaved(id: string, workflow: WorkflowDetail): void;
}

export class DefinitionPanel {
  /** The heading row (with the format switch and Save), the save feedback and the editor beside its preview. */
  readonly elements: Child[];
  private readonly editor: DefinitionEditor;
  private readonly saveFeedback = h("div", { class: "save-feedback", role: "status" });
  private readonly preview = h("div", { class: "graph-wrap", role: "region", "aria-label": "Graph preview" });
  /** The text as last loaded or saved; the editor differing from it is unsaved work. */
  private savedText: string | undefined;
  private disposed = false;

  constructor(private readonly options: DefinitionPanelOptions) {
    this.editor = new DefinitionEditor({
      api: options.api,
      text: options.text,
      format: "yaml",
      readOnly: !options.mayEdit,
      onParsed: (value) => this.drawPreview(value),
    });
    this.savedText = options.mayEdit ? options.text : undefined;
    this.elements = [
      h(
        "div",
        { class: "definition-head" },
        h("h2", {}, "Definition"),
        this.formatSwitch(),
        options.mayEdit
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
    ];
  }

  hasUnsavedChanges(): boolean {
    return this.savedText !== undefined && this.editor.text !== this.savedText;
  }

  dispose(): void {
    this.disposed = true;
    this.editor.dispose();
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
        if (this.editor.convert(format)) return;
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
    // The editor calls this while it is being built; a node is chosen only later, when it exists.
    replaceChildren(
      this.preview,
      graphPreview(value, (stepId) => this.editor.goToStep(stepId)),
    );
  }

  private async save(): Promise<void> {
    const editor = this.editor;
    const value = editor.value;
    const feedback = this.saveFeedback;
    if (value === undefined)
      return replaceChildren(
        feedback,
        h("p", { class: "notice notice-error" }, "Not saved: fix the syntax error first (see Problems)."),
      );
    const known = this.options.id();
    const id = known ?? (isRecord(value) && typeof value.id === "string" ? value.id : undefined);
    if (!id)
      return editor.showIssues(
        [{ path: "id", message: 'missing required field "id"' }],
        "Not saved: the definition needs an id.",
      );
    replaceChildren(feedback, h("p", { class: "muted" }, "Saving…"));
    try {
      if (!known && (await workflowExists(this.options.api, id)))
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
      const { workflow, created } = await this.options.api.saveWorkflow(id, editor.text, editor.format);
      if (this.disposed) return;
      this.savedText = editor.text;
      this.options.onSaved(id, workflow);
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
}

async function workflowExists(api: Api, id: string): Promise<boolean> {
  try {
    await api.getWorkflow(id);
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return false;
    throw error;
  }
}
