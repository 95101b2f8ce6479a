// "Run now": a form generated from the workflow's input schema (its `input` JSON Schema).
// Top-level string, number, integer, boolean and enum properties get their own control,
// required ones marked; anything else is typed as JSON. No schema: one JSON box.
import { ApiError } from "../api";
import { h, replaceChildren } from "../dom";
import { isRecord } from "./definition-text";
import { errorNotice } from "./notice";

type Kind = "string" | "number" | "integer" | "boolean" | "enum" | "json";

interface Field {
  name: string;
  kind: Kind;
  required: boolean;
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  error: HTMLElement;
  /** A select's values, by option index (the empty "not set" option aside). */
  choices?: readonly unknown[];
}

export interface RunFormOptions {
  schema: unknown;
  /** Starts the run; an ApiError with `input.*` issues is shown at the fields. */
  start: (input: unknown) => Promise<void>;
}

export function runForm(options: RunFormOptions): HTMLFormElement {
  const properties =
    isRecord(options.schema) && isRecord(options.schema.properties) ? options.schema.properties : undefined;
  const required = new Set(
    isRecord(options.schema) && Array.isArray(options.schema.required)
      ? options.schema.required.filter((name): name is string => typeof name === "string")
      : [],
  );
  // Required fields first; otherwise the schema's order (the stored definition sorts keys).
  const ordered = properties
    ? Object.entries(properties).sort(([a], [b]) => Number(required.has(b)) - Number(required.has(a)))
    : [];
  const fields: Field[] = properties
    ? ordered.map(([name, schema]) => field(name, schema, required.has(name)))
    : [field("input", { default: {} }, true, "Input (JSON)")];
  const feedback = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "primary" }, "Start run");
  const form = h(
    "form",
    { class: "run-form", "aria-label": "Run input", novalidate: true },
    fields.some((item) => item.required) && properties
      ? h("p", { class: "muted small" }, h("span", { "aria-hidden": "true" }, "* "), "marks a required field.")
      : null,
    fields.map(row),
    h("div", { class: "actions" }, submit),
    feedback,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    replaceChildren(feedback);
    const input = collect(fields, Boolean(properties));
    if (input === undefined) return form.querySelector<HTMLElement>("[aria-invalid='true']")?.focus();
    submit.disabled = true;
    options.start(input).then(
      () => (submit.disabled = false),
      (error: unknown) => {
        submit.disabled = false;
        if (error instanceof ApiError)
          for (const issue of error.issues) showFieldError(fields, issue.path, issue.message);
        replaceChildren(feedback, errorNotice(error, "The run did not start."));
      },
    );
  });
  return form;
}

function field(
  name: string,
  schema: unknown,
  required: boolean,
  label = name,
): Field & { label: string; hint?: string } {
  const spec = isRecord(schema) ? schema : {};
  const kind = kindOf(spec);
  const id = `run-input-${name.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  const fallback = spec.default;
  let control: Field["control"];
  let choices: unknown[] | undefined;
  if (kind === "enum" || (kind === "boolean" && !required)) {
    choices = kind === "enum" ? (spec.enum as unknown[]) : [true, false];
    control = h(
      "select",
      { id },
      required ? null : h("option", { value: "" }, "(not set)"),
      choices.map((value, index) =>
        h(
          "option",
          { value: String(index), selected: value === fallback },
          typeof value === "string" ? value : JSON.stringify(value),
        ),
      ),
    );
  } else if (kind === "boolean") {
    control = h("input", { id, type: "checkbox", checked: fallback === true });
  } else if (kind === "json") {
    control = h("textarea", { id, class: "mono", rows: 4, spellcheck: "false" });
    control.value = fallback === undefined ? "" : JSON.stringify(fallback, null, 2);
  } else {
    control = h("input", {
      id,
      type: kind === "string" ? "text" : "number",
      step: kind === "integer" ? "1" : kind === "number" ? "any" : null,
      required,
    });
    if (fallback !== undefined) control.value = String(fallback);
  }
  if (required && !(control instanceof HTMLInputElement && control.type === "checkbox"))
    control.setAttribute("aria-required", "true");
  const hint = typeof spec.description === "string" ? spec.description : kind === "json" ? "As JSON." : undefined;
  const error = h("p", { id: `${id}-error`, class: "field-error" });
  control.setAttribute("aria-describedby", `${id}-hint ${id}-error`);
  control.dataset.name = name;
  return { name, kind, required, control, error, choices, label, hint };
}

function kindOf(spec: Record<string, unknown>): Kind {
  if (
    Array.isArray(spec.enum) &&
    spec.enum.length > 0 &&
    spec.enum.every((value) => value === null || typeof value !== "object")
  )
    return "enum";
  if (spec.type === "string" || spec.type === "number" || spec.type === "integer" || spec.type === "boolean")
    return spec.type;
  return "json";
}

function row(item: Field & { label?: string; hint?: string }): HTMLElement {
  const id = item.control.id;
  return h(
    "div",
    { class: `field${item.kind === "boolean" && item.control instanceof HTMLInputElement ? " check" : ""}` },
    h(
      "label",
      { for: id },
      item.label ?? item.name,
      item.required ? h("span", { class: "required", "aria-hidden": "true" }, " *") : null,
      item.required ? h("span", { class: "visually-hidden" }, " (required)") : null,
      h("span", { class: "muted small" }, ` ${item.kind === "json" ? "" : item.kind}`),
    ),
    item.control,
    h("p", { id: `${id}-hint`, class: "muted small hint" }, item.hint ?? ""),
    item.error,
  );
}

/** The input object, or undefined after marking the fields that are wrong. */
function collect(fields: readonly Field[], perProperty: boolean): unknown {
  let ok = true;
  const input: Record<string, unknown> = {};
  for (const item of fields) {
    setError(item, "");
    const result = read(item);
    if ("error" in result) {
      setError(item, result.error);
      ok = false;
    } else if (result.value !== undefined) input[item.name] = result.value;
  }
  if (!ok) return undefined;
  return perProperty ? input : input.input;
}

function read(item: Field): { value: unknown } | { error: string } {
  const { control, kind, required } = item;
  if (control instanceof HTMLInputElement && control.type === "checkbox") return { value: control.checked };
  const raw = control.value.trim();
  if (raw === "") return required ? { error: "Required." } : { value: undefined };
  if (control instanceof HTMLSelectElement) return { value: item.choices?.[Number(raw)] };
  if (kind === "json") {
    try {
      return { value: JSON.parse(raw) };
    } catch (error) {
      return { error: `Not valid JSON: ${(error as Error).message}` };
    }
  }
  if (kind === "number" || kind === "integer") {
    const number = Number(raw);
    if (!Number.isFinite(number) || (kind === "integer" && !Number.isInteger(number)))
      return { error: `Expected ${kind === "integer" ? "a whole number" : "a number"}.` };
    return { value: number };
  }
  return { value: control.value };
}

function setError(item: Field, message: string): void {
  item.error.textContent = message;
  if (message) item.control.setAttribute("aria-invalid", "true");
  else item.control.removeAttribute("aria-invalid");
}

/** `input.orderId` → the orderId field; `input` (or no matching field) → the first. */
function showFieldError(fields: readonly Field[], path: string, message: string): void {
  const name = /^input\.([^.[]+)/.exec(path)?.[1];
  const target = fields.find((item) => item.name === name) ?? (fields.length === 1 ? fields[0] : undefined);
  if (target) setError(target, message);
}
