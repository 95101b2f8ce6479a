// All of a run's timers share its Durable Object's one alarm: the alarm is
// always the earliest timer, one alarm handles every timer that is due, and a run that
// finishes clears them all.
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { longNap } from "../fixtures/workflows-api/long-nap";
import { LONG_NAP_MS, RUN_TIMEOUT_MS, SHORT_NAP_MS, twoNaps } from "../fixtures/workflows-api/two-naps";
import { saveWorkflow } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { readAlarm, readRun, readTimers, startRecordedRun, waitForOutboxFlush } from "../support/workers/runs";

let now: number;

async function fireAlarmAt(runId: string, at: number, stub: Parameters<typeof runDurableObjectAlarm>[0]) {
  advanceClock(at - Date.now());
  expect(await runDurableObjectAlarm(stub)).toBe(true);
  await waitForOutboxFlush(runId);
}

beforeAll(async () => {
  await saveWorkflow("naps", twoNaps);
  await saveWorkflow("nap-timeout", { ...longNap, timeout: "30m" });
});
beforeEach(() => {
  now = freezeClock();
});
afterEach(restoreClock);

describe("a run with several timers", () => {
  it("persists every timer and sets the alarm to the earliest", async () => {
    const { runId } = await startRecordedRun("naps");
    expect(await readTimers(runId)).toEqual({
      "sleep:short": now + SHORT_NAP_MS,
      "sleep:long": now + LONG_NAP_MS,
      "run_timeout:run": now + RUN_TIMEOUT_MS,
    });
    await waitForOutboxFlush(runId);
    expect(await readAlarm(runId)).toBe(now + SHORT_NAP_MS);
  });

  it("moves the alarm to the next timer once the earliest has fired", async () => {
    const { runId, stub } = await startRecordedRun("naps");
    await fireAlarmAt(runId, now + SHORT_NAP_MS, stub);
    const run = await readRun(runId);
    expect(run.status).toBe("waiting");
    expect(run.steps.map((step) => [step.id, step.status])).toEqual([
      ["short", "succeeded"],
      ["long", "waiting"],
      ["join", "pending"],
    ]);
    expect(Object.keys(await readTimers(runId)).sort()).toEqual(["run_timeout:run", "sleep:long"]);
    expect(await readAlarm(runId)).toBe(now + LONG_NAP_MS);
  });

  it("handles every due timer in one alarm, and finishing clears the rest and the alarm", async () => {
    const { runId, stub } = await startRecordedRun("naps");
    await fireAlarmAt(runId, now + LONG_NAP_MS + 1, stub);
    const run = await readRun(runId);
    expect(run.status).toBe("succeeded");
    expect(run.output).toEqual({ join: "both woke" });
    expect(await readTimers(runId)).toEqual({});
    expect(await readAlarm(runId)).toBeNull();
  });

  it("takes a doubled alarm in its stride", async () => {
    const { runId, stub } = await startRecordedRun("naps");
    await fireAlarmAt(runId, now + SHORT_NAP_MS, stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await readRun(runId)).steps.map((step) => step.status)).toEqual(["succeeded", "waiting", "pending"]);
    expect(await readAlarm(runId)).toBe(now + LONG_NAP_MS);
  });
});

describe("the run timeout", () => {
  it("is a timer like the others: the alarm ends a run still sleeping as timed_out", async () => {
    const { runId, stub } = await startRecordedRun("nap-timeout");
    await waitForOutboxFlush(runId);
    expect(await readAlarm(runId)).toBe(now + 30 * 60_000);
    await fireAlarmAt(runId, now + 30 * 60_000, stub);
    const run = await readRun(runId);
    expect(run.status).toBe("timed_out");
    expect(run.error).toMatchObject({ code: "timed_out" });
    expect(run.steps[0]).toMatchObject({ id: "nap", status: "cancelled" });
    expect(await readTimers(runId)).toEqual({});
    expect(await readAlarm(runId)).toBeNull();
  });
});
