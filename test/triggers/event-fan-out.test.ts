// POST /api/events is crash-proof: the runs an event starts have ids derived
// from the event, so a retry with the same key (or the minute tick) finishes a fan-out a
// failed or dead request left half done, under the same run ids, starting each run once;
// a waiter that could not be told is told by the retry, never dropped.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runDurableObjectAlarm } from "cloudflare:test";
import { watchdogStub } from "../../src/maintenance/watchdog";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { paymentWait } from "../fixtures/workflows-api/waits";
import { call, expectJson, expectProblem, getRun, saveWorkflow, startRunThroughApi } from "../support/workers/api";
import { failRunCalls } from "../support/workers/run-faults";
import { waitForOutboxFlush } from "../support/workers/runs";

interface Outcome {
  eventId: string;
  started: string[];
  resumed: string[];
  duplicate: boolean;
}

const subscriber = (id: string, event: string) => ({
  id,
  triggers: [{ type: "event", name: event }],
  steps: [{ id: "echo", type: "transform", expr: "input" }],
});
const unique = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
const publish = (json: object) => call("POST", "/api/events", { json });
const runsOf = async (workflow: string) =>
  (await expectJson<{ runs: { id: string }[] }>(await call("GET", `/api/runs?workflow=${workflow}`), 200)).runs.map(
    (run) => run.id,
  );

/** Two workflows subscribed to a fresh event name; the second sorts after the first. */
async function twoSubscribers(): Promise<{ event: string; first: string; second: string }> {
  const event = unique("fan");
  const [first, second] = [`${event}-a`, `${event}-b`];
  await saveWorkflow(first, subscriber(first, event));
  await saveWorkflow(second, subscriber(second, event));
  return { event, first, second };
}

describe("a keyed event retried", () => {
  it("answers the same run ids, and each run exists once", async () => {
    const { event, first, second } = await twoSubscribers();
    const body = { name: event, payload: { n: 1 }, key: "k-1" };
    const answer = await expectJson<Outcome>(await publish(body), 202);
    expect(answer.started).toHaveLength(2);
    expect(answer.started.every((id) => /^run_[0-9A-HJKMNP-TV-Z]{26}$/.test(id))).toBe(true);
    const again = await expectJson<Outcome>(await publish(body), 200);
    expect(again).toMatchObject({ eventId: answer.eventId, started: answer.started, duplicate: true });
    expect([...(await runsOf(first)), ...(await runsOf(second))].sort()).toEqual([...answer.started].sort());
  });

  it("sent twice at once, both answers list every run, started once each", async () => {
    const { event, first, second } = await twoSubscribers();
    const body = { name: event, payload: { n: 1 }, key: "k-twice" };
    const responses = await Promise.all([publish(body), publish(body)]);
    const answers = await Promise.all(responses.map((response) => response.json() as Promise<Outcome>));
    expect(answers[0]!.started).toHaveLength(2);
    expect(answers[1]!.started).toEqual(answers[0]!.started);
    expect([...(await runsOf(first)), ...(await runsOf(second))].sort()).toEqual([...answers[0]!.started].sort());
  });

  it("finishes a fan-out whose second start failed, under the same run ids", async () => {
    const { event, first, second } = await twoSubscribers();
    const fault = failRunCalls("start", (command) => (command as { workflow?: string }).workflow === second, 1);
    const body = { name: event, payload: { n: 1 }, key: "k-half" };
    await expectProblem(await publish(body), 503, "unavailable");
    expect(fault.rejected).toBe(1);
    const startedFirst = await runsOf(first);
    expect(startedFirst).toHaveLength(1);
    expect(await runsOf(second)).toEqual([]);

    const retried = await expectJson<Outcome>(await publish(body), 200);
    expect(retried.started).toHaveLength(2);
    expect(retried.started).toContain(startedFirst[0]);
    expect(await runsOf(first)).toEqual(startedFirst);
    expect(await runsOf(second)).toHaveLength(1);
    expect(retried.started).toContain((await runsOf(second))[0]);
    const again = await expectJson<Outcome>(await publish(body), 200);
    expect(again.started).toEqual(retried.started);
  });
});

describe("a waiter that could not be told", () => {
  it("is not dropped: the request fails with 503 and its retry resumes the wait", async () => {
    const event = unique("pay");
    await saveWorkflow("fan-waiter", paymentWait(event));
    const run = await startRunThroughApi("fan-waiter", { input: { order: "W-1" } });
    await waitForOutboxFlush(run.id);
    failRunCalls("deliverEvent", () => true, 1);
    const body = { name: event, payload: { order: "W-1", amount: 3 }, key: "pay-W-1" };
    await expectProblem(await publish(body), 503, "unavailable");
    expect((await getRun(run.id)).status).toBe("waiting");
    const retried = await expectJson<Outcome>(await publish(body), 200);
    expect(retried.resumed).toEqual([run.id]);
    expect(await getRun(run.id)).toMatchObject({ status: "succeeded", output: "paid 3" });
  });

  it("without a key, is told by the watchdog's next pass", async () => {
    const event = unique("pay");
    await saveWorkflow("fan-waiter-unkeyed", paymentWait(event));
    const run = await startRunThroughApi("fan-waiter-unkeyed", { input: { order: "U-1" } });
    await waitForOutboxFlush(run.id);
    failRunCalls("deliverEvent", () => true, 1);
    await expectProblem(await publish({ name: event, payload: { order: "U-1", amount: 4 } }), 503, "unavailable");
    expect((await getRun(run.id)).status).toBe("waiting");
    freezeClock();
    advanceClock(2 * 60_000);
    try {
      await watchdogStub(env).poke();
      await runDurableObjectAlarm(env.WATCHDOG.get(env.WATCHDOG.idFromName("runs")));
    } finally {
      restoreClock();
    }
    expect(await getRun(run.id)).toMatchObject({ status: "succeeded", output: "paid 4" });
  });
});
