// The run owns retries, the queue owns delivery (STYLE §4): the consumer acks once the run
// has its report, asks the queue to redeliver (with backoff) only when the run cannot be
// told, and drops what can never succeed: a message that is not a task.
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { inventoryCall } from "../fixtures/workflows-api/inventory-call";
import { saveWorkflow } from "../support/workers/api";
import { freezeClock, restoreClock } from "../support/workers/clock";
import { readRun, startRecordedRun } from "../support/workers/runs";
import { answerFetch, deliver, jsonResponse } from "../support/workers/tasks";

/** The test's bindings, except that every run refuses reports like an overloaded object. */
function envWithUnreachableRuns(): Env {
  const unreachable = {
    report: () => Promise.reject(Object.assign(new Error("Durable Object is overloaded"), { overloaded: true })),
  };
  const runs = { idFromName: (name: string) => env.RUNS.idFromName(name), get: () => unreachable };
  return { ...env, RUNS: runs } as unknown as Env;
}

beforeAll(async () => {
  await saveWorkflow("inventory-delivery", inventoryCall);
});
beforeEach(freezeClock);
afterEach(() => {
  restoreClock();
  vi.restoreAllMocks();
});

describe("a task whose run cannot be told the outcome", () => {
  it("is handed back to the queue with a backoff that grows with its deliveries, not acked", async () => {
    const { dispatched } = await startRecordedRun("inventory-delivery", { sku: "A-1" });
    answerFetch(() => jsonResponse({ count: 1 }));
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const first = await deliver(dispatched, { env: envWithUnreachableRuns(), attempts: 1 });
    expect(first.result.explicitAcks).toEqual([]);
    expect(first.result.retryMessages).toEqual([{ msgId: first.ids[0] }]);
    expect(first.retryDelays).toEqual({ [first.ids[0]!]: 2 });
    const third = await deliver(dispatched, { env: envWithUnreachableRuns(), attempts: 3 });
    expect(third.retryDelays).toEqual({ [third.ids[0]!]: 8 });
    const tenth = await deliver(dispatched, { env: envWithUnreachableRuns(), attempts: 10 });
    expect(tenth.retryDelays).toEqual({ [tenth.ids[0]!]: 60 });
  });

  it("is redelivered later and then reaches the run", async () => {
    const { runId, dispatched } = await startRecordedRun("inventory-delivery", { sku: "A-1" });
    answerFetch(() => jsonResponse({ count: 4 }));
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    await deliver(dispatched, { env: envWithUnreachableRuns() });
    expect((await readRun(runId)).steps[0]!.status).toBe("running");
    const { result, ids } = await deliver(dispatched, { attempts: 2 });
    expect(result.explicitAcks).toEqual(ids);
    expect(await readRun(runId)).toMatchObject({ status: "succeeded", output: { count: 4 } });
  });
});

describe("a malformed message", () => {
  const malformed = [
    { type: "dispatch", runId: "run_x" },
    "not even an object",
    null,
    {
      type: "dispatch",
      runId: "run_x",
      stepId: "s",
      attempt: 0,
      stepType: "http",
      request: {},
      timeoutMs: 1,
      idempotencyKey: "k",
    },
  ];

  it("is acked and dropped, never retried", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const { result, ids } = await deliver(malformed);
    expect(result.explicitAcks.sort()).toEqual([...ids].sort());
    expect(result.retryMessages).toEqual([]);
    expect(result.retryBatch.retry).toBe(false);
  });

  it("is not executed and leaves a run in the same batch alone to proceed", async () => {
    const { runId, dispatched } = await startRecordedRun("inventory-delivery", { sku: "A-1" });
    const fetchSpy = answerFetch(() => jsonResponse({ count: 2 }));
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const { result, ids } = await deliver([...malformed, dispatched[0]]);
    expect(result.explicitAcks.sort()).toEqual([...ids].sort());
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect((await readRun(runId)).status).toBe("succeeded");
  });
});
