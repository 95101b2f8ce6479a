// Collapsible JSON (details/summary): objects and arrays fold, values are text nodes,
// so a run's output is shown exactly as stored and never interpreted as HTML.
import { h, type Child } from "../dom";

const OPEN_DEPTH = 2;
const LONG_STRING = 400;

export function jsonView(value: unknown, label: string): HTMLElement {
  return h("div", { class: "json", role: "group", "aria-label": label }, renderValue(value, 0));
}

function renderValue(value: unknown, depth: number): Child {
  if (value === null) return h("span", { class: "json-null" }, "null");
  if (Array.isArray(value))
    return renderContainer(
      value.map((item, index) => [String(index), item] as const),
      count(value.length, "item"),
      "[",
      "]",
      depth,
      value.length === 0,
    );
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return renderContainer(entries, count(entries.length, "key"), "{", "}", depth, entries.length === 0, true);
  }
  if (typeof value === "string") return renderString(value);
  if (typeof value === "number" || typeof value === "boolean")
    return h("span", { class: `json-${typeof value}` }, String(value));
  return h("span", { class: "json-null" }, String(value));
}

function renderContainer(
  entries: readonly (readonly [string, unknown])[],
  size: string,
  open: string,
  close: string,
  depth: number,
  empty: boolean,
  keyed = false,
): Child {
  if (empty) return h("span", { class: "json-punct" }, `${open}${close}`);
  const rows = entries.map(([key, item]) =>
    h(
      "li",
      {},
      keyed ? [h("span", { class: "json-key" }, JSON.stringify(key)), h("span", { class: "json-punct" }, ": ")] : null,
      renderValue(item, depth + 1),
    ),
  );
  return h(
    "details",
    { class: "json-node", open: depth < OPEN_DEPTH },
    h(
      "summary",
      { "data-close": close },
      h("span", { class: "json-punct" }, open),
      h("span", { class: "json-size" }, ` ${size} `),
    ),
    h("ul", {}, rows),
    h("span", { class: "json-punct" }, close),
  );
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

function renderString(text: string): Child {
  const quoted = JSON.stringify(text);
  if (quoted.length <= LONG_STRING) return h("span", { class: "json-string" }, quoted);
  return h(
    "details",
    { class: "json-node" },
    h(
      "summary",
      {},
      h("span", { class: "json-string" }, `${quoted.slice(0, 80)}…`),
      h("span", { class: "json-size" }, ` (${text.length} characters)`),
    ),
    h("pre", { class: "json-string" }, quoted),
  );
}
