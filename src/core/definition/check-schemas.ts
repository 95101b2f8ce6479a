// JSON Schema documents inside a definition (the run `input`, an llm step's `schema`)
// must compile, so a typo surfaces when the workflow is saved rather than at run time.
import { Validator } from "@cfworker/json-schema";
import type { Issue } from "../problem";
import { formatPath } from "./issues";
import { isFields, type Segment } from "./strings";

const JSON_TYPES = new Set(["null", "boolean", "object", "array", "number", "string", "integer"]);

export function jsonSchemaIssues(raw: unknown): Issue[] {
  if (!isFields(raw)) return [];
  const issues: Issue[] = [];
  if (isFields(raw.input)) issues.push(...schemaDocumentIssues(raw.input, ["input"]));
  for (const key of ["steps", "onFailure"] as const) {
    const list = raw[key];
    if (!Array.isArray(list)) continue;
    list.forEach((step: unknown, index) => {
      if (!isFields(step)) return;
      const inline = step.type === "map" && isFields(step.step) ? step.step : undefined;
      if (step.type === "llm" && isFields(step.schema))
        issues.push(...schemaDocumentIssues(step.schema, [key, index, "schema"]));
      if (inline?.type === "llm" && isFields(inline.schema))
        issues.push(...schemaDocumentIssues(inline.schema, [key, index, "step", "schema"]));
    });
  }
  return issues;
}

function schemaDocumentIssues(schema: Record<string, unknown>, path: Segment[]): Issue[] {
  const issues = typeIssues(schema, path);
  try {
    new Validator(schema, "2020-12").validate(null);
  } catch (error) {
    issues.push({
      path: formatPath(path),
      message: `the JSON Schema does not compile: ${(error as Error).message.split("\n")[0]}`,
    });
  }
  return issues;
}

/** Keywords whose value maps names to subschemas (a property may be called "type"). */
const SCHEMA_MAPS = new Set(["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"]);
/** Keywords holding instance data, not schemas. */
const DATA_KEYWORDS = new Set(["const", "enum", "default", "examples"]);

/** `type` keywords anywhere in the document must name JSON types (the commonest mistake). */
function typeIssues(node: unknown, path: Segment[]): Issue[] {
  if (Array.isArray(node)) return node.flatMap((item, index) => typeIssues(item, [...path, index]));
  if (!isFields(node)) return [];
  const issues: Issue[] = [];
  for (const [key, value] of Object.entries(node)) {
    const at = [...path, key];
    if (key === "type") {
      if (!isJsonType(value))
        issues.push({
          path: formatPath(at),
          message: `${JSON.stringify(value)} is not a JSON Schema type; expected ${[...JSON_TYPES].join(", ")}`,
        });
    } else if (SCHEMA_MAPS.has(key) && isFields(value)) {
      for (const [name, schema] of Object.entries(value)) issues.push(...typeIssues(schema, [...at, name]));
    } else if (!DATA_KEYWORDS.has(key)) {
      issues.push(...typeIssues(value, at));
    }
  }
  return issues;
}

function isJsonType(value: unknown): boolean {
  if (typeof value === "string") return JSON_TYPES.has(value);
  return (
    Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === "string" && JSON_TYPES.has(item))
  );
}
