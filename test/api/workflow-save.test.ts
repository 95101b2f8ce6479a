// Saving definitions (PUT /api/workflows/{id}): JSON or YAML, a new
// version only when the definition changed, the id taken from the URL, everything validated.
import { describe, expect, it } from "vitest";
import { orderIntake } from "../fixtures/workflows-api/order-intake";
import { webhookGreetingYaml } from "../fixtures/workflows-api/webhook-greeting";
import { call, expectJson, expectProblem, type WorkflowView } from "../support/workers/api";

const put = (id: string, definition: unknown) => call("PUT", `/api/workflows/${id}`, { json: definition });

describe("saving a JSON definition", () => {
  it("creates version 1 with 201 and fills the id in from the URL", async () => {
    const saved = await expectJson<WorkflowView>(await put("save-new", orderIntake), 201);
    expect(saved).toMatchObject({ id: "save-new", name: "Order intake", version: 1, enabled: true, archived: false });
    expect(saved.definition).toMatchObject({ id: "save-new", steps: orderIntake.steps });
  });

  it("answers 200 with the same version when nothing changed", async () => {
    await expectJson(await put("save-same", orderIntake), 201);
    const again = await expectJson<WorkflowView>(await put("save-same", orderIntake), 200);
    expect(again.version).toBe(1);
    const history = await expectJson<{ versions: unknown[] }>(
      await call("GET", "/api/workflows/save-same/versions"),
      200,
    );
    expect(history.versions).toHaveLength(1);
  });

  it("treats a reordered but equal definition as unchanged", async () => {
    await expectJson(await put("save-reordered", orderIntake), 201);
    const { steps, triggers, input, name } = orderIntake;
    await expectJson(await put("save-reordered", { steps, name, input, triggers }), 200);
  });

  it("makes version 2 when the definition changed", async () => {
    await expectJson(await put("save-changed", orderIntake), 201);
    const changed = { ...orderIntake, description: "now with a description" };
    const saved = await expectJson<WorkflowView>(await put("save-changed", changed), 201);
    expect(saved.version).toBe(2);
    expect(saved.definition).toMatchObject({ description: "now with a description" });
  });

  it("accepts an id in the body when it matches the URL", async () => {
    await expectJson(await put("save-with-id", { id: "save-with-id", ...orderIntake }), 201);
  });

  it("refuses an id in the body that differs from the URL with 422 at path id", async () => {
    const problem = await expectProblem(
      await put("save-mismatch", { ...orderIntake, id: "someone-else" }),
      422,
      "validation_failed",
    );
    expect(problem.issues).toEqual([expect.objectContaining({ path: "id" })]);
    await expectProblem(await call("GET", "/api/workflows/save-mismatch"), 404, "not_found");
  });

  it("refuses an invalid definition with 422, every problem listed by path, and saves nothing", async () => {
    const invalid = {
      triggers: [{ type: "api" }],
      steps: [
        { id: "a", type: "transform", expr: "1", needs: ["ghost"] },
        { id: "b", type: "sleep", duration: "soon" },
      ],
    };
    const problem = await expectProblem(await put("save-invalid", invalid), 422, "validation_failed");
    expect(problem.issues?.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(["steps[0].needs[0]", "steps[1].duration"]),
    );
    await expectProblem(await call("GET", "/api/workflows/save-invalid"), 404, "not_found");
  });

  it("refuses a definition over 256 KiB as JSON with 422 at the root", async () => {
    const problem = await expectProblem(
      await put("save-huge", { ...orderIntake, description: "x".repeat(300 * 1024) }),
      422,
      "validation_failed",
    );
    expect(problem.issues).toEqual([expect.objectContaining({ path: "", message: expect.stringMatching(/256 KiB/) })]);
  });

  it("refuses a workflow id the format does not allow", async () => {
    const problem = await expectProblem(await put("Not_Valid", orderIntake), 422, "validation_failed");
    expect(problem.issues?.map((issue) => issue.path)).toContain("id");
  });
});

describe("saving a YAML definition", () => {
  const putYaml = (id: string, text: string) =>
    call("PUT", `/api/workflows/${id}`, { raw: text, contentType: "application/yaml" });

  it("creates the workflow from YAML with 201", async () => {
    const saved = await expectJson<WorkflowView>(await putYaml("save-yaml", webhookGreetingYaml), 201);
    expect(saved).toMatchObject({ id: "save-yaml", name: "Webhook greeting", version: 1 });
    expect(saved.definition).toMatchObject({ steps: [{ id: "greet", type: "transform" }] });
  });

  it("sees the same definition sent as YAML and as JSON as one version", async () => {
    const fromYaml = await expectJson<WorkflowView>(await putYaml("save-yaml-json", webhookGreetingYaml), 201);
    const { id: _id, ...asJson } = fromYaml.definition!;
    await expectJson(await put("save-yaml-json", asJson), 200);
  });

  it("refuses YAML that does not parse with 400 and a line number", async () => {
    const problem = await expectProblem(
      await putYaml("save-bad-yaml", "steps: [\n  - id: a\n  type: : :\n"),
      400,
      "bad_request",
    );
    expect(JSON.stringify(problem.issues)).toMatch(/line \d+/);
  });
});

describe("saving with a content type that is neither JSON nor YAML", () => {
  it("is refused with 415", async () => {
    await expectProblem(
      await call("PUT", "/api/workflows/save-text", { raw: "id: x", contentType: "text/plain" }),
      415,
      "unsupported_media_type",
    );
  });
});
