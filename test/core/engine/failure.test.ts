// A step failing for good fails the run, then the onFailure steps run.
import { describe, expect, it } from "vitest";
import type { Definition } from "../../../src/core/definition/schema";
import { bestEffort } from "../../fixtures/workflows/best-effort";
import { fanOut } from "../../fixtures/workflows/fan-out";
import { flakyFetch } from "../../fixtures/workflows/flaky-fetch";
import { RunHarness } from "./harness";

const notFound = { code: "http_status", message: "404", retryable: false, httpStatus: 404 };

describe("run failure", () => {
  it("a step failing for good cancels running steps, skips the ones that never started and fails the run", async () => {
    const run = new RunHarness(fanOut, { input: { customerId: "c1" } });
    await run.start();
    await run.fail("orders", notFound);
    expect(run.statuses()).toEqual({ customer: "cancelled", orders: "failed", summary: "skipped" });
    expect(run.step("summary")).toMatchObject({ skipReason: "run_failed", attempts: [] });
    expect(run.step("customer").attempts).toMatchObject([{ n: 1, status: "cancelled", finishedAt: run.now }]);
    expect(run.state).toMatchObject({
      status: "failed",
      error: { ...notFound, stepId: "orders" },
      finishedAt: run.now,
    });
    expect(run.state.timers).toEqual({});
    expect(run.effects.slice(-3)).toEqual([
      { type: "index" },
      { type: "audit", action: "run.failed", detail: { error: { ...notFound, stepId: "orders" } } },
      { type: "finished", status: "failed" },
    ]);
  });

  it("nothing new starts once a step in the same batch has failed the run", async () => {
    const run = new RunHarness({
      id: "t",
      triggers: [],
      steps: [
        { id: "bad", type: "transform", expr: "$error('boom')" },
        { id: "call", type: "http", request: { url: "https://x.example/" } },
      ],
    });
    await run.start();
    expect(run.statuses()).toEqual({ bad: "failed", call: "skipped" });
    expect(run.dispatched()).toEqual([]);
    expect(run.state.status).toBe("failed");
  });

  it("a late report from a cancelled step is ignored", async () => {
    const run = new RunHarness(fanOut, { input: { customerId: "c1" } });
    await run.start();
    await run.fail("orders", notFound);
    const before = run.state;
    expect(await run.complete("customer", { body: {} }, { attempt: 1 })).toEqual({ state: before, effects: [] });
  });

  it("a retrying step is cancelled too, and its retry timer removed", async () => {
    const run = new RunHarness(fanOut, { input: { customerId: "c1" } });
    await run.start();
    await run.fail("customer");
    await run.fail("orders", notFound);
    expect(run.step("customer").status).toBe("cancelled");
    expect(run.step("customer").attempts.map((a) => a.status)).toEqual(["failed"]);
    expect(run.state.timers).toEqual({});
  });

  it("onFailure steps see run.error and run as a graph of their own", async () => {
    const run = new RunHarness(flakyFetch, { input: { id: 7 } });
    await run.start();
    await run.fail("fetch", notFound);
    expect(run.step("report")).toMatchObject({ status: "succeeded", output: { failed: "fetch", code: "http_status" } });
    expect(run.dispatched()).toMatchObject([
      { stepId: "page", request: { method: "POST", body: { failed: "fetch", code: "http_status" } } },
    ]);
    expect(run.state).toMatchObject({ status: "running", endingAs: "failed", error: { stepId: "fetch" } });
    expect(run.step("shape").status).toBe("pending");
  });

  it("the run fails once its onFailure steps have finished, whatever their outcome", async () => {
    const run = new RunHarness(flakyFetch, { input: { id: 7 } });
    await run.start();
    await run.fail("fetch", notFound);
    await run.fail("page", notFound);
    expect(run.step("page").status).toBe("failed");
    expect(run.state).toMatchObject({ status: "failed", error: { stepId: "fetch" } });
    expect(run.state.endingAs).toBeUndefined();
    expect(run.effects).toContainEqual({ type: "finished", status: "failed" });
  });

  it("a run without onFailure steps fails at once", async () => {
    const run = new RunHarness(fanOut, { input: { customerId: "c1" } });
    await run.start();
    await run.fail("customer", notFound);
    expect(run.state.status).toBe("failed");
  });

  it("onFailure steps do not run when the run succeeds", async () => {
    const run = new RunHarness(flakyFetch, { input: { id: 7 } });
    await run.start();
    await run.complete("fetch", { body: { ok: true } });
    expect(run.state).toMatchObject({ status: "succeeded", output: { shape: { ok: true } } });
    expect(run.statuses()).toMatchObject({ report: "skipped", page: "skipped" });
    expect(run.step("page")).toMatchObject({ skipReason: "run_succeeded", attempts: [] });
  });

  it("a run whose only failures were continue steps succeeds", async () => {
    const run = new RunHarness(bestEffort);
    await run.start();
    await run.fail("notify");
    expect(run.step("notify").status).toBe("failed");
    expect(run.state).toMatchObject({ status: "succeeded", error: null, output: { alert: "notification failed" } });
  });
});

describe("run output", () => {
  const flow = (output?: string): Definition => ({
    id: "t",
    triggers: [],
    steps: [
      { id: "a", type: "transform", expr: "1" },
      { id: "b", type: "transform", needs: ["a"], expr: "steps.a.output + 1" },
      { id: "c", type: "transform", expr: "'c'" },
      { id: "d", type: "transform", if: "false", expr: "'d'" },
    ],
    onFailure: [{ id: "cleanup", type: "transform", expr: "run.error.code" }],
    ...(output === undefined ? {} : { output }),
  });

  it("by default the output holds the succeeded steps no one needs", async () => {
    const run = new RunHarness(flow());
    await run.start();
    expect(run.state.output).toEqual({ b: 2, c: "c" });
  });

  it("an output expression decides the output", async () => {
    const run = new RunHarness(flow("{ 'total': steps.b.output * 10 }"));
    await run.start();
    expect(run.state.output).toEqual({ total: 20 });
    expect(run.effects.slice(-2)).toEqual([
      { type: "audit", action: "run.succeeded" },
      { type: "finished", status: "succeeded" },
    ]);
    expect(run.state.finishedAt).toBe(run.now);
  });

  it("an output expression error fails the run with that error, after onFailure", async () => {
    const run = new RunHarness(flow("$error('bad output')"));
    await run.start();
    expect(run.state).toMatchObject({ status: "failed", error: { code: "expression_error", retryable: false } });
    expect(run.state.output).toBeUndefined();
    expect(run.step("cleanup")).toMatchObject({ status: "succeeded", output: "expression_error" });
  });
});
