// Wait steps through POST /api/events: a late event resumes the run and is
// listed in `resumed`, an early one is found through the lookback, a non-matching one
// changes nothing, and a timed-out wait fails with timed_out and leaves no waiter in D1.
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { RunView } from "../../src/core/engine/run-view";
import { paymentWait } from "../fixtures/workflows-api/waits";
import { call, expectJson, getRun, saveWorkflow, startRunThroughApi } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { pollUntil, runStubFor, waitForOutboxFlush } from "../support/workers/runs";

const MINUTE = 60_000;
type Outcome = { started: string[]; resumed: string[] };

const publish = async (name: string, payload: unknown) =>
  expectJson<Outcome>(await call("POST", "/api/events", { json: { name, payload } }), 202);
const dutiesOf = (runId: string) =>
  runInDurableObject(
    runStubFor(runId),
    (_instance, state) => state.storage.sql.exec("SELECT key FROM duties").toArray().length,
  );
const waitersOf = async (runId: string) =>
  (await env.DB.prepare("SELECT step_id, attempt, event_name FROM waiters WHERE run_id = ?").bind(runId).all()).results;

async function waitingRun(workflow: string, order = "A-7"): Promise<{ run: RunView; event: string }> {
  const event = `payment-${crypto.randomUUID().slice(0, 8)}`;
  await saveWorkflow(workflow, paymentWait(event));
  const run = await startRunThroughApi(workflow, { input: { order } });
  return { run, event };
}

afterEach(restoreClock);

describe("a wait step", () => {
  it("waits, with a waiter for its event in D1", async () => {
    const { run, event } = await waitingRun("wait-park");
    expect(run.status).toBe("waiting");
    await waitForOutboxFlush(run.id);
    expect(await waitersOf(run.id)).toEqual([{ step_id: "paid", attempt: 1, event_name: event }]);
  });

  it("is resumed by a later matching event, which POST /api/events lists under resumed", async () => {
    const { run, event } = await waitingRun("wait-late");
    await waitForOutboxFlush(run.id);
    const outcome = await publish(event, { order: "A-7", amount: 12 });
    expect(outcome.resumed).toEqual([run.id]);
    const after = await getRun(run.id);
    expect(after.steps[0]).toMatchObject({ status: "succeeded", output: { order: "A-7", amount: 12 } });
    expect(after).toMatchObject({ status: "succeeded", output: "paid 12" });
    await waitForOutboxFlush(run.id);
    expect(await waitersOf(run.id)).toEqual([]);
  });

  it("is not resumed by an event whose match does not hold", async () => {
    const { run, event } = await waitingRun("wait-nomatch");
    await waitForOutboxFlush(run.id);
    expect((await publish(event, { order: "B-1", amount: 1 })).resumed).toEqual([]);
    expect((await getRun(run.id)).status).toBe("waiting");
    expect(await waitersOf(run.id)).toHaveLength(1);
  });

  it("finds an event that arrived before it began waiting, through the lookback", async () => {
    const event = `payment-${crypto.randomUUID().slice(0, 8)}`;
    await saveWorkflow("wait-early", paymentWait(event));
    expect((await publish(event, { order: "E-1", amount: 5 })).resumed).toEqual([]);
    const run = await startRunThroughApi("wait-early", { input: { order: "E-1" } });
    const after = await pollUntil(
      () => getRun(run.id),
      (current) => current.status !== "waiting",
    );
    expect(after).toMatchObject({ status: "succeeded", output: "paid 5" });
  });

  it("finds its event through the lookback even when 149 other events of its name came first", async () => {
    const event = `payment-${crypto.randomUUID().slice(0, 8)}`;
    await saveWorkflow("wait-crowded", paymentWait(event));
    const now = Date.now();
    // Stored as POST /api/events stores them (fanned out), oldest first; only the last one matches.
    const insert = env.DB.prepare(
      "INSERT INTO events (id, name, key, payload, started_runs, received_at, expires_at, fanned_out_at) VALUES (?, ?, NULL, ?, '[]', ?, ?, ?)",
    );
    await env.DB.batch(
      Array.from({ length: 150 }, (_, i) =>
        insert.bind(
          `evt_crowd_${event}_${String(i).padStart(3, "0")}`,
          event,
          JSON.stringify({ order: i === 149 ? "C-150" : `other-${i}`, amount: i + 1 }),
          now - 60_000 + i,
          now + 60 * MINUTE,
          now - 60_000 + i,
        ),
      ),
    );
    const run = await startRunThroughApi("wait-crowded", { input: { order: "C-150" } });
    await pollUntil(
      () => dutiesOf(run.id),
      (owed) => owed === 0,
      4_000,
    ); // the lookback has run
    const after = await getRun(run.id);
    expect(after).toMatchObject({ status: "succeeded", output: "paid 150" });
  });

  it("ignores an event older than its lookback", async () => {
    freezeClock();
    const event = `payment-${crypto.randomUUID().slice(0, 8)}`;
    await saveWorkflow("wait-too-early", paymentWait(event));
    await publish(event, { order: "O-1", amount: 5 });
    advanceClock(11 * MINUTE);
    const run = await startRunThroughApi("wait-too-early", { input: { order: "O-1" } });
    await waitForOutboxFlush(run.id);
    expect(
      await pollUntil(
        () => dutiesOf(run.id),
        (owed) => owed === 0,
      ),
    ).toBe(0); // the lookback has run
    expect((await getRun(run.id)).status).toBe("waiting");
  });

  it("times out as timed_out through the run's alarm and leaves no waiter behind", async () => {
    freezeClock();
    const { run, event } = await waitingRun("wait-timeout");
    await waitForOutboxFlush(run.id);
    advanceClock(60 * MINUTE + 1);
    expect(await runDurableObjectAlarm(runStubFor(run.id))).toBe(true);
    const after = await getRun(run.id);
    expect(after.steps[0]).toMatchObject({ status: "failed", error: { code: "timed_out" } });
    expect(after.status).toBe("failed");
    await waitForOutboxFlush(run.id);
    expect(await waitersOf(run.id)).toEqual([]);
    expect((await publish(event, { order: "A-7", amount: 1 })).resumed).toEqual([]);
  });

  it("as a map's items: each item has its own waiter, and each event resumes the item it matches", async () => {
    const event = `payment-${crypto.randomUUID().slice(0, 8)}`;
    await saveWorkflow("wait-items", {
      id: "wait-items",
      triggers: [{ type: "api" }],
      steps: [
        {
          id: "paid",
          type: "map",
          items: "input.orders",
          step: { type: "wait", event, match: "event.payload.order = item", timeout: "1h" },
        },
      ],
    });
    const run = await startRunThroughApi("wait-items", { input: { orders: ["M-1", "M-2"] } });
    expect(run.status).toBe("waiting");
    await waitForOutboxFlush(run.id);
    expect((await waitersOf(run.id)).sort((a, b) => String(a.step_id).localeCompare(String(b.step_id)))).toEqual([
      { step_id: "paid[0]", attempt: 1, event_name: event },
      { step_id: "paid[1]", attempt: 1, event_name: event },
    ]);
    expect((await publish(event, { order: "M-2", amount: 2 })).resumed).toEqual([run.id]);
    expect((await getRun(run.id)).status).toBe("waiting");
    expect((await publish(event, { order: "M-1", amount: 1 })).resumed).toEqual([run.id]);
    const finished = await getRun(run.id);
    expect(finished).toMatchObject({
      status: "succeeded",
      output: {
        paid: [
          { order: "M-1", amount: 1 },
          { order: "M-2", amount: 2 },
        ],
      },
    });
    await waitForOutboxFlush(run.id);
    expect(await waitersOf(run.id)).toEqual([]);
  });

  it("resumes every run waiting for the event whose match holds, and only those", async () => {
    const event = `payment-${crypto.randomUUID().slice(0, 8)}`;
    await saveWorkflow("wait-fanin", paymentWait(event));
    const runs = await Promise.all(
      ["F-1", "F-1", "F-2"].map((order) => startRunThroughApi("wait-fanin", { input: { order } })),
    );
    for (const run of runs) await waitForOutboxFlush(run.id);
    const outcome = await publish(event, { order: "F-1", amount: 9 });
    expect(outcome.resumed.sort()).toEqual([runs[0]!.id, runs[1]!.id].sort());
    expect((await getRun(runs[2]!.id)).status).toBe("waiting");
  });
});
