// The contract with the Durable Object shell: inputs are never mutated, unchanged steps
// and timers keep their identity (only changed ones are persisted), one index effect per
// transition, and the same inputs always give the same result.
import { describe, expect, it } from "vitest";
import { transition } from "../../../src/core/engine";
import { fanOut } from "../../fixtures/workflows/fan-out";
import { flakyFetch } from "../../fixtures/workflows/flaky-fetch";
import { naps } from "../../fixtures/workflows/naps";
import { RunHarness, T0 } from "./harness";

describe("engine contract", () => {
  it("unchanged steps keep their object identity", async () => {
    const run = new RunHarness(fanOut, { input: { customerId: "c1" } });
    await run.start();
    const before = run.state;
    await run.complete("customer", { body: { name: "Ada" } });
    expect(run.state).not.toBe(before);
    expect(run.state.steps.orders).toBe(before.steps.orders);
    expect(run.state.steps.summary).toBe(before.steps.summary);
    expect(run.state.steps.customer).not.toBe(before.steps.customer);
    expect(run.state.timers["deadline:orders"]).toBe(before.timers["deadline:orders"]);
  });

  it("unchanged timers keep their identity while others change", async () => {
    const run = new RunHarness(naps, { input: { wakeAt: new Date(T0 + 7_200_000).toISOString() } });
    await run.start();
    const before = run.state;
    await run.fail("ping");
    expect(run.state.timers["sleep:nap"]).toBe(before.timers["sleep:nap"]);
    expect(run.state.timers["run_timeout:run"]).toBe(before.timers["run_timeout:run"]);
    expect(run.state.steps.nap).toBe(before.steps.nap);
  });

  it("a transition never mutates its input (states are frozen in the harness)", async () => {
    const run = new RunHarness(flakyFetch, { input: { id: 1 } });
    await run.start();
    const snapshot = JSON.stringify(run.state);
    const frozen = run.state;
    await run.fail("fetch", { retryable: false });
    expect(JSON.stringify(frozen)).toBe(snapshot);
    expect(Object.isFrozen(frozen.steps.fetch)).toBe(true);
  });

  it("a transition emits at most one index effect", async () => {
    const run = new RunHarness(fanOut, { input: { customerId: "c1" } });
    await run.start();
    await run.complete("customer", {});
    await run.complete("orders", { body: [] });
    expect(run.effects.filter((effect) => effect.type === "index")).toHaveLength(1);
    expect(run.state.status).toBe("succeeded");
  });

  it("a step reaching a terminal status emits index; a retry does not", async () => {
    const run = new RunHarness(fanOut, { input: { customerId: "c1" } });
    await run.start();
    await run.fail("customer");
    expect(run.effects).not.toContainEqual({ type: "index" });
    await run.fireNextTimer();
    await run.complete("customer", {});
    expect(run.effects).toContainEqual({ type: "index" });
  });

  it("start emits run.started and index before any step", async () => {
    const run = new RunHarness(fanOut, { input: { customerId: "c1" } });
    await run.start();
    expect(run.state).toMatchObject({ status: "running", startedAt: T0 });
    expect(run.effects.slice(0, 2)).toEqual([
      { type: "audit", action: "run.started", detail: { trigger: { type: "api" } } },
      { type: "index" },
    ]);
  });

  it("the same state, event and time give the same result", async () => {
    const run = new RunHarness(fanOut, { input: { customerId: "c1" } });
    await run.start();
    const event = {
      type: "step_failed" as const,
      stepId: "customer",
      attempt: 1,
      error: { code: "network", message: "reset", retryable: true },
    };
    const first = await transition(run.definition, run.state, event, T0 + 5);
    const second = await transition(run.definition, run.state, event, T0 + 5);
    expect(second).toEqual(first);
  });
});
