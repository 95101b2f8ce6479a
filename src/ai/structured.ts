// Structured output: a reply that must be JSON matching the step's JSON Schema. A reply
// that is not is a retryable `invalid_output` whose message says what was wrong, and
// whose `response.body` keeps the reply, so the next attempt can show the model both.
import { Validator, type Schema } from "@cfworker/json-schema";
import { INVALID_OUTPUT } from "../core/engine/dispatch";
import type { ErrorRecord } from "../core/errors";

const MAX_ISSUES = 5;
const KEPT_REPLY_CHARS = 4 * 1024;

export type StructuredResult = { ok: true; json: unknown } | { ok: false; error: ErrorRecord };

export function parseStructured(text: string, schema: Record<string, unknown>): StructuredResult {
  let json: unknown;
  try {
    json = JSON.parse(stripFence(text));
  } catch (error) {
    return invalid(`the reply is not JSON (${(error as Error).message})`, text);
  }
  const result = new Validator(schema as Schema, "2020-12", false).validate(json);
  if (result.valid) return { ok: true, json };
  // The deepest problems say the most; the validator also reports every enclosing keyword.
  const leaves = result.errors.filter(
    (issue) =>
      !result.errors.some(
        (other) =>
          other !== issue &&
          other.instanceLocation.startsWith(issue.instanceLocation) &&
          other.instanceLocation.length > issue.instanceLocation.length,
      ),
  );
  const issues = (leaves.length > 0 ? leaves : result.errors)
    .slice(0, MAX_ISSUES)
    .map((issue) => `${issue.instanceLocation.replace(/^#/, "") || "/"}: ${issue.error}`);
  return invalid(`the reply does not match the schema: ${[...new Set(issues)].join("; ")}`, text);
}

/** Models like to wrap JSON in a Markdown fence even when asked not to. */
function stripFence(text: string): string {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/i.exec(text);
  return (fenced ? fenced[1]! : text).trim();
}

function invalid(message: string, reply: string): StructuredResult {
  const body = reply.length > KEPT_REPLY_CHARS ? `${reply.slice(0, KEPT_REPLY_CHARS)}… [truncated]` : reply;
  return {
    ok: false,
    error: { code: INVALID_OUTPUT, message, retryable: true, response: { status: 200, headers: {}, body } },
  };
}
