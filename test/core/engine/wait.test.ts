// Wait steps: the step waits for an event by name whose `match` holds, looks back
// for events that beat it, times out as `timed_out`, and holds a waiter only while it waits.
import { describe, expect, it } from "vitest";
import type { ReceivedEvent } from "../../../src/core/engine";
import { awaitingPayment } from "../../fixtures/workflows/awaiting-payment";
import { RunHarness, T0 } from "./harness";

const MINUTE = 60_000;

async function waiting(extra: Record<string, unknown> = {}) {
  const run = new RunHarness(awaitingPayment(extra), { input: { order: "A-7" } });
  await run.start();
  return run;
}

const event = (payload: unknown, receivedAt: number, name = "payment.received"): ReceivedEvent => ({
  id: `evt_${receivedAt}`,
  name,
  payload,
  key: null,
  receivedAt,
});
const deliver = (run: RunHarness, received: ReceivedEvent) =>
  run.send({ type: "event_received", stepId: "paid", attempt: run.attemptOf("paid"), event: received });

describe("wait", () => {
  it("a wait parks the step, holds a waiter from its start minus the lookback, and sets its timeout", async () => {
    const run = await waiting();
    expect(run.state.status).toBe("waiting");
    expect(run.step("paid")).toMatchObject({
      status: "waiting",
      input: { event: "payment.received", since: new Date(T0 - 5 * MINUTE).toISOString() },
    });
    expect(run.effects).toContainEqual({
      type: "waiter_added",
      stepId: "paid",
      attempt: 1,
      event: "payment.received",
      since: T0 - 5 * MINUTE,
    });
    expect(run.state.timers["timeout:paid"]).toEqual({
      kind: "timeout",
      at: T0 + 60 * MINUTE,
      stepId: "paid",
      attempt: 1,
    });
  });

  it("a matching event completes the wait with its payload and removes the waiter", async () => {
    const run = await waiting();
    run.now += MINUTE;
    await deliver(run, event({ order: "A-7", amount: 12 }, run.now));
    expect(run.step("paid")).toMatchObject({ status: "succeeded", output: { order: "A-7", amount: 12 } });
    expect(run.step("receipt").output).toBe("paid 12");
    expect(run.effects).toContainEqual({ type: "waiter_removed", stepId: "paid", attempt: 1 });
    expect(run.state.timers).toEqual({});
  });

  it("an event that beat its wait is matched through the lookback", async () => {
    const run = await waiting();
    await deliver(run, event({ order: "A-7", amount: 3 }, T0 - 4 * MINUTE));
    expect(run.step("paid")).toMatchObject({ status: "succeeded", output: { amount: 3 } });
  });

  it.each([
    ["older than the lookback", event({ order: "A-7" }, T0 - 6 * MINUTE)],
    ["with another name", event({ order: "A-7" }, T0, "payment.refunded")],
    ["whose match does not hold", event({ order: "B-1" }, T0)],
  ])("an event %s changes nothing", async (_name, received) => {
    const run = await waiting();
    const before = run.state;
    await deliver(run, received);
    expect(run.state).toBe(before);
    expect(run.effects).toEqual([]);
  });

  it("match sees the event's name, key and receipt time", async () => {
    const run = await waiting({
      match: "event.name = 'payment.received' and event.key = 'k-1' and $toMillis(event.receivedAt) >= 0",
    });
    await deliver(run, { ...event({}, T0), key: "k-1" });
    expect(run.step("paid").status).toBe("succeeded");
  });

  it("a match that fails to evaluate fails the step without retry", async () => {
    const run = await waiting({ match: "$error('bad match')" });
    await deliver(run, event({}, T0));
    expect(run.step("paid")).toMatchObject({ status: "failed", error: { code: "expression_error", retryable: false } });
  });

  it("a second event after the match changes nothing", async () => {
    const run = await waiting();
    await deliver(run, event({ order: "A-7", amount: 1 }, T0));
    const before = run.state;
    await run.send({
      type: "event_received",
      stepId: "paid",
      attempt: 1,
      event: event({ order: "A-7", amount: 2 }, T0),
    });
    expect(run.state).toBe(before);
  });

  it("a timed-out wait fails with timed_out and leaves no waiter", async () => {
    const run = await waiting();
    await run.advanceBy(60 * MINUTE);
    expect(run.step("paid")).toMatchObject({ status: "failed", error: { code: "timed_out" } });
    expect(run.state.status).toBe("failed");
    expect(run.effects).toContainEqual({ type: "waiter_removed", stepId: "paid", attempt: 1 });
  });

  it("a timed-out wait with a retry policy waits again, with a new waiter for the new attempt", async () => {
    const run = await waiting({ retry: { attempts: 2, backoff: "fixed", delay: "1s" } });
    await run.advanceBy(60 * MINUTE);
    expect(run.step("paid").status).toBe("retrying");
    expect(run.effects).toContainEqual({ type: "waiter_removed", stepId: "paid", attempt: 1 });
    await run.fireNextTimer();
    expect(run.step("paid").status).toBe("waiting");
    expect(run.effects).toContainEqual({
      type: "waiter_added",
      stepId: "paid",
      attempt: 2,
      event: "payment.received",
      since: run.now - 5 * MINUTE,
    });
  });

  it("without a lookback, events up to 10 minutes before the wait count", async () => {
    const run = await waiting({ lookback: undefined });
    await deliver(run, event({ order: "A-7" }, T0 - 10 * MINUTE));
    expect(run.step("paid").status).toBe("succeeded");
  });

  it("cancelling the run removes the waiter", async () => {
    const run = await waiting();
    await run.send({ type: "cancel" });
    expect(run.effects).toContainEqual({ type: "waiter_removed", stepId: "paid", attempt: 1 });
  });
});
