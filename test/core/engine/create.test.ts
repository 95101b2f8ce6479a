// A run's first state, reruns from a step, and the timer helpers the shell uses.
import { describe, expect, it } from "vitest";
import type { Definition } from "../../../src/core/definition/schema";
import { createRunState, nextWakeAt, planRerun, timerKey } from "../../../src/core/engine";
import { flakyFetch } from "../../fixtures/workflows/flaky-fetch";
import { RunHarness, T0 } from "./harness";

const init = {
  id: "run_2",
  workflow: "flaky-fetch",
  version: 3,
  trigger: { type: "api" as const },
  input: { id: 1 },
  createdAt: T0,
};

const chain: Definition = {
  id: "chain",
  triggers: [],
  steps: [
    { id: "a", type: "transform", expr: "1" },
    { id: "b", type: "transform", needs: ["a"], expr: "steps.a.output + 1" },
    { id: "c", type: "transform", needs: ["b"], expr: "steps.b.output + 1" },
    { id: "side", type: "transform", needs: ["a"], expr: "'side'" },
    { id: "never", type: "transform", if: "false", expr: "0" },
  ],
};

describe("createRunState", () => {
  it("every step is pending, onFailure steps flagged, the run queued", () => {
    expect(createRunState(flakyFetch, init)).toEqual({
      ...init,
      status: "queued",
      error: null,
      attempt: 1,
      steps: {
        fetch: { id: "fetch", type: "http", status: "pending", attempts: [] },
        shape: { id: "shape", type: "transform", status: "pending", attempts: [] },
        report: { id: "report", type: "transform", status: "pending", onFailure: true, attempts: [] },
        page: { id: "page", type: "http", status: "pending", onFailure: true, attempts: [] },
      },
      timers: {},
    });
  });

  it("carried steps replace their pending entries and are not run again", async () => {
    const carried = { a: { id: "a", type: "transform", status: "succeeded" as const, output: 41, attempts: [] } };
    const run = new RunHarness(chain, { rerunOf: "run_1", carriedSteps: carried });
    expect(run.state.rerunOf).toBe("run_1");
    await run.start();
    expect(run.step("a")).toEqual(carried.a);
    expect(run.state.output).toEqual({ c: 43, side: "side" });
  });
});

describe("planRerun", () => {
  async function finishedChain() {
    const run = new RunHarness(chain);
    await run.start();
    return run.state;
  }

  it("without fromStep nothing is carried", async () => {
    expect(planRerun(chain, await finishedChain())).toEqual({});
  });

  it("the succeeded steps before fromStep are carried as they were", async () => {
    const previous = await finishedChain();
    const carried = planRerun(chain, previous, "b");
    expect(Object.keys(carried).sort()).toEqual(["a", "side"]);
    expect(carried.a).toEqual(previous.steps.a);
  });

  it("fromStep and everything downstream of it run again", async () => {
    expect(Object.keys(planRerun(chain, await finishedChain(), "a"))).toEqual([]);
  });

  it("steps that did not succeed are not carried", async () => {
    expect(planRerun(chain, await finishedChain(), "c")).not.toHaveProperty("never");
  });

  it("an unknown fromStep is rejected", async () => {
    expect(() => planRerun(chain, createRunState(chain, { ...init, workflow: "chain" }), "nope")).toThrow(
      expect.objectContaining({ code: "unknown_step" }),
    );
  });
});

describe("timers", () => {
  it("timerKey is kind and step, or run", () => {
    expect(timerKey({ kind: "retry", stepId: "fetch" })).toBe("retry:fetch");
    expect(timerKey({ kind: "run_timeout" })).toBe("run_timeout:run");
  });

  it("nextWakeAt is the earliest timer, undefined without one", async () => {
    const run = new RunHarness(flakyFetch, { input: { id: 1 } });
    expect(nextWakeAt(run.state)).toBeUndefined();
    await run.start();
    expect(nextWakeAt(run.state)).toBeUndefined();
    await run.claim();
    expect(nextWakeAt(run.state)).toBe(T0 + 5_000);
  });
});
