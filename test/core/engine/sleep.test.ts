// Sleep steps park on a persisted timer; the run is waiting while nothing runs.
import { describe, expect, it } from "vitest";
import type { Definition } from "../../../src/core/definition/schema";
import { naps } from "../../fixtures/workflows/naps";
import { RunHarness, T0 } from "./harness";

const MINUTE = 60_000;
const untilFlow = (until: string): Definition => ({
  id: "t",
  triggers: [],
  steps: [{ id: "s", type: "sleep", until }],
});

describe("sleep", () => {
  it("a sleep waits on a timer and outputs when it slept until", async () => {
    const run = new RunHarness(naps, { input: { wakeAt: new Date(T0 + 40 * MINUTE).toISOString() } });
    await run.start();
    expect(run.step("nap").status).toBe("waiting");
    expect(run.state.timers["sleep:nap"]).toEqual({ kind: "sleep", at: T0 + 30 * MINUTE, stepId: "nap", attempt: 1 });
    await run.advanceBy(30 * MINUTE);
    expect(run.step("nap")).toMatchObject({
      status: "succeeded",
      output: { sleptUntil: new Date(T0 + 30 * MINUTE).toISOString() },
    });
    expect(run.state.timers["sleep:until"]!.at).toBe(T0 + 40 * MINUTE);
  });

  it("the run is waiting only when nothing runs or retries", async () => {
    const run = new RunHarness(naps, { input: { wakeAt: new Date(T0 + 40 * MINUTE).toISOString() } });
    await run.start();
    expect(run.state.status).toBe("running");
    await run.fail("ping");
    expect(run.state.status).toBe("running");
    await run.fireNextTimer();
    await run.complete("ping", { status: 200 });
    expect(run.state.status).toBe("waiting");
    expect(run.effects).toContainEqual({ type: "index" });
    await run.advanceBy(40 * MINUTE);
    expect(run.state).toMatchObject({
      status: "succeeded",
      output: { done: new Date(T0 + 40 * MINUTE).toISOString() },
    });
  });

  it.each([
    ["a time already past", "'2020-01-01T00:00:00Z'", "2020-01-01T00:00:00.000Z"],
    ["no time at all", "input.missing", new Date(T0).toISOString()],
  ])("a sleep until %s succeeds at once", async (_name, until, sleptUntil) => {
    const run = new RunHarness(untilFlow(until));
    await run.start();
    expect(run.step("s")).toMatchObject({ status: "succeeded", output: { sleptUntil } });
    expect(run.state.status).toBe("succeeded");
  });

  it("a sleep until epoch milliseconds waits for them", async () => {
    const run = new RunHarness(untilFlow("$millis() + 5000"));
    await run.start();
    expect(run.state.timers["sleep:s"]!.at).toBe(T0 + 5_000);
  });

  it.each(["'next tuesday'", "true"])("a sleep until %s fails with an expression error", async (until) => {
    const run = new RunHarness(untilFlow(until));
    await run.start();
    expect(run.step("s")).toMatchObject({ status: "failed", error: { code: "expression_error", retryable: false } });
  });
});
