// Shared builders for definition tests: a minimal valid definition to mutate, and fixture loading.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseDefinitionText } from "../../../src/core/definition/parse";

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures/definitions");

/** The parsed value of a fixture under test/fixtures/definitions. */
export function loadFixture(name: string): unknown {
  const format = name.endsWith(".json") ? "json" : "yaml";
  const parsed = parseDefinitionText(readFileSync(path.join(fixtures, name), "utf8"), format);
  if (!parsed.ok) throw new Error(`fixture ${name} does not parse: ${JSON.stringify(parsed.issues)}`);
  return parsed.value;
}

type Fields = Record<string, unknown>;

/** A valid definition with one transform step, extended by `extra` and with `steps` replaced if given. */
export function definition(extra: Fields = {}): Fields {
  return {
    id: "orders",
    triggers: [{ type: "api" }],
    steps: [{ id: "a", type: "transform", expr: "input" }],
    ...extra,
  };
}

/** A valid definition whose only step is `step` (id "a" unless given). */
export function withStep(step: Fields, extra: Fields = {}): Fields {
  return definition({ steps: [{ id: "a", ...step }], ...extra });
}

/** A valid definition whose only trigger is `trigger`. */
export function withTrigger(trigger: Fields): Fields {
  return definition({ triggers: [trigger] });
}

export const http = (request: Fields = { url: "https://example.test" }, extra: Fields = {}): Fields => ({
  type: "http",
  request,
  ...extra,
});
export const transform = (id: string, needs?: string[], expr = "input"): Fields => ({
  id,
  type: "transform",
  expr,
  ...(needs ? { needs } : {}),
});
