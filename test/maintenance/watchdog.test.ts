// A lost alarm never strands a run: the watchdog walks the unfinished runs that have been
// quiet for a while and wakes each, which writes the run's alarm again and does what is due.
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { watchdogStub } from "../../src/maintenance/watchdog";
import { inventoryCall, RETRY_DELAY_MS } from "../fixtures/workflows-api/inventory-call";
import { saveWorkflow } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { readAlarm, readRun, startRecordedRun, waitForOutboxFlush } from "../support/workers/runs";

const UNAVAILABLE = {
  ok: false as const,
  error: { code: "http_status", message: "503", retryable: true, httpStatus: 503 },
};

beforeAll(async () => {
  await saveWorkflow("watchdog-call", inventoryCall);
});
beforeEach(freezeClock);
afterEach(restoreClock);

describe("the watchdog", () => {
  it("wakes a run whose alarm a crash lost: its retry goes out and its alarm is written again", async () => {
    const run = await startRecordedRun("watchdog-call", { sku: "A-1" });
    await run.stub.claimTask({ stepId: "call", attempt: 1, stepType: "http" }, "msg-1");
    await run.stub.report({ stepId: "call", attempt: 1, outcome: UNAVAILABLE });
    await runDurableObjectAlarm(run.stub); // the coalesced outbox goes to D1
    await waitForOutboxFlush(run.runId);
    // The crash: the retry timer is in the run's state, its alarm is gone.
    await runInDurableObject(run.stub, (_instance, state) => state.storage.deleteAlarm());
    expect(await readAlarm(run.runId)).toBeNull();
    advanceClock(RETRY_DELAY_MS + 60_000);
    expect(run.dispatched.map((task) => task.attempt)).toEqual([1]);

    const watchdog = watchdogStub(env);
    await watchdog.poke();
    // Other tests' unfinished runs share this database: pass after pass until ours is reached.
    for (let pass = 0; pass < 50 && run.dispatched.length < 2; pass++) {
      expect(await runDurableObjectAlarm(env.WATCHDOG.get(env.WATCHDOG.idFromName("runs")))).toBe(true);
    }
    expect(run.dispatched.map((task) => task.attempt)).toEqual([1, 2]);
    expect((await readRun(run.runId)).steps[0]!.attempts.map((attempt) => attempt.status)).toEqual([
      "failed",
      "running",
    ]);
    expect(await readAlarm(run.runId)).not.toBeNull();
  });

  it("is re-armed by a poke when its alarm is gone, and left alone when it has one", async () => {
    const watchdog = env.WATCHDOG.get(env.WATCHDOG.idFromName("runs"));
    await runInDurableObject(watchdog, (_instance, state) => state.storage.deleteAlarm());
    await watchdogStub(env).poke();
    const first = await runInDurableObject(watchdog, (_instance, state) => state.storage.getAlarm());
    expect(first).not.toBeNull();
    advanceClock(1_000);
    await watchdogStub(env).poke();
    expect(await runInDurableObject(watchdog, (_instance, state) => state.storage.getAlarm())).toBe(first);
  });
});
