// One entry point for definitions: the zod shape plus the checks a schema cannot
// express, run together so that every problem is reported at once.
import { expressionIssues } from "./check-expressions";
import { jsonSchemaIssues } from "./check-schemas";
import { stepGraphIssues } from "./check-steps";
import { triageIssues } from "./check-triage";
import { triggerIssues } from "./check-triggers";
import type { Issue } from "../problem";
import { issuesFromZod } from "./issues";
import { definitionSchema, type Definition } from "./schema";

export type ValidationResult = { ok: true; definition: Definition } | { ok: false; issues: Issue[] };

const MAX_DEFINITION_BYTES = 256 * 1024;

/**
 * Validates a parsed definition. The semantic checks read the raw value defensively,
 * so a bad duration and a `needs` typo are reported together, not one per save.
 */
export function validateDefinition(raw: unknown): ValidationResult {
  const serialized = serialize(raw);
  if (serialized === null)
    return {
      ok: false,
      issues: [{ path: "", message: "the definition is not plain JSON data (it refers to itself or holds a BigInt)" }],
    };
  const parsed = definitionSchema.safeParse(raw);
  const issues = [
    ...sizeIssues(serialized),
    ...(parsed.success ? [] : issuesFromZod(parsed.error.issues, raw)),
    ...stepGraphIssues(raw),
    ...triggerIssues(raw),
    ...expressionIssues(raw),
    ...jsonSchemaIssues(raw),
    ...triageIssues(raw),
  ];
  if (issues.length > 0 || !parsed.success) return { ok: false, issues: dedupe(issues) };
  return { ok: true, definition: parsed.data };
}

/** JSON text of the value, or null when it has none (cycles, BigInt); the walks below assume a tree. */
function serialize(raw: unknown): string | null {
  try {
    return JSON.stringify(raw) ?? "";
  } catch {
    return null;
  }
}

function sizeIssues(serialized: string): Issue[] {
  const bytes = new TextEncoder().encode(serialized).length;
  if (bytes <= MAX_DEFINITION_BYTES) return [];
  return [{ path: "", message: `the definition is ${Math.ceil(bytes / 1024)} KiB as JSON; the limit is 256 KiB` }];
}

/** The same sentence at the same path once (e.g. one bad placeholder used twice in a string). */
function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
