// A run's own endpoints: read it with every step and attempt, cancel it,
// retry (redrive) it in place; each refuses what the run's state does not allow with 409.
import { describe, expect, it } from "vitest";
import type { RunView } from "../../src/core/engine/run-view";
import { failOnDemand } from "../fixtures/workflows-api/fail-on-demand";
import { longNap } from "../fixtures/workflows-api/long-nap";
import { call, expectJson, expectProblem, getRun, saveWorkflow, startRunThroughApi } from "../support/workers/api";

const UNKNOWN_RUN = "run_01JD3X5Q8R9W4Y7Z2B6C0N1M5K";
const command = (runId: string, action: "cancel" | "retry") => call("POST", `/api/runs/${runId}/${action}`);

describe("reading a run", () => {
  it("shows every step with its attempts", async () => {
    await saveWorkflow("ctl-read", failOnDemand);
    const run = await getRun((await startRunThroughApi("ctl-read", { input: { n: 1 } })).id);
    expect(run).toMatchObject({
      workflow: "ctl-read",
      status: "succeeded",
      output: { finish: "passed at 1" },
      error: null,
    });
    expect(run.steps.map((step) => [step.id, step.status, step.attempts.length])).toEqual([
      ["check", "succeeded", 1],
      ["finish", "succeeded", 1],
    ]);
    expect(run.steps[0]!.attempts[0]).toMatchObject({ n: 1, status: "succeeded", error: null });
  });

  it("is 404 not_found for an unknown run id and for text that is no run id", async () => {
    await expectProblem(await call("GET", `/api/runs/${UNKNOWN_RUN}`), 404, "not_found");
    await expectProblem(await call("GET", "/api/runs/not-a-run"), 404, "not_found");
  });
});

describe("cancelling a run", () => {
  it("stops an unfinished run: it is cancelled and so are its unfinished steps", async () => {
    await saveWorkflow("ctl-cancel", longNap);
    const started = await startRunThroughApi("ctl-cancel");
    expect(started.status).toBe("waiting");
    const { run } = await expectJson<{ run: RunView }>(await command(started.id, "cancel"), 200);
    expect(run.status).toBe("cancelled");
    expect(run.finishedAt).not.toBeNull();
    expect(run.steps.map((step) => step.status)).toEqual(["cancelled", "cancelled"]);
    expect((await getRun(started.id)).status).toBe("cancelled");
  });

  it("refuses to cancel a run twice with 409 invalid_state", async () => {
    await saveWorkflow("ctl-cancel-twice", longNap);
    const started = await startRunThroughApi("ctl-cancel-twice");
    await expectJson(await command(started.id, "cancel"), 200);
    const problem = await expectProblem(await command(started.id, "cancel"), 409, "invalid_state");
    expect(problem.detail).toMatch(/cancelled/);
  });

  it("refuses to cancel a finished run with 409, and an unknown run with 404", async () => {
    await saveWorkflow("ctl-cancel-done", failOnDemand);
    const done = await startRunThroughApi("ctl-cancel-done", { input: { n: 1 } });
    await expectProblem(await command(done.id, "cancel"), 409, "invalid_state");
    expect((await getRun(done.id)).status).toBe("succeeded");
    await expectProblem(await command(UNKNOWN_RUN, "cancel"), 404, "not_found");
  });
});

describe("retrying a run in place", () => {
  it("refuses a succeeded run with 409 invalid_state", async () => {
    await saveWorkflow("ctl-retry-ok", failOnDemand);
    const done = await startRunThroughApi("ctl-retry-ok", { input: { n: 1 } });
    await expectProblem(await command(done.id, "retry"), 409, "invalid_state");
  });

  it("refuses a run that is still going with 409 invalid_state", async () => {
    await saveWorkflow("ctl-retry-waiting", longNap);
    const going = await startRunThroughApi("ctl-retry-waiting");
    await expectProblem(await command(going.id, "retry"), 409, "invalid_state");
  });

  it("resumes a failed run under the same id, with a new run attempt and the step tried again", async () => {
    await saveWorkflow("ctl-retry-failed", failOnDemand);
    const failed = await startRunThroughApi("ctl-retry-failed", { input: { fail: true } });
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatchObject({ stepId: "check", retryable: false });
    const { run } = await expectJson<{ run: RunView }>(await command(failed.id, "retry"), 200);
    expect(run).toMatchObject({ id: failed.id, attempt: 2, status: "failed" });
    expect(run.steps[0]!.attempts.map((attempt) => attempt.n)).toEqual([1, 2]);
  });

  it("resumes a cancelled run, which then waits again", async () => {
    await saveWorkflow("ctl-retry-cancelled", longNap);
    const started = await startRunThroughApi("ctl-retry-cancelled");
    await expectJson(await command(started.id, "cancel"), 200);
    const { run } = await expectJson<{ run: RunView }>(await command(started.id, "retry"), 200);
    expect(run).toMatchObject({ id: started.id, status: "waiting", attempt: 2 });
  });

  it("is 404 for an unknown run", async () => {
    await expectProblem(await command(UNKNOWN_RUN, "retry"), 404, "not_found");
  });
});
