// Validation problems as {path, message} for people: zod's issues rewritten as
// sentences, paths as `steps[2].retry.delay` relative to the definition root.
import type { z } from "zod";
import type { Issue } from "../problem";
import { STEP_TYPES } from "./steps";
import { TRIGGER_TYPES } from "./triggers";

type Segment = PropertyKey;

export function formatPath(path: readonly Segment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** Rewrites zod's issues (one per unknown key) in the words of the definition format. */
export function issuesFromZod(issues: readonly z.core.$ZodIssue[], raw: unknown): Issue[] {
  return issues.flatMap((issue): Issue[] => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        message: unknownFieldMessage(issue.path, key),
      }));
    }
    return [{ path: formatPath(issue.path), message: messageFor(issue, raw) }];
  });
}

function unknownFieldMessage(path: readonly Segment[], key: string): string {
  if (key === "needs" && path.at(-1) === "step")
    return "the step inside a map runs once per item and cannot have needs; put needs on the map step";
  return `unknown field "${key}"`;
}

const ZOD_DEFAULT_MESSAGE = /^(Invalid|Too small|Too big|Unrecognized)/;

function messageFor(issue: z.core.$ZodIssue, raw: unknown): string {
  if (issue.code === "custom" || !ZOD_DEFAULT_MESSAGE.test(issue.message)) return issue.message;
  const value = valueAt(raw, issue.path);
  switch (issue.code) {
    case "invalid_type":
      return value === undefined
        ? missingFieldMessage(issue.path, raw)
        : `expected ${typeName(issue.expected)}, got ${describe(value)}`;
    case "invalid_value":
      return issue.values.length === 1
        ? `expected ${JSON.stringify(issue.values[0])}, got ${describe(value)}`
        : `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${describe(value)}`;
    case "invalid_union":
      return unionMessage(issue, value);
    case "too_small":
      return boundMessage("at least", "more than", issue.origin, issue.minimum, issue.inclusive);
    case "too_big":
      return boundMessage("at most", "less than", issue.origin, issue.maximum, issue.inclusive);
    default:
      return issue.message;
  }
}

function missingFieldMessage(path: readonly Segment[], raw: unknown): string {
  const field = String(path.at(-1));
  const parent = valueAt(raw, path.slice(0, -1)) as { type?: unknown } | undefined;
  if (field === "verify" && parent?.type === "webhook") {
    return "a webhook trigger needs verify; to accept unsigned requests write verify: { scheme: none } explicitly";
  }
  return `missing required field "${field}"`;
}

/** What zod 4 adds to a discriminated union's issue, beyond its published type. */
interface DiscriminatorDetails {
  note?: string;
  options?: readonly unknown[];
}

function unionMessage(issue: z.core.$ZodIssueInvalidUnion, value: unknown): string {
  const details = issue as DiscriminatorDetails;
  if (details.note === "No matching discriminator") {
    const isTrigger = details.options?.includes(TRIGGER_TYPES[0]) ?? false;
    const kind = isTrigger ? "trigger" : "step";
    const known = (details.options ?? (isTrigger ? TRIGGER_TYPES : STEP_TYPES)).join(", ");
    if (value === undefined) return `missing "type"; the ${kind} types are ${known}`;
    if (value === "map" && !isTrigger && !details.options?.includes("map")) {
      return "the step inside a map cannot itself be a map; wrap the inner map in a child workflow step";
    }
    return `unknown ${kind} type ${describe(value)}; the ${kind} types are ${known}`;
  }
  const expected = issue.errors.map((branch) =>
    branch.length === 1 && branch[0]!.code === "invalid_type" ? branch[0]!.expected : null,
  );
  if (expected.every((name) => name !== null)) {
    const names = expected.map((name) => typeName(name!));
    return `expected ${names.slice(0, -1).join(", ")} or ${names.at(-1)}, got ${describe(value)}`;
  }
  return `${describe(value)} matches none of the allowed forms`;
}

function boundMessage(
  inclusiveWord: string,
  exclusiveWord: string,
  origin: string,
  bound: number | bigint,
  inclusive?: boolean,
): string {
  const word = inclusive === false ? exclusiveWord : inclusiveWord;
  if (origin === "array") return `expected ${word} ${bound} item${bound === 1 ? "" : "s"}`;
  if (origin === "string") return `expected ${word} ${bound} character${bound === 1 ? "" : "s"}`;
  return `expected a number ${word} ${bound}`;
}

function typeName(expected: string): string {
  const names: Record<string, string> = {
    int: "an integer",
    array: "a list",
    object: "an object",
    record: "an object",
    undefined: "nothing",
  };
  return names[expected] ?? `a ${expected}`;
}

/** A short rendering of a value for messages. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === undefined) return "nothing";
  return String(value);
}

function valueAt(root: unknown, path: readonly Segment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}
