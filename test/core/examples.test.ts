// Every flow under examples/ is a valid definition whose id matches its file name
// (npm start loads them by file name).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseDefinitionText } from "../../src/core/definition/parse";
import { validateDefinition } from "../../src/core/definition/validate";

const dir = path.resolve(import.meta.dirname, "../../examples");
const files = readdirSync(dir).filter((name) => /\.(ya?ml|json)$/.test(name));

describe("example flows", () => {
  it("there are at least three", () => expect(files.length).toBeGreaterThanOrEqual(3));
  it.each(files)("%s validates", (file) => {
    const parsed = parseDefinitionText(
      readFileSync(path.join(dir, file), "utf8"),
      file.endsWith(".json") ? "json" : "yaml",
    );
    expect(parsed.ok).toBe(true);
    const result = validateDefinition(parsed.ok ? parsed.value : null);
    expect(result.ok ? [] : result.issues).toEqual([]);
    expect(result.ok && result.definition.id).toBe(file.replace(/\.(ya?ml|json)$/, ""));
  });
});
