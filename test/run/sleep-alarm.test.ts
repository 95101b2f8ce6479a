// A sleep parks the run on a persisted timer and the Durable Object's alarm wakes it
// (every timer is persisted; nothing waits in memory).
import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { longNap } from "../fixtures/workflows-api/long-nap";
import { sleepUntil } from "../fixtures/workflows-api/sleep-until";
import { saveWorkflow } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { readAlarm, readRun, readTimers, startRecordedRun, waitForOutboxFlush } from "../support/workers/runs";

const HOUR = 60 * 60_000;
let now: number;

beforeAll(async () => {
  await saveWorkflow("nap", longNap);
  await saveWorkflow("nap-until", sleepUntil);
});
beforeEach(() => {
  now = freezeClock();
});
afterEach(restoreClock);

describe("a run with a sleep step", () => {
  it("is waiting after start, its sleep timer persisted for an hour later and the alarm set to it", async () => {
    const { runId, started } = await startRecordedRun("nap");
    expect(started.status).toBe("waiting");
    expect(started.steps.map((step) => [step.id, step.status])).toEqual([
      ["nap", "waiting"],
      ["wake", "pending"],
    ]);
    expect(await readTimers(runId)).toEqual({ "sleep:nap": now + HOUR });
    await waitForOutboxFlush(runId);
    expect(await readAlarm(runId)).toBe(now + HOUR);
  });

  it("ignores an alarm that comes early: still waiting, alarm set again to the timer", async () => {
    const { runId, stub } = await startRecordedRun("nap");
    await waitForOutboxFlush(runId);
    advanceClock(HOUR - 1);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await readRun(runId)).status).toBe("waiting");
    expect(await readAlarm(runId)).toBe(now + HOUR);
  });

  it("completes when the alarm fires after the timer is due: the sleep's output, then the rest", async () => {
    const { runId, stub } = await startRecordedRun("nap");
    advanceClock(HOUR + 5_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const run = await readRun(runId);
    const sleptUntil = new Date(now + HOUR).toISOString();
    expect(run.status).toBe("succeeded");
    expect(run.steps[0]).toMatchObject({ id: "nap", status: "succeeded", output: { sleptUntil } });
    expect(run.output).toEqual({ wake: sleptUntil });
    expect(await readTimers(runId)).toEqual({});
  });

  it("leaves no alarm behind once it has finished", async () => {
    const { runId, stub } = await startRecordedRun("nap");
    advanceClock(HOUR);
    await runDurableObjectAlarm(stub);
    await waitForOutboxFlush(runId);
    expect(await readAlarm(runId)).toBeNull();
    expect(await runDurableObjectAlarm(stub)).toBe(false);
  });

  it("survives its object being evicted: the persisted timer still wakes it", async () => {
    const { runId, stub } = await startRecordedRun("nap");
    await waitForOutboxFlush(runId);
    await evictDurableObject(stub);
    advanceClock(HOUR);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await readRun(runId)).status).toBe("succeeded");
  });
});

describe("a sleep until a given time", () => {
  it("sets its timer and the alarm to that time", async () => {
    const wakeAt = now + 3 * HOUR;
    const { runId, started } = await startRecordedRun("nap-until", { wakeAt: new Date(wakeAt).toISOString() });
    expect(started.status).toBe("waiting");
    expect(await readTimers(runId)).toEqual({ "sleep:until": wakeAt });
    await waitForOutboxFlush(runId);
    expect(await readAlarm(runId)).toBe(wakeAt);
  });

  it("finishes at once, without a timer or an alarm, when that time has passed", async () => {
    const past = new Date(now - HOUR).toISOString();
    const { runId, started } = await startRecordedRun("nap-until", { wakeAt: past });
    expect(started).toMatchObject({ status: "succeeded", output: { until: { sleptUntil: past } } });
    await waitForOutboxFlush(runId);
    expect(await readTimers(runId)).toEqual({});
    expect(await readAlarm(runId)).toBeNull();
  });
});
