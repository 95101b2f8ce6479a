// The whole-run timeout.
import { describe, expect, it } from "vitest";
import { naps } from "../../fixtures/workflows/naps";
import { fanOut } from "../../fixtures/workflows/fan-out";
import { RunHarness, T0 } from "./harness";

const HOUR = 3_600_000;

describe("run timeout", () => {
  it("start arms the run timeout", async () => {
    const run = new RunHarness(naps, { input: {} });
    await run.start();
    expect(run.state.timers["run_timeout:run"]).toEqual({ kind: "run_timeout", at: T0 + HOUR });
  });

  it("a run without timeout has no run timer", async () => {
    const run = new RunHarness(fanOut, { input: { customerId: "c1" } });
    await run.start();
    expect(run.state.timers["run_timeout:run"]).toBeUndefined();
  });

  it("run timeout cancels running steps", async () => {
    const run = new RunHarness({
      id: "t",
      triggers: [],
      timeout: "1m",
      steps: [
        { id: "slow", type: "http", timeout: "5m", request: { url: "https://slow.example/" } },
        { id: "flaky", type: "http", retry: { delay: "10m" }, request: { url: "https://flaky.example/" } },
        { id: "nap", type: "sleep", duration: "10m" },
        { id: "after", type: "transform", needs: ["slow"], expr: "1" },
      ],
    });
    await run.start();
    await run.fail("flaky");
    expect(run.statuses()).toEqual({ slow: "running", flaky: "retrying", nap: "waiting", after: "pending" });
    await run.advanceBy(60_000);
    expect(run.statuses()).toEqual({ slow: "cancelled", flaky: "cancelled", nap: "cancelled", after: "skipped" });
    expect(run.step("slow").attempts).toMatchObject([{ status: "cancelled", finishedAt: T0 + 60_000 }]);
    expect(run.step("nap").attempts).toMatchObject([{ status: "cancelled" }]);
    expect(run.state).toMatchObject({ status: "timed_out", error: { code: "timed_out" } });
    expect(run.state.timers).toEqual({});
    expect(run.dispatched()).toEqual([]);
  });

  it("a timed-out run runs its onFailure steps and stays timed_out", async () => {
    const run = new RunHarness(naps, { input: { wakeAt: new Date(T0 + 2 * HOUR).toISOString() } });
    await run.start();
    run.now = T0 + HOUR;
    await run.send({ type: "timers_due" });
    expect(run.step("note")).toMatchObject({ status: "succeeded", output: "timed_out" });
    expect(run.state).toMatchObject({
      status: "timed_out",
      error: { code: "timed_out", retryable: false },
      finishedAt: T0 + HOUR,
    });
    expect(run.effects).toContainEqual({ type: "finished", status: "timed_out" });
  });
});
