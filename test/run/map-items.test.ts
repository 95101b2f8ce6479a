// Map steps in the run's Durable Object: http items go through the real queue
// consumer to a receiver that counts requests in flight, so the concurrency cap is
// measured where it matters; outputs come back in item order; finished items live in the
// item store rather than in the run's steps; the items API pages through them; an item
// failing fails the map with a clear code; and `items` that is not an array fails it.
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { TaskMessage } from "../../src/tasks/task-message";
import { call, expectJson, expectProblem, saveWorkflow } from "../support/workers/api";
import { readRun, runStubFor, startRecordedRun } from "../support/workers/runs";
import { answerFetch, deliver, jsonResponse } from "../support/workers/tasks";

afterEach(() => void vi.restoreAllMocks());

const fetchAll = (id: string, concurrency: number, inline: Record<string, unknown> = {}) =>
  saveWorkflow(id, {
    id,
    triggers: [{ type: "api" }],
    steps: [
      {
        id: "fetch",
        type: "map",
        items: "input.orders",
        concurrency,
        step: {
          type: "http",
          request: {
            method: "POST",
            url: "https://shop.example/orders/{{ item.id }}",
            body: { position: "{{ index }}" },
          },
          retry: { attempts: 1 },
          ...inline,
        },
      },
      { id: "count", type: "transform", needs: ["fetch"], expr: "$count(steps.fetch.output)" },
    ],
    output: "{ 'orders': steps.fetch.output.body.order, 'count': steps.count.output }",
  });

const orders = (count: number) => Array.from({ length: count }, (_, index) => ({ id: `o-${index}` }));

/** A receiver that answers after a tick and records the most requests it ever had in flight. */
function countingReceiver(
  answer: (request: Request, body: { position: number }) => Response = (request) =>
    jsonResponse({ order: new URL(request.url).pathname.split("/").pop() }),
) {
  const counts = { inFlight: 0, max: 0, requests: 0, keys: [] as string[] };
  answerFetch(async (request) => {
    counts.inFlight++;
    counts.requests++;
    counts.max = Math.max(counts.max, counts.inFlight);
    counts.keys.push(request.headers.get("idempotency-key") ?? "");
    const body = (await request.json()) as { position: number };
    await new Promise((resolve) => setTimeout(resolve, 5));
    counts.inFlight--;
    return answer(request, body);
  });
  return counts;
}

/** Hands the consumer every task the run dispatched and nobody delivered yet, all at once, until none is left. */
async function deliverUntilIdle(dispatched: TaskMessage[]): Promise<number> {
  let delivered = 0;
  let batches = 0;
  while (delivered < dispatched.length) {
    const batch = dispatched.slice(delivered);
    delivered = dispatched.length;
    batches++;
    await deliver(batch);
  }
  return batches;
}

const stepRows = (runId: string) =>
  runInDurableObject(runStubFor(runId), (_instance, state) =>
    state.storage.sql
      .exec<{ id: string }>("SELECT id FROM steps")
      .toArray()
      .map((row) => row.id),
  );

describe("a map step", () => {
  it("never has more than `concurrency` requests in flight, and outputs in item order", async () => {
    await fetchAll("map-cap", 3);
    const receiver = countingReceiver();
    const run = await startRecordedRun("map-cap", { orders: orders(14) });
    expect(run.dispatched.map((task) => task.stepId)).toEqual(["fetch[0]", "fetch[1]", "fetch[2]"]);
    expect(await stepRows(run.runId)).toEqual(
      expect.arrayContaining(["fetch", "count", "fetch[0]", "fetch[1]", "fetch[2]"]),
    );
    await deliverUntilIdle(run.dispatched);
    expect(receiver.requests).toBe(14);
    expect(receiver.max).toBe(3);
    expect(new Set(receiver.keys)).toEqual(new Set(orders(14).map((_, index) => `${run.runId}:fetch:${index}`)));
    const finished = await readRun(run.runId);
    expect(finished).toMatchObject({
      status: "succeeded",
      output: { orders: orders(14).map((order) => order.id), count: 14 },
    });
    expect(finished.steps.map((step) => step.id)).toEqual(["fetch", "count"]);
    expect(finished.steps[0]).toMatchObject({ items: { total: 14, pending: 0, running: 0, succeeded: 14, failed: 0 } });
    // Finished items left the steps table for the item store.
    expect((await stepRows(run.runId)).sort()).toEqual(["count", "fetch"]);
  });

  it("lists its items with their attempts, page by page and by status", async () => {
    await fetchAll("map-items-api", 2, { onError: "continue" });
    countingReceiver((_request, body) =>
      body.position === 3 ? jsonResponse({ error: "gone" }, 410) : jsonResponse({ order: body.position }),
    );
    const run = await startRecordedRun("map-items-api", { orders: orders(5) });
    await deliverUntilIdle(run.dispatched);
    const first = await expectJson<{ items: Array<Record<string, unknown>>; nextCursor: string | null }>(
      await call("GET", `/api/runs/${run.runId}/steps/fetch/items?limit=2`),
      200,
    );
    expect(first.items.map((item) => [item.index, item.status, item.item])).toEqual([
      [0, "succeeded", { id: "o-0" }],
      [1, "succeeded", { id: "o-1" }],
    ]);
    expect(first.items[0]).toMatchObject({
      output: { status: 200, body: { order: 0 } },
      attempts: [{ n: 1, status: "succeeded" }],
    });
    expect(first.nextCursor).toBe("1");
    const second = await expectJson<{ items: Array<Record<string, unknown>>; nextCursor: string | null }>(
      await call("GET", `/api/runs/${run.runId}/steps/fetch/items?limit=2&cursor=1`),
      200,
    );
    expect(second.items.map((item) => item.index)).toEqual([2, 3]);
    const failed = await expectJson<{ items: Array<Record<string, unknown>>; nextCursor: string | null }>(
      await call("GET", `/api/runs/${run.runId}/steps/fetch/items?status=failed`),
      200,
    );
    expect(failed).toMatchObject({
      items: [{ index: 3, status: "failed", error: { code: "http_status", httpStatus: 410 } }],
      nextCursor: null,
    });
    const finished = await readRun(run.runId);
    expect(finished.status).toBe("succeeded");
    expect((finished.output as { orders: unknown[] }).orders).toEqual([0, 1, 2, 4]);
  });

  it("fails when an item fails for good: code item_failed, the rest of the items are not requested", async () => {
    await fetchAll("map-item-fails", 1);
    const receiver = countingReceiver((_request, body) =>
      body.position === 1 ? jsonResponse({ error: "bad" }, 400) : jsonResponse({ ok: true }),
    );
    const run = await startRecordedRun("map-item-fails", { orders: orders(4) });
    await deliverUntilIdle(run.dispatched);
    expect(receiver.requests).toBe(2);
    const finished = await readRun(run.runId);
    expect(finished).toMatchObject({ status: "failed", error: { code: "item_failed", stepId: "fetch" } });
    expect(finished.error!.message).toMatch(/^item 1 failed: http_status/);
    expect(finished.steps[0]).toMatchObject({
      status: "failed",
      items: { total: 4, succeeded: 1, failed: 1, pending: 2 },
    });
  });

  it.each([
    ["an object", { orders: { id: "o-1" } }, "invalid_items"],
    ["100,001 items", { orders: orders(100_001) }, "too_many_items"],
  ])("fails with a clear code when items is %s", async (_name, input, code) => {
    const workflowId = `map-bad-${code.replaceAll("_", "-")}`;
    await fetchAll(workflowId, 5);
    const run = await startRecordedRun(workflowId, input);
    expect(run.dispatched).toEqual([]);
    expect(await readRun(run.runId)).toMatchObject({ status: "failed", error: { code, stepId: "fetch" } });
  });

  it("answers the items API for unknown steps and steps that are not maps with problems", async () => {
    await fetchAll("map-items-errors", 2);
    countingReceiver();
    const run = await startRecordedRun("map-items-errors", { orders: orders(1) });
    await deliverUntilIdle(run.dispatched);
    await expectProblem(await call("GET", `/api/runs/${run.runId}/steps/nope/items`), 404, "not_found");
    await expectProblem(await call("GET", `/api/runs/${run.runId}/steps/count/items`), 409, "invalid_state");
    await expectProblem(
      await call("GET", `/api/runs/${run.runId}/steps/${encodeURIComponent("fetch[0]")}/items`),
      404,
      "not_found",
    );
    const bad = await expectProblem(
      await call("GET", `/api/runs/${run.runId}/steps/fetch/items?cursor=abc`),
      400,
      "bad_request",
    );
    expect(bad.issues).toEqual([expect.objectContaining({ path: "query.cursor" })]);
  });
});
