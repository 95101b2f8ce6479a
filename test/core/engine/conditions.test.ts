// When a step becomes due, and whether it runs or is skipped.
import { describe, expect, it } from "vitest";
import type { Definition } from "../../../src/core/definition/schema";
import { branching } from "../../fixtures/workflows/branching";
import { bestEffort } from "../../fixtures/workflows/best-effort";
import { fanOut } from "../../fixtures/workflows/fan-out";
import { RunHarness } from "./harness";

const flow = (steps: Definition["steps"]): Definition => ({ id: "t", triggers: [], steps });

describe("due steps", () => {
  it("a join after an if/else runs", async () => {
    for (const amount of [5, 5000]) {
      const run = new RunHarness(branching, { input: { amount } });
      await run.start();
      expect(run.step("join")).toMatchObject({
        status: "succeeded",
        output: amount > 1000 ? "manual review" : "auto approve",
      });
    }
  });

  it("a chain after a skipped step is skipped", async () => {
    const run = new RunHarness(branching, { input: { amount: 5 } });
    await run.start();
    expect(run.step("big")).toMatchObject({ status: "skipped", skipReason: "condition_false" });
    expect(run.step("afterBig")).toMatchObject({ status: "skipped", skipReason: "needs_skipped" });
    expect(run.step("afterSmall").status).toBe("succeeded");
  });

  it("a step after a failed continue step is skipped, an if on its status still runs", async () => {
    const run = new RunHarness(bestEffort);
    await run.start();
    await run.fail("notify", { code: "http_status", message: "500", retryable: true });
    expect(run.step("record")).toMatchObject({ status: "skipped", skipReason: "need_failed" });
    expect(run.step("alert")).toMatchObject({ status: "succeeded", output: "notification failed" });
  });

  it("a step whose if is false is skipped even without needs", async () => {
    const run = new RunHarness(flow([{ id: "a", type: "transform", if: "input.go", expr: "1" }]), {
      input: { go: false },
    });
    await run.start();
    expect(run.step("a")).toMatchObject({ status: "skipped", skipReason: "condition_false" });
    expect(run.state.status).toBe("succeeded");
  });

  it.each([
    ["0", false],
    ["''", false],
    ["[]", false],
    ["{}", false],
    ["null", false],
    ["nothing.here", false],
    ["1", true],
    ["'yes'", true],
    ["[false, 1]", true],
    ["{'a': 1}", true],
  ])("an if of %s counts as %s, as JSONata's $boolean does", async (condition, runs) => {
    const run = new RunHarness(flow([{ id: "a", type: "transform", if: condition, expr: "1" }]));
    await run.start();
    expect(run.step("a").status).toBe(runs ? "succeeded" : "skipped");
  });

  it("an if that throws fails the step without retry, with the expression in the error", async () => {
    const run = new RunHarness(
      flow([{ id: "a", type: "transform", if: "$number('x')", retry: { attempts: 3 }, expr: "1" }]),
    );
    await run.start();
    expect(run.step("a")).toMatchObject({
      status: "failed",
      error: { code: "expression_error", retryable: false, expression: "$number('x')" },
    });
    expect(run.state).toMatchObject({ status: "failed", error: { code: "expression_error", stepId: "a" } });
  });

  it("a step waits until every need is finished", async () => {
    const run = new RunHarness(fanOut, { input: { customerId: "c1" } });
    await run.start();
    await run.complete("customer", { body: { name: "Ada" } });
    expect(run.step("summary").status).toBe("pending");
    await run.complete("orders", { body: [1, 2] });
    expect(run.step("summary")).toMatchObject({ status: "succeeded", output: { name: "Ada", orders: 2 } });
  });
});

describe("transforms", () => {
  it("a chain of transforms completes in one transition", async () => {
    const run = new RunHarness(
      flow([
        { id: "a", type: "transform", expr: "input.n + 1" },
        { id: "b", type: "transform", needs: ["a"], expr: "steps.a.output * 2" },
        { id: "c", type: "transform", needs: ["b"], expr: "steps.b.output - 1" },
      ]),
      { input: { n: 1 } },
    );
    await run.start();
    expect(run.statuses()).toEqual({ a: "succeeded", b: "succeeded", c: "succeeded" });
    expect(run.state).toMatchObject({ status: "succeeded", output: { c: 3 } });
  });

  it("a transform records one succeeded attempt", async () => {
    const run = new RunHarness(flow([{ id: "a", type: "transform", expr: "42" }]));
    await run.start();
    expect(run.step("a").attempts).toEqual([
      { n: 1, status: "succeeded", startedAt: run.now, finishedAt: run.now, runAttempt: 1 },
    ]);
  });

  it("a transform that throws fails without retry", async () => {
    const run = new RunHarness(flow([{ id: "a", type: "transform", retry: { attempts: 3 }, expr: "$error('boom')" }]));
    await run.start();
    expect(run.step("a")).toMatchObject({ status: "failed", error: { code: "expression_error", retryable: false } });
    expect(run.step("a").attempts).toHaveLength(1);
    expect(run.state.timers).toEqual({});
  });

  it("expressions read the engine's clock, not the wall clock", async () => {
    const run = new RunHarness(flow([{ id: "a", type: "transform", expr: "$now()" }]), {
      createdAt: Date.UTC(2030, 5, 1),
    });
    await run.start();
    expect(run.step("a").output).toBe("2030-06-01T00:00:00.000Z");
  });

  it("the scope holds input, steps with output and status, and run", async () => {
    const run = new RunHarness(
      flow([
        { id: "a", type: "transform", expr: "'x'" },
        { id: "b", type: "transform", needs: ["a"], expr: "{ 'in': input, 'a': steps.a, 'run': run }" },
      ]),
      { id: "run_9", input: { k: 1 }, trigger: { type: "cron", scheduledAt: "t" } },
    );
    await run.start();
    expect(run.step("b").output).toEqual({
      in: { k: 1 },
      a: { output: "x", status: "succeeded" },
      run: { id: "run_9", workflow: "t", version: 1, trigger: { type: "cron", scheduledAt: "t" }, attempt: 1 },
    });
  });
});
