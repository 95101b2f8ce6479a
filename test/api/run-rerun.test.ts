// POST /api/runs/{id}/rerun: a new run with the same input (or the one given),
// linked to the old one; `fromStep` copies the outputs of the steps before it.
import { describe, expect, it } from "vitest";
import type { RunView } from "../../src/core/engine/run-view";
import { failOnDemand } from "../fixtures/workflows-api/fail-on-demand";
import { call, expectJson, expectProblem, getRun, saveWorkflow, startRunThroughApi } from "../support/workers/api";

const rerun = (runId: string, body?: unknown) =>
  call("POST", `/api/runs/${runId}/rerun`, body === undefined ? {} : { json: body });

describe("rerunning a run", () => {
  it("starts a new run with the same input, linked to the old one, and leaves the old one alone", async () => {
    await saveWorkflow("rerun-same", failOnDemand);
    const old = await startRunThroughApi("rerun-same", { input: { n: 1 } });
    const { run } = await expectJson<{ run: RunView }>(await rerun(old.id), 202);
    expect(run.id).not.toBe(old.id);
    expect(run).toMatchObject({
      workflow: "rerun-same",
      rerunOf: old.id,
      input: { n: 1 },
      status: "succeeded",
      trigger: { type: "rerun", rerunOf: old.id },
    });
    expect(await getRun(old.id)).toEqual({ ...old, storageBytes: expect.any(Number) });
  });

  it("uses the input given instead", async () => {
    await saveWorkflow("rerun-input", failOnDemand);
    const failed = await startRunThroughApi("rerun-input", { input: { fail: true, n: 1 } });
    const { run } = await expectJson<{ run: RunView }>(await rerun(failed.id, { input: { n: 2 } }), 202);
    expect(run).toMatchObject({
      rerunOf: failed.id,
      input: { n: 2 },
      status: "succeeded",
      output: { finish: "passed at 2" },
    });
  });

  it("shows the link in the run index", async () => {
    await saveWorkflow("rerun-index", failOnDemand);
    const old = await startRunThroughApi("rerun-index", { input: { n: 1 } });
    const { run } = await expectJson<{ run: RunView }>(await rerun(old.id), 202);
    const { runs } = await expectJson<{ runs: Array<{ id: string; rerunOf: string | null }> }>(
      await call("GET", "/api/runs?workflow=rerun-index"),
      200,
    );
    expect(runs).toEqual([
      expect.objectContaining({ id: run.id, rerunOf: old.id }),
      expect.objectContaining({ id: old.id, rerunOf: null }),
    ]);
  });

  it("from a step copies the outputs before it and runs that step and everything after again", async () => {
    await saveWorkflow("rerun-from", failOnDemand);
    const old = await startRunThroughApi("rerun-from", { input: { n: 1 } });
    // With fail: true, `check` would fail if it ran again; carried over, it does not run.
    const { run } = await expectJson<{ run: RunView }>(
      await rerun(old.id, { fromStep: "finish", input: { fail: true, n: 2 } }),
      202,
    );
    expect(run).toMatchObject({
      status: "succeeded",
      output: { finish: "passed at 2" },
      trigger: { fromStep: "finish" },
    });
    expect(run.steps.find((step) => step.id === "check")).toMatchObject({ status: "succeeded", output: "passed" });
  });

  it("refuses an unknown fromStep with 422 at path fromStep", async () => {
    await saveWorkflow("rerun-from-unknown", failOnDemand);
    const old = await startRunThroughApi("rerun-from-unknown", { input: { n: 1 } });
    const problem = await expectProblem(await rerun(old.id, { fromStep: "nowhere" }), 422, "validation_failed");
    expect(problem.issues).toEqual([expect.objectContaining({ path: "fromStep" })]);
  });

  it("refuses unknown body fields with 422 and an unknown run with 404", async () => {
    await saveWorkflow("rerun-bad", failOnDemand);
    const old = await startRunThroughApi("rerun-bad", { input: { n: 1 } });
    const problem = await expectProblem(await rerun(old.id, { from: "finish" }), 422, "validation_failed");
    expect(problem.issues).toEqual([expect.objectContaining({ path: "from" })]);
    await expectProblem(await rerun("run_01JD3X5Q8R9W4Y7Z2B6C0N1M5K"), 404, "not_found");
  });

  it("pins the new run to the old run's version even after the workflow changed", async () => {
    await saveWorkflow("rerun-version", failOnDemand);
    const old = await startRunThroughApi("rerun-version", { input: { n: 1 } });
    await saveWorkflow("rerun-version", { ...failOnDemand, steps: [{ id: "other", type: "transform", expr: "'v2'" }] });
    const { run } = await expectJson<{ run: RunView }>(await rerun(old.id), 202);
    expect(run).toMatchObject({ version: 1, output: { finish: "passed at 1" } });
  });
});
