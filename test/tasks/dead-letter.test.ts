// A task that exhausted its deliveries lands on the dead-letter queue, and its step fails
// with `delivery_failed` instead of waiting for the attempt deadline.
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { inventoryCall, inventoryCallOnce, RETRY_DELAY_MS } from "../fixtures/workflows-api/inventory-call";
import { saveWorkflow } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { readRun, startRecordedRun } from "../support/workers/runs";
import { answerFetch, DEAD_LETTER_QUEUE, deliver, jsonResponse } from "../support/workers/tasks";

const DEAD_LETTER = { queue: DEAD_LETTER_QUEUE, attempts: 6 };

beforeAll(async () => {
  await saveWorkflow("inventory-dlq", inventoryCallOnce);
  await saveWorkflow("inventory-dlq-retried", inventoryCall);
});
beforeEach(freezeClock);
afterEach(() => {
  restoreClock();
  vi.restoreAllMocks();
});

describe("a dead-lettered task", () => {
  it("fails its step with delivery_failed, not retryable, and the run fails", async () => {
    const { runId, dispatched } = await startRecordedRun("inventory-dlq", { sku: "A-1" });
    const { result, ids } = await deliver(dispatched, DEAD_LETTER);
    expect(result.explicitAcks).toEqual(ids);
    const run = await readRun(runId);
    expect(run.steps[0]).toMatchObject({
      id: "call",
      status: "failed",
      error: { code: "delivery_failed", retryable: false },
    });
    expect(run.steps[0]!.attempts[0]).toMatchObject({ n: 1, status: "failed", error: { code: "delivery_failed" } });
    expect(run.steps[0]!.error?.message).toContain("6");
    expect(run).toMatchObject({ status: "failed", error: { stepId: "call", code: "delivery_failed" } });
  });

  it("is not executed", async () => {
    const { dispatched } = await startRecordedRun("inventory-dlq", { sku: "A-1" });
    const fetchSpy = answerFetch(() => jsonResponse({ count: 1 }));
    await deliver(dispatched, DEAD_LETTER);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("fails the step even when its policy has attempts left", async () => {
    const { runId, dispatched } = await startRecordedRun("inventory-dlq-retried", { sku: "A-1" });
    await deliver(dispatched, DEAD_LETTER);
    const run = await readRun(runId);
    expect(run.steps[0]).toMatchObject({ status: "failed", error: { code: "delivery_failed" } });
    expect(run.steps[0]!.attempts).toHaveLength(1);
  });

  it("of an attempt that was already retried is stale and ignored", async () => {
    const recorded = await startRecordedRun("inventory-dlq-retried", { sku: "A-1" });
    answerFetch(() => jsonResponse({ error: "busy" }, 503));
    await deliver(recorded.dispatched);
    advanceClock(RETRY_DELAY_MS);
    await runDurableObjectAlarm(recorded.stub);
    const before = await readRun(recorded.runId);
    const { result, ids } = await deliver([recorded.dispatched[0]], DEAD_LETTER);
    expect(result.explicitAcks).toEqual(ids);
    expect(await readRun(recorded.runId)).toEqual(before);
    expect(before.steps[0]).toMatchObject({ status: "running" });
  });

  it("that is malformed is acked and dropped", async () => {
    const { result, ids } = await deliver([{ hello: "world" }], DEAD_LETTER);
    expect(result.explicitAcks).toEqual(ids);
    expect(result.retryMessages).toEqual([]);
  });
});
