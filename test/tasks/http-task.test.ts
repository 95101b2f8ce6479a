// The queue consumer executes an http task the run dispatched and reports the outcome to
// the run: success records the response as the step's output; a
// failure goes back to the run, which owns retries, and the message is acked either way.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { CALL_TIMEOUT_MS, inventoryCall, RETRY_DELAY_MS } from "../fixtures/workflows-api/inventory-call";
import { saveWorkflow } from "../support/workers/api";
import { freezeClock, restoreClock } from "../support/workers/clock";
import { readRun, readTimers, startRecordedRun } from "../support/workers/runs";
import { answerFetch, deliver, jsonResponse } from "../support/workers/tasks";

let now: number;
beforeAll(async () => {
  await saveWorkflow("inventory", inventoryCall);
});
beforeEach(() => {
  now = freezeClock();
});
afterEach(() => {
  restoreClock();
  vi.restoreAllMocks();
});

describe("the task an http step dispatches", () => {
  it("carries the run, step, attempt, rendered request, deadline and idempotency key", async () => {
    const { runId, started, dispatched } = await startRecordedRun("inventory", { sku: "A-1" });
    expect(started.steps[0]).toMatchObject({ id: "call", status: "running" });
    expect(dispatched).toEqual([
      expect.objectContaining({
        type: "dispatch",
        runId,
        stepId: "call",
        attempt: 1,
        stepType: "http",
        request: expect.objectContaining({ method: "GET", url: "https://inventory.example/items/A-1" }),
        timeoutMs: CALL_TIMEOUT_MS,
        idempotencyKey: `${runId}:call`,
      }),
    ]);
  });
});

describe("an http task delivered to the consumer", () => {
  it("performs the request with the Idempotency-Key header and acks the message", async () => {
    const { runId, dispatched } = await startRecordedRun("inventory", { sku: "A-1" });
    const fetchSpy = answerFetch(() => jsonResponse({ count: 7 }));
    const { result, ids } = await deliver(dispatched);
    expect(result.explicitAcks).toEqual(ids);
    expect(result.retryMessages).toEqual([]);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    const request = fetchSpy.mock.calls[0]![0] as Request;
    expect(request.method).toBe("GET");
    expect(request.url).toBe("https://inventory.example/items/A-1");
    expect(request.headers.get("idempotency-key")).toBe(`${runId}:call`);
  });

  it("reports the response, which becomes the step's output, and the run goes on to succeed", async () => {
    const { runId, dispatched } = await startRecordedRun("inventory", { sku: "A-1" });
    answerFetch(() => jsonResponse({ count: 7 }, 200, { "x-stock": "warehouse-2" }));
    await deliver(dispatched);
    const run = await readRun(runId);
    expect(run.steps[0]).toMatchObject({
      status: "succeeded",
      output: { status: 200, body: { count: 7 }, headers: expect.objectContaining({ "x-stock": "warehouse-2" }) },
    });
    expect(run.steps[0]!.attempts).toEqual([expect.objectContaining({ n: 1, status: "succeeded", httpStatus: 200 })]);
    expect(run).toMatchObject({ status: "succeeded", output: { count: 7 } });
    expect(await readTimers(runId)).toEqual({});
  });

  it("reports a retryable failure (503): the run schedules a retry, the queue does not redeliver", async () => {
    const { runId, dispatched } = await startRecordedRun("inventory", { sku: "A-1" });
    answerFetch(() => jsonResponse({ error: "busy" }, 503));
    const { result, ids } = await deliver(dispatched);
    expect(result.explicitAcks).toEqual(ids);
    expect(result.retryMessages).toEqual([]);
    const step = (await readRun(runId)).steps[0]!;
    expect(step.status).toBe("retrying");
    expect(step.attempts[0]).toMatchObject({
      n: 1,
      status: "failed",
      httpStatus: 503,
      error: { code: "http_status", retryable: true },
    });
    expect(await readTimers(runId)).toEqual({ "retry:call": now + RETRY_DELAY_MS });
  });

  it("reports a failure that is not retryable (404): the step and the run fail at once", async () => {
    const { runId, dispatched } = await startRecordedRun("inventory", { sku: "gone" });
    answerFetch(() => jsonResponse({ error: "no such item" }, 404));
    await deliver(dispatched);
    const run = await readRun(runId);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ stepId: "call", code: "http_status", retryable: false, httpStatus: 404 });
    expect(run.steps.map((step) => step.status)).toEqual(["failed", "skipped"]);
  });

  it("reports a network error as retryable", async () => {
    const { runId, dispatched } = await startRecordedRun("inventory", { sku: "A-1" });
    answerFetch(() => Promise.reject(new TypeError("Network connection lost.")));
    await deliver(dispatched);
    const step = (await readRun(runId)).steps[0]!;
    expect(step.status).toBe("retrying");
    expect(step.attempts[0]!.error).toMatchObject({ code: "network_error", retryable: true });
  });
});
