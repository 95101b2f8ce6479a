// The definition editor: a code area validated as you type. Syntax is checked in the
// browser at every keystroke (so a YAML or JSON slip shows at its line at once); the
// definition itself, ~300 ms after typing stops, by POST /api/workflows/validate, the
// server being the one judge. Every problem is placed at its line from its path.
import { ApiError, type Api } from "../api";
import { h, replaceChildren } from "../dom";
import { plural } from "../format";
import type { DefinitionFormat, Issue } from "../types";
import { CodeArea } from "./code-area";
import { definitionToText, parseDefinitionText, type LocatedIssue, type ParsedText } from "./definition-text";
import { issueList } from "./issue-list";

const VALIDATE_AFTER_MS = 300;

export interface DefinitionEditorOptions {
  api: Api;
  text: string;
  format: DefinitionFormat;
  readOnly: boolean;
  /** The parsed definition after each edit that parses (for the graph preview). */
  onParsed: (value: unknown) => void;
  onInput?: () => void;
}

export class DefinitionEditor {
  readonly element: HTMLElement;
  private readonly area: CodeArea;
  private readonly status = h("p", { id: "editor-status", class: "editor-status", role: "status" });
  private readonly problems = h("div", { class: "problems" });
  private formatNow: DefinitionFormat;
  private parsed: ParsedText | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sequence = 0;

  constructor(private readonly options: DefinitionEditorOptions) {
    this.formatNow = options.format;
    this.area = new CodeArea({
      id: "definition",
      value: options.text,
      readOnly: options.readOnly,
      describedBy: "editor-status",
      onInput: () => this.edited(),
    });
    this.element = h(
      "div",
      { class: "definition-editor" },
      h("label", { for: "definition", class: "visually-hidden" }, "Definition"),
      this.area.element,
      this.status,
      h("h3", { id: "problems-heading" }, "Problems"),
      this.problems,
    );
    this.check();
  }

  get text(): string {
    return this.area.value;
  }

  get format(): DefinitionFormat {
    return this.formatNow;
  }

  /** The definition as parsed from the current text, or undefined while its syntax is broken. */
  get value(): unknown {
    return this.parsed?.ok ? this.parsed.value : undefined;
  }

  /** Rewrites the text in the other format; refused (false) while the text does not parse. */
  convert(format: DefinitionFormat): boolean {
    if (format === this.formatNow) return true;
    if (!this.parsed?.ok) return false;
    this.formatNow = format;
    this.area.value = definitionToText(this.parsed.value, format);
    this.check();
    return true;
  }

  /** Shows problems found elsewhere (a refused save) at their lines. */
  showIssues(issues: readonly Issue[], summary: string): void {
    const parsed = parseDefinitionText(this.text, this.formatNow);
    this.render(
      parsed.ok ? issues.map((issue) => ({ ...issue, position: parsed.locate(issue.path) })) : parsed.issues,
      summary,
    );
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.sequence++;
  }

  private edited(): void {
    this.options.onInput?.();
    this.check();
  }

  private check(): void {
    clearTimeout(this.timer);
    const sequence = ++this.sequence;
    const parsed = (this.parsed = parseDefinitionText(this.text, this.formatNow));
    if (!parsed.ok) return this.render(parsed.issues, "Syntax error: the definition cannot be read.");
    this.options.onParsed(parsed.value);
    this.status.textContent = "Checking…";
    const text = this.text;
    const format = this.formatNow;
    this.timer = setTimeout(() => void this.validate(text, format, parsed, sequence), VALIDATE_AFTER_MS);
  }

  private async validate(
    text: string,
    format: DefinitionFormat,
    parsed: ParsedText & { ok: true },
    sequence: number,
  ): Promise<void> {
    let issues: readonly Issue[];
    try {
      issues = (await this.options.api.validateDefinition(text, format)).issues;
    } catch (error) {
      if (sequence !== this.sequence) return;
      if (error instanceof ApiError && error.issues.length > 0) issues = error.issues;
      else return this.render([], `Could not check the definition: ${(error as Error).message}`);
    }
    if (sequence !== this.sequence) return;
    const located = issues.map((issue) => ({ ...issue, position: parsed.locate(issue.path) }));
    this.render(located, located.length === 0 ? "No problems found." : `${plural(located.length, "problem")} found.`);
  }

  private render(issues: readonly LocatedIssue[], summary: string): void {
    this.status.textContent = summary;
    this.status.classList.toggle("has-problems", issues.length > 0);
    this.area.setMarkers(issues.map((issue) => ({ line: issue.position.line, message: issue.message })));
    replaceChildren(
      this.problems,
      issues.length === 0
        ? h("p", { class: "muted" }, "None.")
        : issueList(issues, (issue) => this.area.moveTo(issue.position)),
    );
  }

  /** Puts the cursor on a step's entry, e.g. when its node is chosen in the preview. */
  goToStep(stepId: string): void {
    if (!this.parsed?.ok || !this.parsed.value || typeof this.parsed.value !== "object") return;
    const steps = (this.parsed.value as { steps?: unknown }).steps;
    const index = Array.isArray(steps) ? steps.findIndex((step) => (step as { id?: unknown })?.id === stepId) : -1;
    if (index >= 0) this.area.moveTo(this.parsed.locate(`steps[${index}].id`));
  }
}
