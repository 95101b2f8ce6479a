// Redrive (a run's `retry`): resume a failed, timed-out or cancelled run in place.
import { describe, expect, it } from "vitest";
import type { Definition } from "../../../src/core/definition/schema";
import { flakyFetch } from "../../fixtures/workflows/flaky-fetch";
import { RunHarness, T0 } from "./harness";

const notFound = { code: "http_status", message: "404", retryable: false, httpStatus: 404 };

const pipeline: Definition = {
  id: "pipeline",
  triggers: [],
  timeout: "1h",
  steps: [
    { id: "extract", type: "http", request: { url: "https://src.example/?round={{ run.attempt }}" } },
    { id: "load", type: "http", needs: ["extract"], request: { url: "https://dst.example/" } },
    { id: "gate", type: "transform", needs: ["load"], if: "run.attempt > 1", expr: "'second round'" },
  ],
  onFailure: [{ id: "report", type: "transform", expr: "run.error.stepId" }],
};

async function failedAtLoad(): Promise<RunHarness> {
  const run = new RunHarness(pipeline);
  await run.start();
  await run.complete("extract", { body: "rows" });
  await run.fail("load", notFound);
  expect(run.state.status).toBe("failed");
  return run;
}

describe("redrive", () => {
  it("a queued redrive (a run under flow control) resets the run and waits for its gate's start", async () => {
    const run = await failedAtLoad();
    const startedAt = run.state.startedAt;
    run.now += 60_000;
    await run.send({ type: "retry", queued: true });
    expect(run.state).toMatchObject({ status: "queued", attempt: 2, error: null });
    expect(run.step("load").status).toBe("pending");
    expect(run.dispatched()).toEqual([]);
    expect(run.state.timers).toEqual({});
    expect(run.effects).toContainEqual({ type: "requeued" });
    run.now += 5_000;
    await run.start();
    expect(run.dispatched()).toMatchObject([{ stepId: "load", attempt: 2 }]);
    // The run keeps the time it first started; its timeout counts from the new start.
    expect(run.state).toMatchObject({ status: "running", startedAt });
    expect(run.state.timers["run_timeout:run"]).toMatchObject({ at: run.now + 60 * 60_000 });
  });

  it("redrive keeps succeeded outputs and reruns the failed step", async () => {
    const run = await failedAtLoad();
    const extract = run.step("extract");
    run.now += 60_000;
    await run.send({ type: "retry" });
    expect(run.step("extract")).toBe(extract);
    expect(run.dispatched()).toMatchObject([{ stepId: "load", attempt: 2 }]);
    expect(run.state).toMatchObject({ status: "running", attempt: 2, error: null });
    expect(run.state.finishedAt).toBeUndefined();
    expect(run.audits()).toEqual(["run.retried"]);
  });

  it("attempt numbering continues and the history is kept", async () => {
    const run = await failedAtLoad();
    await run.send({ type: "retry" });
    expect(run.step("load").attempts).toMatchObject([
      { n: 1, status: "failed", runAttempt: 1 },
      { n: 2, status: "running", runAttempt: 2 },
    ]);
    const before = run.state;
    expect(await run.complete("load", {}, { attempt: 1 })).toEqual({ state: before, effects: [] });
  });

  it("skipped, cancelled and onFailure steps go back to pending and run again", async () => {
    const run = await failedAtLoad();
    expect(run.statuses()).toMatchObject({ gate: "skipped", report: "succeeded" });
    await run.send({ type: "retry" });
    expect(run.step("report")).toEqual({
      id: "report",
      type: "transform",
      status: "pending",
      onFailure: true,
      attempts: run.step("report").attempts,
    });
    await run.complete("load", {});
    expect(run.step("gate")).toMatchObject({ status: "succeeded", output: "second round" });
    expect(run.state).toMatchObject({ status: "succeeded", attempt: 2 });
  });

  it("a redriven step gets its full retry budget again", async () => {
    const run = new RunHarness(flakyFetch, { input: { id: 1 } });
    await run.start();
    for (let i = 0; i < 2; i++) {
      await run.fail("fetch");
      await run.fireNextTimer();
    }
    await run.fail("fetch");
    await run.complete("page", {});
    expect(run.state.status).toBe("failed");
    await run.send({ type: "retry" });
    await run.fail("fetch");
    expect(run.step("fetch").status).toBe("retrying");
    expect(run.dispatched()).toEqual([]);
  });

  it("redrive re-arms the run timeout from now", async () => {
    const run = await failedAtLoad();
    run.now = T0 + 2 * 3_600_000;
    await run.send({ type: "retry" });
    expect(run.state.timers["run_timeout:run"]).toEqual({ kind: "run_timeout", at: run.now + 3_600_000 });
  });

  it("a cancelled run can be redriven, a timed-out one too", async () => {
    for (const stop of ["cancel", "timeout"] as const) {
      const run = new RunHarness(pipeline);
      await run.start();
      if (stop === "cancel") await run.send({ type: "cancel" });
      else await run.advanceBy(3_600_000);
      expect(run.state.status).toBe(stop === "cancel" ? "cancelled" : "timed_out");
      await run.send({ type: "retry" });
      expect(run.dispatched()).toMatchObject([{ stepId: "extract", request: { url: "https://src.example/?round=2" } }]);
    }
  });

  it.each(["running", "succeeded"])("redriving a %s run changes nothing", async (status) => {
    const run = new RunHarness(pipeline);
    await run.start();
    if (status === "succeeded") {
      await run.complete("extract", {});
      await run.complete("load", {});
    }
    expect(run.state.status).toBe(status);
    const before = run.state;
    expect(await run.send({ type: "retry" })).toEqual({ state: before, effects: [] });
  });
});
