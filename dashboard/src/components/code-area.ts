// A plain textarea with a line-number gutter whose lines can carry problem markers.
// No editor library: the textarea keeps the browser's own editing, undo, selection and
// accessibility; the gutter only mirrors it (hidden from screen readers, whose users get
// the problem list instead).
import { h } from "../dom";
import type { Position } from "./definition-text";

export interface LineMarker {
  line: number;
  message: string;
}

export interface CodeAreaOptions {
  id: string;
  value: string;
  readOnly: boolean;
  /** Ids of elements describing the text (the problem summary). */
  describedBy?: string;
  onInput: () => void;
}

export class CodeArea {
  readonly element: HTMLElement;
  readonly textarea: HTMLTextAreaElement;
  private readonly gutter = h("div", { class: "code-gutter", "aria-hidden": "true" });
  private lines: HTMLElement[] = [];

  constructor(options: CodeAreaOptions) {
    this.textarea = h("textarea", {
      id: options.id,
      class: "code-text",
      spellcheck: "false",
      autocapitalize: "off",
      autocomplete: "off",
      wrap: "off",
      readonly: options.readOnly,
      "aria-describedby": options.describedBy,
    });
    this.textarea.value = options.value;
    this.textarea.addEventListener("input", () => {
      this.renderLineNumbers();
      options.onInput();
    });
    this.textarea.addEventListener("scroll", () => this.syncScroll());
    this.element = h("div", { class: "code-area" }, this.gutter, this.textarea);
    this.renderLineNumbers();
  }

  get value(): string {
    return this.textarea.value;
  }

  set value(text: string) {
    this.textarea.value = text;
    this.renderLineNumbers();
  }

  /** Marks lines with problems: a glyph and the message as a tooltip, cleared first. */
  setMarkers(markers: readonly LineMarker[]): void {
    for (const line of this.lines) {
      line.classList.remove("marked");
      line.removeAttribute("title");
    }
    const byLine = new Map<number, string[]>();
    for (const marker of markers) byLine.set(marker.line, [...(byLine.get(marker.line) ?? []), marker.message]);
    for (const [line, messages] of byLine) {
      const element = this.lines[line - 1];
      if (!element) continue;
      element.classList.add("marked");
      element.title = messages.join("\n");
    }
    this.textarea.setAttribute("aria-invalid", String(markers.length > 0));
  }

  /** Puts the cursor at a position and scrolls its line into view. */
  moveTo(position: Position): void {
    this.textarea.focus({ preventScroll: true });
    this.textarea.setSelectionRange(position.offset, position.offset);
    const lineHeight = Number.parseFloat(getComputedStyle(this.textarea).lineHeight) || 20;
    this.textarea.scrollTop = Math.max(0, (position.line - 1) * lineHeight - this.textarea.clientHeight / 3);
    this.textarea.scrollIntoView({ block: "nearest" });
    this.syncScroll();
  }

  private renderLineNumbers(): void {
    const count = this.textarea.value.split("\n").length;
    if (count === this.lines.length) return;
    while (this.lines.length < count) {
      const line = h("div", { class: "code-line", "data-line": this.lines.length + 1 }, String(this.lines.length + 1));
      this.lines.push(line);
      this.gutter.append(line);
    }
    while (this.lines.length > count) this.lines.pop()!.remove();
    this.syncScroll();
  }

  private syncScroll(): void {
    this.gutter.scrollTop = this.textarea.scrollTop;
  }
}
