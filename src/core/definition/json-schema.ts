// The definition format as JSON Schema (draft 2020-12), for editors and the API.
import { z } from "zod";
import { definitionSchema } from "./schema";

const DEFINITION_SCHEMA_ID = "https://waymark.dev/definition.schema.json";

let cached: Record<string, unknown> | undefined;

/** Computed from the zod schema once; refinements (e.g. "duration or until") are not expressed. */
export function definitionJsonSchema(): Record<string, unknown> {
  cached ??= {
    ...z.toJSONSchema(definitionSchema, { target: "draft-2020-12", io: "input", unrepresentable: "any" }),
    $id: DEFINITION_SCHEMA_ID,
    title: "Waymark workflow definition",
  };
  return cached;
}
