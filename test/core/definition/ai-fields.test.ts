// Definition rules for AI steps: prices are data, the triage block has no run data
// in scope (its apiKey holds only secret placeholders), and an llm schema must compile.
import { describe, expect, it } from "vitest";
import { validateDefinition } from "../../../src/core/definition/validate";

const llm = { id: "ask", type: "llm", provider: "openai", model: "m", prompt: "hi" };
const issues = (definition: Record<string, unknown>) => {
  const result = validateDefinition({ id: "ai", triggers: [], steps: [llm], ...definition });
  return result.ok ? [] : result.issues;
};

describe("AI fields of a definition", () => {
  it("an llm step with pricing and a triage block with a secret key validate", () => {
    expect(
      issues({
        steps: [{ ...llm, pricing: { input: 0.15, output: 0.6 } }],
        triage: {
          provider: "openai",
          model: "m",
          apiKey: "Bearer {{ secrets.KEY }}",
          allow: ["retry"],
          pricing: { input: 1, output: 1 },
        },
      }),
    ).toEqual([]);
  });

  it.each([
    [{ steps: [{ ...llm, pricing: { input: -1, output: 1 } }] }, "steps[0].pricing.input"],
    [{ steps: [{ ...llm, pricing: { input: 1 } }] }, "steps[0].pricing.output"],
    [{ triage: { provider: "openai", model: "m", apiKey: "{{ input.key }}", allow: ["retry"] } }, "triage.apiKey"],
    [
      { triage: { provider: "openai", model: "m", baseUrl: "https://{{ input.host }}/v1", allow: ["retry"] } },
      "triage.baseUrl",
    ],
    [{ triage: { provider: "openai", model: "m", allow: ["reboot"] } }, "triage.allow[0]"],
    [{ triage: { provider: "openai", model: "m", allow: [] } }, "triage.allow"],
    [{ steps: [{ ...llm, schema: { type: "strin" } }] }, "steps[0].schema.type"],
  ])("%j is refused at %s", (definition, path) => {
    expect(issues(definition).map((issue) => issue.path)).toContain(path);
  });
});
