// Map steps: the inline step runs once per item (`item`, `index` in scope), at most
// `concurrency` at once; the output is in item order; one item failing fails the map
// unless the inline step continues; bad `items` fail the step with a clear code; and a
// map's cost per item stays constant (only items in flight live in the run's state).
import { describe, expect, it } from "vitest";
import { fetchOrders, orders, squares } from "../../fixtures/workflows/map-items";
import { RunHarness, T0 } from "./harness";

async function fetching(count: number, map: Record<string, unknown> = {}, inline: Record<string, unknown> = {}) {
  const run = new RunHarness(fetchOrders(map, inline), { input: { orders: orders(count) } });
  await run.start();
  return run;
}

const itemIds = (run: RunHarness) => Object.keys(run.state.steps).filter((id) => id.startsWith("fetch["));
const answer = (run: RunHarness, index: number, amount = index + 1) =>
  run.complete(`fetch[${index}]`, { status: 200, headers: {}, body: { amount, index } });

describe("map", () => {
  it("runs the inline step per item with item and index in scope, and outputs in item order", async () => {
    const run = new RunHarness(squares(), { input: { numbers: [3, 1, 2] } });
    await run.start();
    expect(run.state.status).toBe("succeeded");
    expect(run.state.output).toEqual([
      { n: 3, square: 9, at: 0 },
      { n: 1, square: 1, at: 1 },
      { n: 2, square: 4, at: 2 },
    ]);
    expect(run.step("square")).toMatchObject({
      status: "succeeded",
      input: { items: 3, concurrency: 10 },
      map: { total: 3, succeeded: 3, inFlight: [] },
    });
    // Finished items left the run's steps for the store.
    expect(Object.keys(run.state.steps)).toEqual(["square"]);
    expect(run.items.values.get("square")).toEqual([3, 1, 2]);
    expect(run.audits().filter((action) => action === "step.succeeded")).toHaveLength(1);
  });

  it("starts at most `concurrency` items, each with its own task and idempotency key", async () => {
    const run = await fetching(7);
    expect(
      run.dispatched().map((task) => [task.stepId, task.idempotencyKey, (task.request as { url: string }).url]),
    ).toEqual([
      ["fetch[0]", "run_1:fetch:0", "https://shop.example/orders/o-0?position=0"],
      ["fetch[1]", "run_1:fetch:1", "https://shop.example/orders/o-1?position=1"],
      ["fetch[2]", "run_1:fetch:2", "https://shop.example/orders/o-2?position=2"],
    ]);
    expect(run.step("fetch")).toMatchObject({ status: "running", map: { total: 7, next: 3, inFlight: [0, 1, 2] } });
    expect(run.state.status).toBe("running");
  });

  it("an item that ends makes room for the next; out-of-order answers still give item order", async () => {
    const run = await fetching(5);
    await answer(run, 1);
    expect(run.dispatched().map((task) => task.stepId)).toEqual(["fetch[3]"]);
    for (const index of [3, 2, 0]) await answer(run, index);
    expect(run.dispatched().map((task) => task.stepId)).toEqual([]);
    await answer(run, 4);
    expect(run.step("fetch").output).toEqual(
      [1, 2, 3, 4, 5].map((amount, index) => ({ status: 200, headers: {}, body: { amount, index } })),
    );
    expect(run.step("total").output).toBe(15);
    expect(run.state.status).toBe("succeeded");
  });

  it("never has more than `concurrency` items in flight, whatever order they end in", async () => {
    const run = await fetching(40, { concurrency: 4 });
    let seed = 7;
    while (run.step("fetch").status === "running") {
      const inFlight = itemIds(run);
      expect(inFlight.length).toBeLessThanOrEqual(4);
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      await answer(run, Number(inFlight[seed % inFlight.length]!.slice(6, -1)));
    }
    expect(run.step("fetch").output).toHaveLength(40);
    expect((run.step("fetch").output as Array<{ body: { index: number } }>).map((output) => output.body.index)).toEqual(
      [...Array(40).keys()],
    );
  });

  it("one item failing for good fails the map: the others in flight are cancelled, late answers ignored", async () => {
    const run = await fetching(6, {}, { retry: { attempts: 1 } });
    await answer(run, 0);
    await run.fail("fetch[2]", { code: "http_status", message: "404", retryable: false, httpStatus: 404 });
    expect(run.step("fetch")).toMatchObject({
      status: "failed",
      error: { code: "item_failed", message: "item 2 failed: http_status: 404", retryable: false },
    });
    expect(run.step("fetch").map).toMatchObject({ succeeded: 1, failed: 1, cancelled: 2, inFlight: [] });
    expect(run.state).toMatchObject({ status: "failed", error: { code: "item_failed", stepId: "fetch" } });
    expect(run.items.records.get("fetch[3]")).toMatchObject({
      status: "cancelled",
      attempts: [{ n: 1, status: "cancelled" }],
    });
    expect(itemIds(run)).toEqual([]);
    const after = run.state;
    await run.send({ type: "step_completed", stepId: "fetch[1]", attempt: 1, output: {} });
    expect(run.state).toBe(after);
  });

  it("an item that continues on error leaves null in its place and the map succeeds", async () => {
    const run = await fetching(3, {}, { onError: "continue", retry: { attempts: 1 } });
    await answer(run, 0);
    await run.fail("fetch[1]", { retryable: false });
    await answer(run, 2);
    expect(run.step("fetch")).toMatchObject({ status: "succeeded", map: { succeeded: 2, failed: 1 } });
    expect((run.step("fetch").output as unknown[])[1]).toBeNull();
    expect(run.items.records.get("fetch[1]")).toMatchObject({ status: "failed", error: { code: "http_status" } });
    expect(run.state.status).toBe("succeeded");
  });

  it("an item retries by its own policy on a timer, with the same idempotency key", async () => {
    const run = await fetching(1, {}, { retry: { attempts: 2, backoff: "fixed", delay: "1s", jitter: false } });
    await run.fail("fetch[0]");
    expect(run.state.steps["fetch[0]"]).toMatchObject({ status: "retrying" });
    expect(run.state.timers["retry:fetch[0]"]).toEqual({
      kind: "retry",
      at: T0 + 1000,
      stepId: "fetch[0]",
      attempt: 1,
    });
    await run.fireNextTimer();
    expect(run.dispatched()).toMatchObject([{ stepId: "fetch[0]", attempt: 2, idempotencyKey: "run_1:fetch:0" }]);
    await answer(run, 0);
    expect(run.state.status).toBe("succeeded");
  });

  it("an inline `if` skips items, which output null", async () => {
    const run = new RunHarness(squares("input.numbers", { if: "item > 1" }), { input: { numbers: [1, 2, 3] } });
    await run.start();
    expect(run.state.output).toEqual([null, { n: 2, square: 4, at: 1 }, { n: 3, square: 9, at: 2 }]);
    expect(run.step("square").map).toMatchObject({ succeeded: 2, skipped: 1 });
  });

  it("an empty list succeeds at once with []", async () => {
    const run = new RunHarness(squares(), { input: { numbers: [] } });
    await run.start();
    expect(run.state).toMatchObject({ status: "succeeded", output: [] });
  });

  it.each([
    ["an object", "input.one", { one: { a: 1 } }, "invalid_items", /gave an object, not an array/],
    ["a number", "input.n", { n: 4 }, "invalid_items", /gave a number, not an array/],
    ["nothing", "input.missing", {}, "invalid_items", /gave nothing, not an array/],
    [
      "100,001 items",
      "input.list",
      { list: Array.from({ length: 100_001 }, (_, i) => i) },
      "too_many_items",
      /100001 items; a map takes at most 100000/,
    ],
  ])("items that are %s fail the map without retry", async (_name, items, input, code, message) => {
    const run = new RunHarness(squares(items), { input });
    await run.start();
    expect(run.step("square")).toMatchObject({
      status: "failed",
      error: { code, retryable: false, expression: items },
    });
    expect(run.step("square").error!.message).toMatch(message);
    expect(run.state.status).toBe("failed");
  });

  it("items beyond the run's 250,000 executed steps fail the map that would exceed it", async () => {
    // Items count when their map evaluates them: two maps of 100,000 start, the third would pass
    // the limit and fails (the run with it, cancelling the other two).
    const run = new RunHarness({
      id: "many",
      triggers: [{ type: "api" }],
      steps: ["a", "b", "c"].map((id) => ({
        id,
        type: "map",
        items: "[1..100000]",
        concurrency: 1,
        step: { type: "http", request: { url: "https://api.example/{{ item }}" } },
      })),
    } as never);
    await run.start();
    expect(run.statuses()).toMatchObject({ a: "cancelled", b: "cancelled", c: "failed" });
    expect(run.step("a").map).toMatchObject({ total: 100_000 });
    expect(run.step("c").error).toMatchObject({ code: "limit_exceeded" });
    expect(run.step("c").error!.message).toMatch(/to 300003 executed steps; a run executes at most 250000/);
  });

  it("a map's timeout cancels its items in flight and fails it with timed_out", async () => {
    const run = await fetching(5, { timeout: "30s" });
    await answer(run, 0);
    run.now = T0 + 30_000;
    await run.send({ type: "timers_due" });
    expect(run.step("fetch")).toMatchObject({
      status: "failed",
      error: { code: "timed_out" },
      map: { succeeded: 1, cancelled: 3 },
    });
    expect(run.state.status).toBe("failed");
  });

  it("a redrive keeps the items that succeeded and runs the rest", async () => {
    const run = await fetching(4, { concurrency: 2 }, { retry: { attempts: 1 } });
    await answer(run, 0);
    await run.fail("fetch[1]", { retryable: false });
    expect(run.state.status).toBe("failed");
    await run.send({ type: "retry" });
    expect(run.dispatched().map((task) => task.stepId)).toEqual(["fetch[1]", "fetch[2]"]);
    expect(run.step("fetch").map).toMatchObject({ total: 4, succeeded: 1 });
    for (const index of [1, 2, 3]) await answer(run, index);
    expect(run.state.status).toBe("succeeded");
    expect((run.step("fetch").output as Array<{ body: { index: number } }>).map((output) => output.body.index)).toEqual(
      [0, 1, 2, 3],
    );
    // The items were evaluated once.
    expect(run.audits()).toContain("step.succeeded");
  });

  it("cancelling the run cancels the items in flight; a redrive starts them again", async () => {
    const run = await fetching(3, { concurrency: 3 });
    await run.send({ type: "cancel" });
    expect(run.state.status).toBe("cancelled");
    expect(run.state.steps["fetch[0]"]).toMatchObject({ status: "cancelled" });
    await run.send({ type: "retry" });
    expect(run.dispatched().map((task) => [task.stepId, task.attempt])).toEqual([
      ["fetch[0]", 2],
      ["fetch[1]", 2],
      ["fetch[2]", 2],
    ]);
    // A report of the cancelled attempt stays stale.
    const after = run.state;
    await run.send({ type: "step_completed", stepId: "fetch[0]", attempt: 1, output: {} });
    expect(run.state).toBe(after);
    await answer(run, 0);
    expect(run.state.steps["fetch[0]"]).toBeUndefined();
    expect(run.items.records.get("fetch[0]")!.attempts.map((attempt) => attempt.status)).toEqual([
      "cancelled",
      "succeeded",
    ]);
  });

  it("items that wait (approvals) make the map and the run wait, each with its own inbox entry", async () => {
    const run = new RunHarness(
      {
        id: "reviews",
        triggers: [{ type: "api" }],
        steps: [{ id: "review", type: "map", items: "input.docs", concurrency: 2, step: { type: "approval" } }],
      } as never,
      { input: { docs: ["a", "b", "c"] } },
    );
    await run.start();
    expect(run.state.status).toBe("waiting");
    expect(run.step("review").status).toBe("waiting");
    expect(
      run.effects
        .filter((effect) => effect.type === "approval_opened")
        .map((effect) => (effect as { stepId: string }).stepId),
    ).toEqual(["review[0]", "review[1]"]);
    await run.send({ type: "approval_decided", stepId: "review[1]", attempt: 1, decision: "approve", by: "ada" });
    expect(run.effects).toContainEqual({
      type: "approval_closed",
      stepId: "review[1]",
      attempt: 1,
      status: "succeeded",
    });
    expect(run.effects).toContainEqual(expect.objectContaining({ type: "approval_opened", stepId: "review[2]" }));
    await run.send({ type: "approval_decided", stepId: "review[0]", attempt: 1, decision: "approve", by: "bob" });
    await run.send({ type: "approval_decided", stepId: "review[2]", attempt: 1, decision: "approve", by: "cy" });
    expect((run.state.output as { review: Array<{ by: string }> }).review.map((output) => output.by)).toEqual([
      "bob",
      "ada",
      "cy",
    ]);
  });

  it("items that wait for events each hold their own waiter, match with `item` in scope and output their event's payload", async () => {
    const run = new RunHarness(
      {
        id: "payments",
        triggers: [{ type: "api" }],
        steps: [
          {
            id: "paid",
            type: "map",
            items: "input.orders",
            step: { type: "wait", event: "payment.received", match: "event.payload.order = item", timeout: "1h" },
          },
        ],
      } as never,
      { input: { orders: ["A", "B"] } },
    );
    await run.start();
    expect(run.state.status).toBe("waiting");
    expect(
      run.effects
        .filter((effect) => effect.type === "waiter_added")
        .map((effect) => (effect as { stepId: string }).stepId),
    ).toEqual(["paid[0]", "paid[1]"]);
    expect(run.state.timers["timeout:paid[0]"]).toMatchObject({
      kind: "timeout",
      at: T0 + 3_600_000,
      stepId: "paid[0]",
    });
    const payment = (order: string, amount: number) => ({
      id: `evt_${order}`,
      name: "payment.received",
      payload: { order, amount },
      key: null,
      receivedAt: run.now,
    });
    // An event for another item's order leaves this item waiting.
    await run.send({ type: "event_received", stepId: "paid[0]", attempt: 1, event: payment("B", 2) });
    expect(run.step("paid[0]").status).toBe("waiting");
    await run.send({ type: "event_received", stepId: "paid[1]", attempt: 1, event: payment("B", 2) });
    expect(run.effects).toContainEqual({ type: "waiter_removed", stepId: "paid[1]", attempt: 1 });
    expect(run.step("paid").status).toBe("waiting");
    await run.send({ type: "event_received", stepId: "paid[0]", attempt: 1, event: payment("A", 1) });
    expect(run.state).toMatchObject({
      status: "succeeded",
      output: {
        paid: [
          { order: "A", amount: 1 },
          { order: "B", amount: 2 },
        ],
      },
    });
    expect(run.state.timers).toEqual({});
  });

  it("a map among the onFailure steps runs its items once the run has failed, with run.error in scope", async () => {
    const run = new RunHarness(
      {
        id: "cleanup",
        triggers: [{ type: "api" }],
        steps: [{ id: "charge", type: "http", request: { method: "POST", url: "https://pay.example/charge" } }],
        onFailure: [
          {
            id: "undo",
            type: "map",
            items: "input.holds",
            step: { type: "transform", expr: "{ 'release': item, 'because': run.error.code }" },
          },
        ],
      } as never,
      { input: { holds: ["h1", "h2", "h3"] } },
    );
    await run.start();
    await run.fail("charge", { code: "http_status", message: "402", retryable: false, httpStatus: 402 });
    expect(run.step("undo")).toMatchObject({ status: "succeeded", map: { total: 3, succeeded: 3 } });
    expect(run.step("undo").output).toEqual(
      ["h1", "h2", "h3"].map((hold) => ({ release: hold, because: "http_status" })),
    );
    expect(run.state).toMatchObject({ status: "failed", error: { stepId: "charge", code: "http_status" } });
  });

  it("items that are child runs start one child each and take its output", async () => {
    const run = new RunHarness(
      {
        id: "fan",
        triggers: [{ type: "api" }],
        steps: [
          {
            id: "each",
            type: "map",
            items: "input.orders",
            concurrency: 2,
            step: { type: "workflow", workflow: "invoice", input: { order: "{{ item }}" } },
          },
        ],
      } as never,
      { input: { orders: ["A", "B", "C"] } },
    );
    await run.start();
    const children = run.effects.filter((effect) => effect.type === "start_child") as Array<{
      stepId: string;
      childRunId: string;
      input: unknown;
    }>;
    expect(children.map((child) => [child.stepId, child.input])).toEqual([
      ["each[0]", { order: "A" }],
      ["each[1]", { order: "B" }],
    ]);
    expect(new Set(children.map((child) => child.childRunId)).size).toBe(2);
    await run.send({
      type: "child_finished",
      stepId: "each[1]",
      childRunId: children[1]!.childRunId,
      status: "succeeded",
      output: { invoice: 2 },
    });
    const third = run.effects.find((effect) => effect.type === "start_child") as { stepId: string; childRunId: string };
    expect(third.stepId).toBe("each[2]");
    await run.send({
      type: "child_finished",
      stepId: "each[0]",
      childRunId: children[0]!.childRunId,
      status: "succeeded",
      output: { invoice: 1 },
    });
    await run.send({
      type: "child_finished",
      stepId: "each[2]",
      childRunId: third.childRunId,
      status: "succeeded",
      output: { invoice: 3 },
    });
    expect(run.state).toMatchObject({
      status: "succeeded",
      output: { each: [{ invoice: 1 }, { invoice: 2 }, { invoice: 3 }] },
    });
  });

  it("the cost of an item is constant: state, writes and reads per answer do not grow with the items", async () => {
    const run = await fetching(2_000, { concurrency: 5 });
    let maxSteps = 0;
    let maxBytes = 0;
    let maxWrites = 0;
    let maxReads = 0;
    for (let index = 0; index < 2_000; index++) {
      const [writes, reads] = [run.items.writes, run.items.reads];
      await answer(run, index);
      if (index === 1_999) break;
      maxWrites = Math.max(maxWrites, run.items.writes - writes);
      maxReads = Math.max(maxReads, run.items.reads - reads);
      maxSteps = Math.max(maxSteps, Object.keys(run.state.steps).length);
      maxBytes = Math.max(maxBytes, JSON.stringify({ ...run.state, input: null }).length);
    }
    expect(maxSteps).toBeLessThanOrEqual(2 + 5);
    expect(maxBytes).toBeLessThan(8_000);
    expect(maxWrites).toBe(1);
    expect(maxReads).toBeLessThanOrEqual(3);
    expect(run.step("fetch").output).toHaveLength(2_000);
    expect(run.step("total").output).toBe((2_000 * 2_001) / 2);
  });
});
