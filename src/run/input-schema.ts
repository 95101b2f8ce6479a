// Run input checked against the definition's JSON Schema. @cfworker/json-schema
// interprets schemas without generating code (Workers forbid `new Function`).
import { Validator } from "@cfworker/json-schema";
import type { Issue } from "../core/problem";

export function inputIssues(schema: Record<string, unknown> | undefined, input: unknown): Issue[] {
  if (!schema) return [];
  const result = new Validator(schema as never, "2020-12", false).validate(input);
  if (result.valid) return [];
  // The validator also reports every enclosing location; keep only the deepest ones,
  // with the last (most specific) message for each.
  const byLocation = new Map<string, string>();
  for (const error of result.errors) byLocation.set(error.instanceLocation, error.error);
  const locations = [...byLocation.keys()];
  const isEnclosing = (location: string) => locations.some((other) => other.startsWith(`${location}/`));
  return locations
    .filter((location) => !isEnclosing(location))
    .map((location) => ({ path: pointerToPath(location), message: byLocation.get(location)! }));
}

function pointerToPath(pointer: string): string {
  const segments = pointer
    .replace(/^#\/?/, "")
    .split("/")
    .filter(Boolean)
    .map((s) => decodeURIComponent(s).replaceAll("~1", "/").replaceAll("~0", "~"));
  return segments.reduce(
    (path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : `${path}.${segment}`),
    "input",
  );
}
