import { describe, expect, it } from "vitest";
import { formatFromContentType, parseDefinitionText } from "../../../src/core/definition/parse";

describe("parseDefinitionText", () => {
  it("parses JSON", () => {
    expect(parseDefinitionText('{"id": "a", "steps": []}', "json")).toEqual({
      ok: true,
      value: { id: "a", steps: [] },
    });
  });

  it("parses YAML with the 1.2 core schema: yes, dates and octal-looking strings stay as written", () => {
    const result = parseDefinitionText("a: yes\nb: 2026-01-02\nc: 0o17\nd: 010\n", "yaml");
    expect(result).toEqual({ ok: true, value: { a: "yes", b: "2026-01-02", c: 15, d: 10 } });
  });

  it("keeps shared (non-recursive) YAML aliases", () => {
    expect(parseDefinitionText("a: &x { b: 1 }\nc: *x\n", "yaml")).toEqual({
      ok: true,
      value: { a: { b: 1 }, c: { b: 1 } },
    });
  });

  it.each<[string, string, "json" | "yaml", RegExp]>([
    [
      "rejects JSON syntax errors with line and column",
      '{\n  "id": "a",\n}',
      "json",
      /^invalid JSON at line 3, column 1: /,
    ],
    ["rejects empty JSON", "", "json", /^invalid JSON at line 1, column 1/],
    [
      "rejects YAML syntax errors with line and column",
      "id: a\nsteps: [1,\n  b: c\n",
      "yaml",
      /^invalid YAML at line \d+, column \d+: /,
    ],
    ["rejects duplicate YAML keys", "id: a\nid: b\n", "yaml", /^invalid YAML at line 2, column 1: .*unique/],
    [
      "rejects several YAML documents",
      "id: a\n---\nid: b\n",
      "yaml",
      /expected one YAML document, found 2 \(the second starts at line 2\)/,
    ],
    ["rejects an empty YAML document", "# nothing here\n", "yaml", /the document is empty/],
    ["rejects a recursive YAML alias", "a: &x [1, *x]\n", "yaml", /an alias refers to a node that contains it/],
  ])("%s", (_name, text, format, message) => {
    const result = parseDefinitionText(text, format);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues).toEqual([{ path: "", message: expect.stringMatching(message) }]);
  });
});

describe("formatFromContentType", () => {
  it.each<[string | undefined, "json" | "yaml" | null]>([
    ["application/json", "json"],
    ["application/json; charset=utf-8", "json"],
    ["Application/JSON", "json"],
    ["application/yaml", "yaml"],
    ["application/x-yaml", "yaml"],
    ["text/yaml; charset=utf-8", "yaml"],
    ["text/plain", null],
    ["", null],
    [undefined, null],
  ])("maps %s to %s", (contentType, format) => {
    expect(formatFromContentType(contentType)).toBe(format);
  });
});
