// I/O steps leave the run as tasks, one attempt at a time, each under a deadline
// that starts when a consumer claims the task.
import { describe, expect, it } from "vitest";
import type { Definition } from "../../../src/core/definition/schema";
import { fanOut } from "../../fixtures/workflows/fan-out";
import { RunHarness, T0 } from "./harness";

const flow = (steps: Definition["steps"]): Definition => ({ id: "t", triggers: [], steps });

describe("dispatching I/O steps", () => {
  it("parallel due steps dispatch in the same transition", async () => {
    const run = new RunHarness(fanOut, { input: { customerId: "c1" } });
    await run.start();
    expect(run.dispatched().map((task) => task.stepId)).toEqual(["customer", "orders"]);
    expect(run.statuses()).toMatchObject({ customer: "running", orders: "running", summary: "pending" });
    expect(run.state.status).toBe("running");
  });

  it("an http task carries the rendered request, idempotency key, expect and timeout", async () => {
    const run = new RunHarness(fanOut, { input: { customerId: "c1" } });
    await run.start();
    const [customer, orders] = run.dispatched();
    expect(customer).toEqual({
      type: "dispatch",
      runId: "run_1",
      stepId: "customer",
      attempt: 1,
      stepType: "http",
      request: {
        method: "GET",
        url: "https://crm.example/customers/c1",
        headers: { Authorization: "Bearer \u0000secret:CRM_TOKEN\u0000" },
        query: {},
      },
      timeoutMs: 30_000,
      idempotencyKey: "run_1:customer",
    });
    expect(orders).toMatchObject({
      request: {
        method: "POST",
        url: "https://shop.example/search",
        headers: {},
        query: { limit: 10 },
        body: { customer: "c1" },
      },
      timeoutMs: 10_000,
      expect: [200, 404],
    });
  });

  it("the rendered request is stored as the step input, secrets as placeholders", async () => {
    const run = new RunHarness(fanOut, { input: { customerId: "c1" } });
    await run.start();
    expect(run.step("customer").input).toMatchObject({
      headers: { Authorization: "Bearer \u0000secret:CRM_TOKEN\u0000" },
    });
    expect(JSON.stringify(run.state)).not.toMatch(/secrets\./);
  });

  it("each attempt gets a deadline timer at claim + timeout: time in the queue does not count", async () => {
    const run = new RunHarness(fanOut, { input: { customerId: "c1" } });
    await run.start();
    expect(run.state.timers).toEqual({});
    run.now += 2_000;
    await run.claim();
    expect(run.state.timers).toEqual({
      "deadline:customer": { kind: "deadline", at: T0 + 32_000, stepId: "customer", attempt: 1 },
      "deadline:orders": { kind: "deadline", at: T0 + 12_000, stepId: "orders", attempt: 1 },
    });
    expect(await run.send({ type: "task_claimed", stepId: "orders", attempt: 2, timeoutMs: 1 })).toEqual({
      state: run.state,
      effects: [],
    });
    expect(run.step("customer").attempts).toEqual([{ n: 1, status: "running", startedAt: T0, runAttempt: 1 }]);
  });

  it.each([
    [
      "llm",
      {
        id: "s",
        type: "llm",
        provider: "openai",
        model: "m",
        prompt: "Summarise {{ input.text }}",
        apiKey: "{{ secrets.OPENAI_KEY }}",
        schema: { title: "{{ kept }}" },
      },
      120_000,
    ],
    ["retrieve", { id: "s", type: "retrieve", collection: "docs", query: "{{ input.text }}", limit: 3 }, 30_000],
  ] as const)("an %s task carries its rendered fields and default timeout", async (_type, step, timeoutMs) => {
    const run = new RunHarness(flow([step as Definition["steps"][number]]), { input: { text: "hello" } });
    await run.start();
    const [task] = run.dispatched();
    expect(task!.timeoutMs).toBe(timeoutMs);
    expect(task!.expect).toBeUndefined();
    if (step.type === "llm") {
      expect(task!.request).toEqual({
        provider: "openai",
        model: "m",
        prompt: "Summarise hello",
        apiKey: "\u0000secret:OPENAI_KEY\u0000",
        schema: { title: "{{ kept }}" },
      });
    } else {
      expect(task!.request).toEqual({ collection: "docs", query: "hello", limit: 3 });
    }
  });

  it("a request that fails to render fails the step without retry", async () => {
    const run = new RunHarness(flow([{ id: "s", type: "http", request: { url: "https://x/{{ $error('no') }}" } }]));
    await run.start();
    expect(run.dispatched()).toEqual([]);
    expect(run.step("s")).toMatchObject({ status: "failed", error: { code: "expression_error", retryable: false } });
    expect(run.step("s").attempts).toMatchObject([{ n: 1, status: "failed" }]);
    expect(run.state.status).toBe("failed");
  });

  it("a completion records the output and http status and clears the deadline", async () => {
    const run = new RunHarness(fanOut, { input: { customerId: "c1" } });
    await run.start();
    await run.claim();
    run.now += 1_500;
    await run.complete("customer", { status: 200, body: { name: "Ada" } }, { httpStatus: 200 });
    expect(run.step("customer")).toMatchObject({
      status: "succeeded",
      output: { status: 200, body: { name: "Ada" } },
      startedAt: T0,
      finishedAt: T0 + 1_500,
    });
    expect(run.step("customer").attempts).toEqual([
      { n: 1, status: "succeeded", startedAt: T0, finishedAt: T0 + 1_500, httpStatus: 200, runAttempt: 1 },
    ]);
    expect(Object.keys(run.state.timers)).toEqual(["deadline:orders"]);
    expect(run.audits()).toEqual(["step.succeeded"]);
  });
});

describe("placeholders arriving in data", () => {
  it("a secret placeholder in the input or a step's output renders as text, never as a placeholder", async () => {
    const smuggled = "\u0000secret:CRM_TOKEN\u0000";
    const run = new RunHarness(
      {
        id: "t",
        triggers: [],
        steps: [
          { id: "first", type: "http", request: { url: "https://a.example/" } },
          {
            id: "second",
            type: "http",
            needs: ["first"],
            request: {
              url: "https://b.example/",
              body: { fromInput: "{{ input.note }}", fromOutput: "{{ steps.first.output.body }}" },
            },
          },
        ],
      },
      { input: { note: smuggled } },
    );
    await run.start();
    await run.complete("first", { status: 200, headers: {}, body: smuggled });
    const body = (run.dispatched().at(-1)!.request as { body: Record<string, string> }).body;
    expect(body).toEqual({ fromInput: "\uFFFDsecret:CRM_TOKEN\uFFFD", fromOutput: "\uFFFDsecret:CRM_TOKEN\uFFFD" });
  });
});
