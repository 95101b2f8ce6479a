// `llm` steps: an invalid reply is a retryable attempt whose error the next
// attempt's request carries back to the model; token usage is kept per attempt and summed per run.
import { describe, expect, it } from "vitest";
import type { Definition } from "../../../src/core/definition/schema";
import { RunHarness } from "./harness";

const classify = {
  id: "classify",
  type: "llm",
  provider: "openai",
  baseUrl: "https://llm.example/v1",
  model: "m",
  prompt: "Classify: {{ input.text }}",
  schema: { type: "object", required: ["label"] },
  pricing: { input: 1, output: 2 },
} as const;
const flow = (steps: unknown[]): Definition => ({ id: "ai", triggers: [], steps }) as unknown as Definition;
const invalid = (message: string, reply: string) => ({
  code: "invalid_output",
  message,
  retryable: true,
  response: { status: 200, headers: {}, body: reply },
});

describe("llm steps", () => {
  it("the first attempt carries the rendered prompt, the schema and the prices as written, and no repair", async () => {
    const run = new RunHarness(flow([classify]), { input: { text: "refund please" } });
    await run.start();
    const [task] = run.dispatched();
    expect(task!.request).toEqual({
      provider: "openai",
      baseUrl: "https://llm.example/v1",
      model: "m",
      prompt: "Classify: refund please",
      schema: { type: "object", required: ["label"] },
      pricing: { input: 1, output: 2 },
    });
  });

  it("an invalid reply is retried, and the retry tells the model its reply and what was wrong", async () => {
    const run = new RunHarness(flow([classify]), { input: { text: "x" } });
    await run.start();
    await run.fail("classify", invalid("the reply is not JSON: Unexpected token", "Sure! The label is billing."));
    expect(run.step("classify").status).toBe("retrying");
    await run.fireNextTimer();
    const [task] = run.dispatched();
    expect(task!.attempt).toBe(2);
    expect((task!.request as { repair: unknown }).repair).toEqual({
      reply: "Sure! The label is billing.",
      problem: "the reply is not JSON: Unexpected token",
    });
    expect(run.step("classify").input).toMatchObject({
      repair: { problem: "the reply is not JSON: Unexpected token" },
    });
  });

  it("a retry after another kind of failure carries no repair", async () => {
    const run = new RunHarness(flow([classify]));
    await run.start();
    await run.fail("classify", { code: "http_status", message: "503", retryable: true });
    await run.fireNextTimer();
    expect(run.dispatched()[0]!.request).not.toHaveProperty("repair");
  });

  it("a reply that is never valid fails the step with invalid_output once the attempts run out", async () => {
    const run = new RunHarness(flow([classify]));
    await run.start();
    for (let n = 1; n <= 3; n++) {
      await run.fail("classify", invalid(`attempt ${n}: not JSON`, "no"));
      if (n < 3) await run.fireNextTimer();
    }
    expect(run.step("classify")).toMatchObject({
      status: "failed",
      error: { code: "invalid_output", message: "attempt 3: not JSON" },
    });
    expect(run.state.status).toBe("failed");
  });

  it("usage is recorded on each attempt, failed ones included, and summed on the run", async () => {
    const run = new RunHarness(flow([classify, { ...classify, id: "second", needs: ["classify"] }]));
    await run.start();
    await run.send({
      type: "step_failed",
      stepId: "classify",
      attempt: 1,
      error: invalid("bad", "x"),
      usage: { inputTokens: 100, outputTokens: 10, costUsd: 0.00012 },
    });
    await run.fireNextTimer();
    await run.send({
      type: "step_completed",
      stepId: "classify",
      attempt: 2,
      output: { text: "{}" },
      usage: { inputTokens: 120, outputTokens: 8, costUsd: 0.000136 },
    });
    await run.send({
      type: "step_completed",
      stepId: "second",
      attempt: 1,
      output: {},
      usage: { inputTokens: 5, outputTokens: 5 },
    });
    expect(run.step("classify").attempts.map((attempt) => attempt.usage)).toEqual([
      { inputTokens: 100, outputTokens: 10, costUsd: 0.00012 },
      { inputTokens: 120, outputTokens: 8, costUsd: 0.000136 },
    ]);
    expect(run.state.usage).toEqual({ inputTokens: 225, outputTokens: 23, costUsd: 0.000256 });
    expect(run.state.status).toBe("succeeded");
  });

  it("a stale report's usage is ignored with the report", async () => {
    const run = new RunHarness(flow([classify]));
    await run.start();
    await run.send({
      type: "step_completed",
      stepId: "classify",
      attempt: 7,
      output: {},
      usage: { inputTokens: 1, outputTokens: 1 },
    });
    expect(run.state.usage).toBeUndefined();
  });

  it("a prompt template that fails to render fails the step without retry", async () => {
    const run = new RunHarness(flow([{ ...classify, prompt: "{{ $error('bad template') }}" }]));
    await run.start();
    expect(run.dispatched()).toEqual([]);
    expect(run.step("classify")).toMatchObject({
      status: "failed",
      error: { code: "expression_error", retryable: false },
    });
    expect(run.state.status).toBe("failed");
  });
});
