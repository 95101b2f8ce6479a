// The run owns retries, the queue owns delivery: the consumer claims a task
// from its run before carrying it out and asks the queue to redeliver (with backoff) only
// when the run cannot be asked. Once the effect is carried out it is never carried out
// again for a report that failed: the report is retried on its own, through the queue if
// need be. What can never succeed (a message that is not a task) is dropped.
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { ReportMessage } from "../../src/tasks/report-message";
import { inventoryCall } from "../fixtures/workflows-api/inventory-call";
import { saveWorkflow } from "../support/workers/api";
import { freezeClock, restoreClock } from "../support/workers/clock";
import { readRun, startRecordedRun } from "../support/workers/runs";
import { answerFetch, deliver, jsonResponse } from "../support/workers/tasks";

const overloaded = () => Promise.reject(Object.assign(new Error("Durable Object is overloaded"), { overloaded: true }));

/** The test's bindings, except that every run is overloaded for `methods`; queue sends are recorded. */
function envWithOverloadedRuns(methods: string[], sent: unknown[] = []): Env {
  const runs = {
    idFromName: (name: string) => env.RUNS.idFromName(name),
    get: (id: DurableObjectId) => {
      const real = env.RUNS.get(id);
      return new Proxy(real, {
        get: (target, name) => (methods.includes(String(name)) ? overloaded : Reflect.get(target, name)),
      });
    },
  };
  const tasks = { send: async (body: unknown) => void sent.push(body), sendBatch: env.TASKS.sendBatch.bind(env.TASKS) };
  return { ...env, RUNS: runs, TASKS: tasks } as unknown as Env;
}

beforeAll(async () => {
  await saveWorkflow("inventory-delivery", inventoryCall);
});
beforeEach(freezeClock);
afterEach(() => {
  restoreClock();
  vi.restoreAllMocks();
});

describe("a task whose run cannot be asked for it", () => {
  it("is not carried out, and is handed back to the queue with a backoff that grows with its deliveries", async () => {
    const { dispatched } = await startRecordedRun("inventory-delivery", { sku: "A-1" });
    const fetchSpy = answerFetch(() => jsonResponse({ count: 1 }));
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const unreachable = envWithOverloadedRuns(["claimTask"]);
    const first = await deliver(dispatched, { env: unreachable, attempts: 1 });
    expect(first.result.explicitAcks).toEqual([]);
    expect(first.result.retryMessages).toEqual([{ msgId: first.ids[0] }]);
    expect(first.retryDelays).toEqual({ [first.ids[0]!]: 2 });
    const third = await deliver(dispatched, { env: unreachable, attempts: 3 });
    expect(third.retryDelays).toEqual({ [third.ids[0]!]: 8 });
    const tenth = await deliver(dispatched, { env: unreachable, attempts: 10 });
    expect(tenth.retryDelays).toEqual({ [tenth.ids[0]!]: 60 });
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("is redelivered later, carried out then, and reaches the run", async () => {
    const { runId, dispatched } = await startRecordedRun("inventory-delivery", { sku: "A-1" });
    answerFetch(() => jsonResponse({ count: 4 }));
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    await deliver(dispatched, { env: envWithOverloadedRuns(["claimTask"]) });
    expect((await readRun(runId)).steps[0]!.status).toBe("running");
    const { result, ids } = await deliver(dispatched, { attempts: 2 });
    expect(result.explicitAcks).toEqual(ids);
    expect(await readRun(runId)).toMatchObject({ status: "succeeded", output: { count: 4 } });
  });
});

describe("a task carried out whose report fails", () => {
  it("is acked, not carried out again: its report goes through the queue and reaches the run from there", async () => {
    const { runId, dispatched } = await startRecordedRun("inventory-delivery", { sku: "A-1" });
    const fetchSpy = answerFetch(() => jsonResponse({ count: 7 }));
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const sent: unknown[] = [];
    const { result, ids } = await deliver(dispatched, { env: envWithOverloadedRuns(["report"], sent) });
    expect(result.explicitAcks).toEqual(ids);
    expect(result.retryMessages).toEqual([]);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect(sent).toEqual([
      expect.objectContaining({
        type: "report",
        runId,
        stepId: "call",
        attempt: 1,
        outcome: expect.objectContaining({ ok: true }),
      }),
    ]);
    expect((await readRun(runId)).steps[0]!.status).toBe("running");

    // The same task delivered again meanwhile is not carried out: the run gave it away.
    await deliver(dispatched, { attempts: 2 });
    expect(fetchSpy).toHaveBeenCalledTimes(1);

    const report = sent[0] as ReportMessage;
    const delivered = await deliver([report]);
    expect(delivered.result.explicitAcks).toEqual(delivered.ids);
    expect(await readRun(runId)).toMatchObject({ status: "succeeded", output: { count: 7 } });
  });

  it("is retried through the queue while the run stays unreachable, never by running the task", async () => {
    const { runId, dispatched } = await startRecordedRun("inventory-delivery", { sku: "A-1" });
    answerFetch(() => jsonResponse({ count: 7 }));
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const sent: unknown[] = [];
    await deliver(dispatched, { env: envWithOverloadedRuns(["report"], sent) });
    const again = await deliver(sent, { env: envWithOverloadedRuns(["report"]), attempts: 2 });
    expect(again.result.retryMessages).toEqual([{ msgId: again.ids[0] }]);
    expect(again.retryDelays).toEqual({ [again.ids[0]!]: 4 });
    expect((await readRun(runId)).steps[0]!.status).toBe("running");
  });
});

describe("a task message that names its attempt but is otherwise malformed", () => {
  it("fails the attempt at once with invalid_task instead of being sent again and again", async () => {
    const { runId, dispatched } = await startRecordedRun("inventory-delivery", { sku: "A-1" });
    const fetchSpy = answerFetch(() => jsonResponse({ count: 1 }));
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const { result, ids } = await deliver([{ ...dispatched[0], timeoutMs: "soon" }]);
    expect(result.explicitAcks).toEqual(ids);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect((await readRun(runId)).steps[0]).toMatchObject({
      status: "failed",
      error: { code: "invalid_task", retryable: false },
    });
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
