// POST /api/workflows/validate: checks a definition without saving it and
// lists every problem by path; a viewer may call it.
import { describe, expect, it } from "vitest";
import { orderIntake } from "../fixtures/workflows-api/order-intake";
import { webhookGreetingYaml } from "../fixtures/workflows-api/webhook-greeting";
import { call, expectJson, expectProblem } from "../support/workers/api";

interface ValidationResult {
  valid: boolean;
  issues: Array<{ path: string; message: string }>;
}

const validate = async (definition: unknown) =>
  expectJson<ValidationResult>(await call("POST", "/api/workflows/validate", { json: definition }), 200);

describe("validating a definition", () => {
  it("answers valid with no issues for a correct definition", async () => {
    expect(await validate({ id: "validate-ok", ...orderIntake })).toEqual({ valid: true, issues: [] });
  });

  it("accepts YAML too", async () => {
    const response = await call("POST", "/api/workflows/validate", {
      raw: `id: validate-yaml\n${webhookGreetingYaml}`,
      contentType: "application/yaml",
    });
    expect(await expectJson<ValidationResult>(response, 200)).toEqual({ valid: true, issues: [] });
  });

  it("lists every problem with its path", async () => {
    const result = await validate({
      id: "validate-bad",
      triggers: [{ type: "webhook" }],
      steps: [
        { id: "a", type: "transform", expr: "1", needs: ["missing"] },
        { id: "a", type: "transform", expr: "2" },
        { id: "c", type: "teleport" },
        { id: "d", type: "sleep", duration: "5 minutes" },
        { id: "e", type: "transform", expr: "1", colour: "blue" },
      ],
    });
    expect(result.valid).toBe(false);
    const paths = result.issues.map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "triggers[0].verify",
        "steps[0].needs[0]",
        "steps[2].type",
        "steps[3].duration",
        "steps[4].colour",
      ]),
    );
    expect(paths.some((path) => path.startsWith("steps[1]"))).toBe(true);
    for (const issue of result.issues) expect(issue.message).not.toBe("");
  });

  it("reports a cycle and an expression that does not parse", async () => {
    const result = await validate({
      id: "validate-cycle",
      triggers: [],
      steps: [
        { id: "a", type: "transform", needs: ["b"], expr: "1" },
        { id: "b", type: "transform", needs: ["a"], expr: "steps.a.output +" },
      ],
    });
    expect(result.valid).toBe(false);
    expect(result.issues.some((issue) => /cycle/i.test(issue.message))).toBe(true);
    expect(result.issues.some((issue) => issue.path === "steps[1].expr")).toBe(true);
  });

  it("saves nothing", async () => {
    await validate({ id: "validate-only", ...orderIntake });
    await expectProblem(await call("GET", "/api/workflows/validate-only"), 404, "not_found");
  });

  it("refuses a body that is not JSON with 400, not a list of issues", async () => {
    await expectProblem(
      await call("POST", "/api/workflows/validate", { raw: "{ not json", contentType: "application/json" }),
      400,
      "bad_request",
    );
  });
});
