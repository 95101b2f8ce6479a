// Definition text (JSON or YAML) to a plain value, with line and column in every error.
// Shape checks are validate.ts's; this only turns text into data.
import { LineCounter, parseAllDocuments } from "yaml";
import type { Issue } from "../problem";

export type DefinitionFormat = "json" | "yaml";
export type ParseResult = { ok: true; value: unknown } | { ok: false; issues: Issue[] };

const CONTENT_TYPES: Record<string, DefinitionFormat> = {
  "application/json": "json",
  "application/yaml": "yaml",
  "application/x-yaml": "yaml",
  "text/yaml": "yaml",
};

/** The definition format of a Content-Type header (parameters ignored); null when unsupported or absent. */
export function formatFromContentType(contentType?: string): DefinitionFormat | null {
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
  return CONTENT_TYPES[mediaType] ?? null;
}

/** Parses a definition document; syntax errors come back as issues at the root path. */
export function parseDefinitionText(text: string, format: DefinitionFormat): ParseResult {
  return format === "json" ? parseJson(text) : parseYaml(text);
}

function parseJson(text: string): ParseResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message);
    const offset = position ? Number(position[1]) : text.length;
    const { line, col } = linePosition(text, offset);
    const reason = message.replace(/\s*(in JSON )?at position \d+.*$/s, "").replace(/ in JSON$/, "");
    return failure(`invalid JSON at line ${line}, column ${col}: ${reason}`);
  }
}

function parseYaml(text: string): ParseResult {
  const lineCounter = new LineCounter();
  // YAML 1.2 core schema: `yes`/`no` stay strings, dates stay strings, duplicate keys are errors.
  const documents = parseAllDocuments(text, {
    version: "1.2",
    schema: "core",
    uniqueKeys: true,
    prettyErrors: false,
    lineCounter,
  });
  if (!Array.isArray(documents) || documents.length === 0) return failure("the document is empty");
  if (documents.length > 1) {
    const second = lineCounter.linePos(documents[1]!.range[0]);
    return failure(`expected one YAML document, found ${documents.length} (the second starts at line ${second.line})`);
  }
  const document = documents[0]!;
  if (document.errors.length > 0) {
    return {
      ok: false,
      issues: document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return { path: "", message: `invalid YAML at line ${line}, column ${col}: ${error.message}` };
      }),
    };
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 }) ?? null;
  } catch (error) {
    return failure(`invalid YAML: ${(error as Error).message}`);
  }
  return refersToItself(value)
    ? failure("invalid YAML: an alias refers to a node that contains it")
    : { ok: true, value };
}

function failure(message: string): ParseResult {
  return { ok: false, issues: [{ path: "", message }] };
}

/** True when a value contains itself (a recursive YAML alias); definitions must be trees. */
function refersToItself(value: unknown, ancestors: Set<object> = new Set()): boolean {
  if (value === null || typeof value !== "object") return false;
  if (ancestors.has(value)) return true;
  ancestors.add(value);
  const found = Object.values(value).some((item) => refersToItself(item, ancestors));
  ancestors.delete(value);
  return found;
}

/** 1-based line and column of a character offset. */
function linePosition(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, col: offset - before.lastIndexOf("\n") };
}
