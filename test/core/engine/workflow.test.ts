// Workflow steps: the step starts a child run (an effect the shell performs), waits for
// its end and takes its output; failures, retries, cancellation, timeouts and the depth limit.
import { describe, expect, it } from "vitest";
import { deterministicRunId } from "../../../src/core/run-id";
import { parent } from "../../fixtures/workflows/parent-child";
import { RunHarness, T0 } from "./harness";

async function started(extra: Record<string, unknown> = {}, trigger?: Record<string, unknown>) {
  const run = new RunHarness(parent(extra), {
    input: { order: "A-7", lines: [1, 2] },
    ...(trigger ? { trigger: trigger as never } : {}),
  });
  await run.start();
  return run;
}

const childOf = (run: RunHarness) => run.step("child").childRunId!;
const finish = (
  run: RunHarness,
  status: "succeeded" | "failed" | "cancelled" | "timed_out",
  output?: unknown,
  childRunId = childOf(run),
) =>
  run.send({
    type: "child_finished",
    stepId: "child",
    childRunId,
    status,
    output,
    error: status === "succeeded" ? null : { code: "boom", message: "it broke", retryable: false },
  });

describe("workflow", () => {
  it("a workflow step starts a child run with its rendered input, pinned version and depth, and waits", async () => {
    const run = await started();
    const childRunId = await deterministicRunId(T0, "run_1:child:1");
    expect(run.step("child")).toMatchObject({
      status: "waiting",
      childRunId,
      input: { workflow: "invoice", version: 2, input: { order: "A-7", lines: [1, 2] }, depth: 2 },
    });
    expect(run.state.status).toBe("waiting");
    expect(run.effects).toContainEqual({
      type: "start_child",
      stepId: "child",
      attempt: 1,
      childRunId,
      workflow: "invoice",
      version: 2,
      input: { order: "A-7", lines: [1, 2] },
      depth: 2,
    });
  });

  it("the child's output is the step's, and the parent goes on", async () => {
    const run = await started();
    await finish(run, "succeeded", { number: 42 });
    expect(run.step("child")).toMatchObject({ status: "succeeded", output: { number: 42 }, childStatus: "succeeded" });
    expect(run.step("after").output).toBe("invoice 42");
    expect(run.effects.some((effect) => effect.type === "cancel_child")).toBe(false);
  });

  it("a failed child fails the step with child_failed and its error", async () => {
    const run = await started();
    await finish(run, "failed");
    expect(run.step("child")).toMatchObject({
      status: "failed",
      error: { code: "child_failed", message: expect.stringContaining("boom: it broke") },
    });
    expect(run.state.status).toBe("failed");
  });

  it("a retry of the step starts a new child run", async () => {
    const run = await started({ retry: { attempts: 2, backoff: "fixed", delay: "1s" } });
    const first = childOf(run);
    await finish(run, "timed_out");
    expect(run.step("child").status).toBe("retrying");
    await run.fireNextTimer();
    const second = childOf(run);
    expect(second).not.toBe(first);
    expect(second).toBe(await deterministicRunId(run.now, "run_1:child:2"));
    expect(run.effects).toContainEqual(
      expect.objectContaining({ type: "start_child", attempt: 2, childRunId: second }),
    );
    await finish(run, "succeeded", { number: 7 }, first);
    expect(run.step("child").status).toBe("waiting");
  });

  it("a cancelled child fails the step without retry", async () => {
    const run = await started({ retry: { attempts: 3, backoff: "fixed", delay: "1s" } });
    await finish(run, "cancelled");
    expect(run.step("child")).toMatchObject({ status: "failed", error: { code: "child_cancelled", retryable: false } });
  });

  it("a report from another child changes nothing", async () => {
    const run = await started();
    const before = run.state;
    await finish(run, "succeeded", {}, "run_01JD3X5Q8R9W4Y7Z2B6C0N1M5K");
    expect(run.state).toBe(before);
  });

  it("cancelling the parent cancels the child", async () => {
    const run = await started();
    await run.send({ type: "cancel" });
    expect(run.effects).toContainEqual({ type: "cancel_child", stepId: "child", childRunId: childOf(run) });
  });

  it("a parent failing elsewhere cancels the child", async () => {
    const ping = { id: "ping", type: "http", request: { url: "https://ping.example/" } };
    const run = new RunHarness({ ...parent(), steps: [...parent().steps, ping] } as never, { input: { order: "A-7" } });
    await run.start();
    await run.fail("ping", { code: "http_status", message: "404", retryable: false });
    expect(run.state.status).toBe("failed");
    expect(run.effects).toContainEqual({
      type: "cancel_child",
      stepId: "child",
      childRunId: run.step("child").childRunId!,
    });
  });

  it("a child that would start and stop within one transition is never started", async () => {
    const boom = { id: "boom", type: "transform", expr: "$error('no')" };
    const run = new RunHarness({ ...parent(), steps: [...parent().steps, boom] } as never, { input: { order: "A-7" } });
    await run.start();
    expect(run.state.status).toBe("failed");
    expect(run.effects.filter((effect) => effect.type === "start_child" || effect.type === "cancel_child")).toEqual([]);
  });

  it("a step timeout fails the step with timed_out and cancels the child", async () => {
    const run = await started({ timeout: "1h" });
    await run.advanceBy(60 * 60_000);
    expect(run.step("child")).toMatchObject({ status: "failed", error: { code: "timed_out" } });
    expect(run.effects).toContainEqual({ type: "cancel_child", stepId: "child", childRunId: childOf(run) });
  });

  it("a child that could not start fails the step without retry", async () => {
    const run = await started({ retry: { attempts: 3, backoff: "fixed", delay: "1s" } });
    await run.send({
      type: "child_finished",
      stepId: "child",
      childRunId: childOf(run),
      status: "failed",
      error: { code: "child_not_started", message: "no workflow invoice", retryable: false },
    });
    expect(run.step("child")).toMatchObject({ status: "failed", error: { code: "child_not_started" } });
  });

  it.each([
    ["depth 10 (a child of depth 9) starts", 9, "waiting"],
    ["depth 11 fails", 10, "failed"],
  ])("%s", async (_name, depth, status) => {
    const run = await started({}, { type: "workflow", parentRunId: "run_0", parentStepId: "s", depth });
    expect(run.step("child").status).toBe(status);
    if (status === "failed") {
      expect(run.step("child").error).toMatchObject({ code: "depth_exceeded", retryable: false });
      expect(run.effects.some((effect) => effect.type === "start_child")).toBe(false);
    }
  });

  it("an input that fails to render fails the step without retry", async () => {
    const run = await started({ input: "{{ $error('bad input') }}" });
    expect(run.step("child")).toMatchObject({
      status: "failed",
      error: { code: "expression_error", retryable: false },
    });
  });
});
