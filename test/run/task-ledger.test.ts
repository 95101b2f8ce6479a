// A queue message is a hint; the run's task ledger is the truth. A dispatched task stays
// in the run's storage until a consumer claims it and is sent again meanwhile (after 5 s,
// then backing off to every minute), so a message the broker lost, or a send that failed,
// costs seconds, never the attempt. Dispatches go out in batches the queue accepts.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { queueBatches } from "../../src/run/task-ledger";
import { startRun } from "../../src/run/start-run";
import { inventoryCall } from "../fixtures/workflows-api/inventory-call";
import { saveWorkflow } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { readAlarm, readRun, runStubFor, startRecordedRun } from "../support/workers/runs";

const CLAIM = { stepId: "call", attempt: 1, stepType: "http" };

/** A map of `items` http items, all in flight at once. */
const wideMap = (items: number) => ({
  triggers: [{ type: "api" }],
  steps: [
    {
      id: "fan",
      type: "map",
      items: `[1..${items}]`,
      concurrency: items,
      step: { type: "http", request: { method: "POST", url: "https://hooks.example/item", body: { n: "{{ item }}" } } },
    },
  ],
});

/** Makes the run's next `failures` sends throw, as a queue that is unreachable would; counts batch sizes. */
async function flakySends(runId: string, failures: number): Promise<number[]> {
  const sizes: number[] = [];
  await runInDurableObject(runStubFor(runId), (instance) => {
    const tasks = (instance as unknown as { env: Env }).env.TASKS;
    const send = tasks.sendBatch.bind(tasks);
    let left = failures;
    // The isolate's bindings are shared by every run in it: other runs' sends pass through.
    tasks.sendBatch = async (messages, options) => {
      const list = [...messages];
      if (list.some((message) => (message.body as { runId: string }).runId !== runId)) return send(messages, options);
      if (left-- > 0) throw new Error("queue unreachable");
      sizes.push(list.length);
      return send(messages, options);
    };
  });
  return sizes;
}

let now: number;
beforeAll(async () => {
  await saveWorkflow("ledger-call", inventoryCall);
  await saveWorkflow("ledger-wide-map", wideMap(250));
});
beforeEach(() => {
  now = freezeClock();
});
afterEach(restoreClock);

describe("an unclaimed task", () => {
  it("is sent again after 5 s, then 10 s, then every 15 s, the same message each time, until a consumer claims it", async () => {
    const { runId, stub, dispatched } = await startRecordedRun("ledger-call", { sku: "A-1" });
    expect(await readAlarm(runId)).toBe(now + 5_000);
    advanceClock(4_999);
    await runDurableObjectAlarm(stub);
    expect(dispatched).toHaveLength(1);
    now = advanceClock(1);
    await runDurableObjectAlarm(stub);
    expect(dispatched).toHaveLength(2);
    expect(await readAlarm(runId)).toBe(now + 10_000);
    now = advanceClock(10_000);
    await runDurableObjectAlarm(stub);
    expect(dispatched).toHaveLength(3);
    expect(await readAlarm(runId)).toBe(now + 15_000);
    now = advanceClock(15_000);
    await runDurableObjectAlarm(stub);
    expect(dispatched).toHaveLength(4);
    expect(await readAlarm(runId)).toBe(now + 15_000);
    expect(new Set(dispatched.map((task) => JSON.stringify(task))).size).toBe(1);

    expect(await stub.claimTask(CLAIM, "msg-1")).toBe("go");
    advanceClock(120_000);
    await runDurableObjectAlarm(stub);
    expect(dispatched).toHaveLength(4);
  });

  it("claimed by a message may be claimed again by that message's redelivery, by no other copy", async () => {
    const { stub } = await startRecordedRun("ledger-call", { sku: "A-1" });
    expect(await stub.claimTask(CLAIM, "msg-1")).toBe("go");
    expect(await stub.claimTask(CLAIM, "msg-2")).toBe("skip");
    expect(await stub.claimTask(CLAIM, "msg-1")).toBe("go");
  });

  it("unclaimed for 10 minutes fails its step as delivery_failed, as a dead letter does", async () => {
    const { runId, stub, dispatched } = await startRecordedRun("ledger-call", { sku: "A-1" });
    for (let elapsed = 0; elapsed < 10 * 60_000; elapsed += 15_000) {
      expect((await readRun(runId)).status).toBe("running");
      advanceClock(15_000);
      await runDurableObjectAlarm(stub);
    }
    const run = await readRun(runId);
    expect(run.steps[0]).toMatchObject({ status: "failed", error: { code: "delivery_failed", retryable: false } });
    expect(run).toMatchObject({ status: "failed", error: { stepId: "call", code: "delivery_failed" } });
    expect(await stub.claimTask(CLAIM, "msg-1")).toBe("skip");
    expect(dispatched.every((task) => task.attempt === 1)).toBe(true);
  });

  it("whose send failed is sent again a second later, not left to a deadline", async () => {
    const runId = `run_ledger_flaky_${crypto.randomUUID()}`;
    const sizes = await flakySends(runId, 1);
    await startRun(env, { workflowId: "ledger-call", input: { sku: "A-1" }, trigger: { type: "api" }, runId });
    expect(sizes).toEqual([]);
    expect(await readAlarm(runId)).toBe(now + 1_000);
    advanceClock(1_000);
    await runDurableObjectAlarm(runStubFor(runId));
    expect(sizes).toEqual([1]);
  });

  it("of a cancelled run is never sent again, and its claim is refused", async () => {
    const { stub, dispatched } = await startRecordedRun("ledger-call", { sku: "A-1" });
    await stub.cancel("changed my mind");
    advanceClock(60_000);
    await runDurableObjectAlarm(stub);
    expect(dispatched).toHaveLength(1);
    expect(await stub.claimTask(CLAIM, "msg-1")).toBe("skip");
  });
});

describe("a map wider than one queue batch", () => {
  it("sends its items in batches of at most 100 messages, every item once", async () => {
    const runId = `run_ledger_wide_${crypto.randomUUID()}`;
    const sizes = await flakySends(runId, 0);
    await startRun(env, { workflowId: "ledger-wide-map", input: {}, trigger: { type: "api" }, runId });
    expect(sizes).toEqual([100, 100, 50]);
    expect((await readRun(runId)).status).toBe("running");
  });
});

describe("queueBatches", () => {
  it("cuts at 100 messages and before 250,000 bytes, keeping order", () => {
    const small = Array.from({ length: 230 }, (_, i) => ({ i, bytes: 10 }));
    expect(queueBatches(small).map((batch) => batch.length)).toEqual([100, 100, 30]);
    const large = Array.from({ length: 5 }, (_, i) => ({ i, bytes: 70_000 }));
    expect(queueBatches(large).map((batch) => batch.map((entry) => entry.i))).toEqual([
      [0, 1, 2],
      [3, 4],
    ]);
    expect(queueBatches([])).toEqual([]);
  });
});
