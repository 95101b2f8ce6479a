// At-least-once task reports, retries on persisted timers, attempt deadlines.
import { describe, expect, it } from "vitest";
import { flakyFetch } from "../../fixtures/workflows/flaky-fetch";
import { fanOut } from "../../fixtures/workflows/fan-out";
import { RunHarness, T0 } from "./harness";

async function fetching(): Promise<RunHarness> {
  const run = new RunHarness(flakyFetch, { input: { id: 7 } });
  await run.start();
  await run.claim();
  return run;
}

describe("task reports", () => {
  it("a duplicate completion is recorded once", async () => {
    const run = await fetching();
    await run.complete("fetch", { body: 1 }, { attempt: 1 });
    const after = run.state;
    const again = await run.complete("fetch", { body: 2 }, { attempt: 1 });
    expect(again).toEqual({ state: after, effects: [] });
    expect(again.state).toBe(after);
    expect(run.step("fetch").output).toEqual({ body: 1 });
  });

  it("a stale report of an older attempt is ignored", async () => {
    const run = await fetching();
    await run.fail("fetch");
    await run.fireNextTimer();
    expect(run.attemptOf("fetch")).toBe(2);
    const before = run.state;
    expect(await run.complete("fetch", { body: "old" }, { attempt: 1 })).toEqual({ state: before, effects: [] });
    expect(await run.fail("fetch", {}, { attempt: 1 })).toEqual({ state: before, effects: [] });
  });

  it.each([
    ["an unknown step", { type: "step_completed", stepId: "nope", attempt: 1, output: 1 }],
    ["a step that is not running", { type: "step_completed", stepId: "shape", attempt: 1, output: 1 }],
    [
      "an attempt that never started",
      { type: "step_failed", stepId: "fetch", attempt: 2, error: { code: "x", message: "x", retryable: true } },
    ],
  ] as const)("a report for %s is ignored", async (_name, event) => {
    const run = await fetching();
    const before = run.state;
    expect(await run.send(event)).toEqual({ state: before, effects: [] });
  });

  it("a retryable failure waits on a retry timer, then dispatches the next attempt re-rendered", async () => {
    const run = await fetching();
    await run.fail("fetch", { code: "network", message: "reset" });
    expect(run.step("fetch").status).toBe("retrying");
    expect(run.state.timers).toEqual({
      "retry:fetch": { kind: "retry", at: T0 + 10_000, stepId: "fetch", attempt: 1 },
    });
    expect(run.audits()).toEqual(["step.retrying"]);
    expect(run.dispatched()).toEqual([]);
    expect(await run.advanceBy(9_999)).toBeUndefined();
    await run.advanceBy(1);
    expect(run.dispatched()).toMatchObject([
      { stepId: "fetch", attempt: 2, request: { url: "https://api.example/items/7?try=1" } },
    ]);
    await run.claim();
    expect(run.state.timers["deadline:fetch"]).toEqual({
      kind: "deadline",
      at: T0 + 15_000,
      stepId: "fetch",
      attempt: 2,
    });
    expect(run.step("fetch").attempts.map((a) => a.status)).toEqual(["failed", "running"]);
  });

  it("every attempt is recorded with its outcome, error and http status", async () => {
    const run = await fetching();
    await run.fail("fetch", { code: "http_status", message: "503", httpStatus: 503 });
    await run.fireNextTimer();
    await run.complete("fetch", { body: "ok" }, { httpStatus: 200 });
    expect(run.step("fetch").attempts).toEqual([
      {
        n: 1,
        status: "failed",
        startedAt: T0,
        finishedAt: T0,
        httpStatus: 503,
        runAttempt: 1,
        error: { code: "http_status", message: "503", retryable: true, httpStatus: 503 },
      },
      { n: 2, status: "succeeded", startedAt: T0 + 10_000, finishedAt: T0 + 10_000, httpStatus: 200, runAttempt: 1 },
    ]);
  });

  it("a 404 is not retried", async () => {
    const run = await fetching();
    await run.fail("fetch", { code: "http_status", message: "404", retryable: false, httpStatus: 404 });
    expect(run.step("fetch")).toMatchObject({ status: "failed", error: { httpStatus: 404 } });
    expect(run.state.timers["retry:fetch"]).toBeUndefined();
  });

  it("Retry-After is honoured up to maxDelay", async () => {
    const run = await fetching();
    await run.fail("fetch", { retryAfterMs: 45_000 });
    expect(run.state.timers["retry:fetch"]!.at).toBe(T0 + 45_000);
    await run.fireNextTimer();
    await run.fail("fetch", { retryAfterMs: 600_000 });
    expect(run.state.timers["retry:fetch"]!.at).toBe(run.now + 60_000);
  });

  it("default policies back off exponentially with deterministic jitter", async () => {
    const outcomes: number[] = [];
    for (let i = 0; i < 2; i++) {
      const run = new RunHarness(fanOut, { input: { customerId: "c1" } });
      await run.start();
      await run.fail("customer");
      outcomes.push(run.state.timers["retry:customer"]!.at - run.now);
    }
    expect(outcomes[0]).toBe(outcomes[1]);
    expect(outcomes[0]).toBeGreaterThanOrEqual(500);
    expect(outcomes[0]).toBeLessThan(1_000);
  });

  it("the last attempt's failure fails the step for good", async () => {
    const run = await fetching();
    for (let attempt = 1; attempt < 3; attempt++) {
      await run.fail("fetch");
      await run.fireNextTimer();
    }
    await run.fail("fetch");
    expect(run.step("fetch")).toMatchObject({ status: "failed", error: { code: "http_status" } });
    expect(run.step("fetch").attempts).toHaveLength(3);
    expect(run.audits()).toContain("step.failed");
  });

  it("a timed-out attempt is retried", async () => {
    const run = await fetching();
    await run.advanceBy(5_000);
    expect(run.step("fetch").attempts[0]).toMatchObject({
      status: "failed",
      error: { code: "timed_out", retryable: true },
    });
    expect(run.step("fetch").status).toBe("retrying");
    await run.advanceBy(10_000);
    expect(run.dispatched()).toMatchObject([{ stepId: "fetch", attempt: 2 }]);
  });

  it("a report that arrives after its deadline is ignored", async () => {
    const run = await fetching();
    await run.advanceBy(5_000);
    const before = run.state;
    expect(await run.complete("fetch", { late: true }, { attempt: 1 })).toEqual({ state: before, effects: [] });
  });

  it("a stale timer is dropped", async () => {
    const run = await fetching();
    const stale = {
      ...run.state,
      timers: { ...run.state.timers, "sleep:fetch": { kind: "sleep" as const, at: T0, stepId: "fetch", attempt: 9 } },
    };
    run.state = stale;
    await run.send({ type: "timers_due" });
    expect(run.state.timers["sleep:fetch"]).toBeUndefined();
    expect(run.step("fetch").status).toBe("running");
    expect(run.effects).toEqual([]);
  });

  it("an alarm with nothing due changes nothing", async () => {
    const run = await fetching();
    const before = run.state;
    expect(await run.send({ type: "timers_due" })).toEqual({ state: before, effects: [] });
  });

  it("a late or doubled alarm handles every due timer once, in time order", async () => {
    const run = new RunHarness(fanOut, { input: { customerId: "c1" } });
    await run.start();
    await run.claim();
    run.now = T0 + 60_000;
    await run.send({ type: "timers_due" });
    // orders (10s) timed out before customer (30s): its retry comes first in the audit.
    expect(run.audits()).toEqual(["step.retrying", "step.retrying"]);
    expect(run.effects.flatMap((e) => (e.type === "audit" ? [e.stepId] : []))).toEqual(["orders", "customer"]);
    const again = await run.send({ type: "timers_due" });
    expect(again.effects.filter((e) => e.type === "audit")).toHaveLength(0);
  });
});
