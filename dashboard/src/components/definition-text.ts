// Definition text in the browser: parsed as the server parses it (YAML 1.2 core schema,
// unique keys, one document; JSON as JSON), so a syntax error shows at its line at once,
// and every validation issue's path (`steps[1].retry.delay`) can be found in the text.
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  parseDocument,
  stringify,
  type Document,
  type Node,
} from "yaml";
import type { DefinitionFormat, Issue } from "../types";

/** 1-based line and column, and the character offset they stand for. */
export interface Position {
  line: number;
  column: number;
  offset: number;
}

export interface LocatedIssue extends Issue {
  position: Position;
}

export type ParsedText =
  | { ok: true; value: unknown; locate: (path: string) => Position }
  | { ok: false; issues: LocatedIssue[] };

export function parseDefinitionText(text: string, format: DefinitionFormat): ParsedText {
  return format === "json" ? parseJson(text) : parseYaml(text);
}

function parseYaml(text: string): ParsedText {
  const documents = parseAllDocuments(text, {
    version: "1.2",
    schema: "core",
    uniqueKeys: true,
    prettyErrors: false,
    lineCounter: new LineCounter(),
  });
  const list = Array.isArray(documents) ? documents : [];
  if (list.length === 0) return syntaxError(text, 0, "the document is empty");
  if (list.length > 1) return syntaxError(text, list[1]!.range[0], `expected one YAML document, found ${list.length}`);
  const document = list[0]!;
  if (document.errors.length > 0)
    return {
      ok: false,
      issues: document.errors.map((error) =>
        located(text, error.pos[0], "", `YAML syntax: ${firstLine(error.message)}`),
      ),
    };
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: 100 }) ?? null, locate: locator(text, document) };
  } catch (error) {
    return syntaxError(text, 0, `YAML: ${(error as Error).message}`);
  }
}

function parseJson(text: string): ParsedText {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message);
    // Without a position in the engine's message, the YAML parser (JSON is YAML) usually has one.
    const offset = position ? Number(position[1]) : (parseDocument(text).errors[0]?.pos[0] ?? text.length);
    const reason = message
      .replace(/\s*(in JSON )?at position \d+.*$/s, "")
      .replace(/,\s*(\.\.\.)?".*is not valid JSON$/s, "");
    return syntaxError(text, offset, `JSON syntax: ${reason}`);
  }
  return { ok: true, value, locate: locator(text, parseDocument(text, { uniqueKeys: false })) };
}

function syntaxError(text: string, offset: number, message: string): ParsedText {
  return { ok: false, issues: [located(text, offset, "", message)] };
}

function located(text: string, offset: number, path: string, message: string): LocatedIssue {
  return { path, message, position: positionAt(text, offset) };
}

const firstLine = (message: string) => message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");

/** The position of an issue's path: the deepest key or item of the path that the text has. */
function locator(text: string, document: Document): (path: string) => Position {
  return (path) => {
    let node: unknown = document.contents;
    let offset = rangeStart(node) ?? 0;
    for (const segment of pathSegments(path)) {
      if (isMap(node)) {
        const pair = node.items.find((item) => keyText(item.key) === String(segment));
        if (!pair) break;
        offset = rangeStart(pair.key) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === "number" && node.items[segment] !== undefined) {
        node = node.items[segment];
        offset = rangeStart(node) ?? offset;
      } else break;
    }
    return positionAt(text, offset);
  };
}

/** `steps[2].retry.delay` → ["steps", 2, "retry", "delay"]. */
function pathSegments(path: string): (string | number)[] {
  return [...path.matchAll(/\[(\d+)\]|([^.[\]]+)/g)].map((match) =>
    match[1] !== undefined ? Number(match[1]) : match[2]!,
  );
}

const keyText = (key: unknown) => (isScalar(key) ? String(key.value) : String(key));
const rangeStart = (node: unknown) =>
  node && typeof node === "object" && "range" in node ? ((node as Node).range?.[0] ?? undefined) : undefined;

function positionAt(text: string, offset: number): Position {
  const clamped = Math.max(0, Math.min(offset, text.length));
  const before = text.slice(0, clamped);
  const line = before.split("\n").length;
  return { line, column: clamped - before.lastIndexOf("\n"), offset: clamped };
}

/** Conventional order for reading: the stored definition has its keys sorted. */
const TOP_ORDER = [
  "id",
  "name",
  "description",
  "triggers",
  "input",
  "concurrency",
  "rateLimit",
  "debounce",
  "timeout",
  "retention",
  "triage",
  "steps",
  "onFailure",
  "output",
];
const STEP_ORDER = ["id", "type", "description", "needs", "if"];
const SCHEMA_ORDER = ["type", "description", "required", "properties"];

/** A definition as text people read and diff: YAML or indented JSON, ids and types first. */
export function definitionToText(definition: unknown, format: DefinitionFormat): string {
  const ordered = orderDefinition(definition);
  return format === "json" ? `${JSON.stringify(ordered, null, 2)}\n` : stringify(ordered, { lineWidth: 0 });
}

function orderDefinition(definition: unknown): unknown {
  if (!isRecord(definition)) return definition;
  const top = orderKeys(definition, TOP_ORDER);
  if (isRecord(top.input)) top.input = orderSchema(top.input);
  for (const list of ["steps", "onFailure"])
    if (Array.isArray(top[list])) top[list] = (top[list] as unknown[]).map(orderStep);
  return top;
}

function orderSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const ordered = orderKeys(schema, SCHEMA_ORDER);
  if (isRecord(ordered.properties))
    ordered.properties = Object.fromEntries(
      Object.entries(ordered.properties).map(([name, property]) => [
        name,
        isRecord(property) ? orderSchema(property) : property,
      ]),
    );
  return ordered;
}

function orderStep(step: unknown): unknown {
  if (!isRecord(step)) return step;
  const ordered = orderKeys(step, STEP_ORDER);
  if (isRecord(ordered.step)) ordered.step = orderStep(ordered.step);
  return ordered;
}

function orderKeys(value: Record<string, unknown>, first: readonly string[]): Record<string, unknown> {
  const keys = [...first.filter((key) => key in value), ...Object.keys(value).filter((key) => !first.includes(key))];
  return Object.fromEntries(keys.map((key) => [key, value[key]]));
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);
