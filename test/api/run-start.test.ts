// POST /api/workflows/{id}/runs (the API trigger): 202 {run}; the input is checked
// against the workflow's input JSON Schema; a run is pinned to the version it started with.
import { describe, expect, it } from "vitest";
import { orderIntake } from "../fixtures/workflows-api/order-intake";
import { call, expectJson, expectProblem, getRun, saveWorkflow } from "../support/workers/api";
import type { RunView } from "../../src/core/engine/run-view";

const start = (id: string, body?: unknown) =>
  call("POST", `/api/workflows/${id}/runs`, body === undefined ? {} : { json: body });

describe("starting a run", () => {
  it("answers 202 with the run, which the run's own endpoint then shows", async () => {
    await saveWorkflow("start-ok", orderIntake);
    const { run } = await expectJson<{ run: RunView }>(await start("start-ok", { input: { orderId: "A-7" } }), 202);
    expect(run.id).toMatch(/^run_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(run).toMatchObject({
      workflow: "start-ok",
      version: 1,
      trigger: { type: "api" },
      input: { orderId: "A-7" },
    });
    expect(run.status).toBe("succeeded");
    expect(run.output).toEqual({ summary: { label: "order A-7" } });
    expect(await getRun(run.id)).toEqual({ ...run, storageBytes: expect.any(Number) });
  });

  it("gives every run its own id, sortable by creation time", async () => {
    await saveWorkflow("start-ids", orderIntake);
    const first = await expectJson<{ run: RunView }>(await start("start-ids", { input: { orderId: "1" } }), 202);
    const second = await expectJson<{ run: RunView }>(await start("start-ids", { input: { orderId: "2" } }), 202);
    expect(second.run.id > first.run.id).toBe(true);
  });

  it("refuses input that violates the input schema with 422 at path input.orderId", async () => {
    await saveWorkflow("start-bad-input", orderIntake);
    const problem = await expectProblem(
      await start("start-bad-input", { input: { orderId: 42 } }),
      422,
      "validation_failed",
    );
    expect(problem.issues).toEqual([expect.objectContaining({ path: "input.orderId" })]);
  });

  it("refuses missing required input with 422 naming the field", async () => {
    await saveWorkflow("start-no-input", orderIntake);
    const problem = await expectProblem(await start("start-no-input"), 422, "validation_failed");
    expect(JSON.stringify(problem.issues)).toContain("orderId");
  });

  it("starts nothing when the input is refused", async () => {
    await saveWorkflow("start-refused", orderIntake);
    await expectProblem(await start("start-refused", { input: {} }), 422, "validation_failed");
    const { runs } = await expectJson<{ runs: unknown[] }>(await call("GET", "/api/runs?workflow=start-refused"), 200);
    expect(runs).toEqual([]);
  });

  it("pins the run to the latest version, or to the version asked for", async () => {
    await saveWorkflow("start-pinned", orderIntake);
    const changed = { ...orderIntake, steps: [{ id: "label", type: "transform", expr: "'v2 ' & input.orderId" }] };
    await saveWorkflow("start-pinned", changed);
    const latest = await expectJson<{ run: RunView }>(await start("start-pinned", { input: { orderId: "X" } }), 202);
    expect(latest.run).toMatchObject({ version: 2, output: { label: "v2 X" } });
    const pinned = await expectJson<{ run: RunView }>(
      await start("start-pinned", { input: { orderId: "X" }, version: 1 }),
      202,
    );
    expect(pinned.run).toMatchObject({ version: 1, output: { summary: { label: "order X" } } });
  });

  it("is 404 for an unknown workflow or version", async () => {
    await expectProblem(await start("start-nobody", { input: {} }), 404, "not_found");
    await saveWorkflow("start-no-version", orderIntake);
    await expectProblem(await start("start-no-version", { input: { orderId: "1" }, version: 9 }), 404, "not_found");
  });
});
