// Attempt deadlines are timers of the run (SPEC §1): an attempt whose result has not
// arrived by its timeout fails as `timed_out` and is retried by policy, so a consumer that
// dies mid-task never strands the run; a late report from that attempt is then stale.
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  CALL_TIMEOUT_MS,
  inventoryCall,
  inventoryCallOnce,
  RETRY_DELAY_MS,
} from "../fixtures/workflows-api/inventory-call";
import { saveWorkflow } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { readAlarm, readRun, readTimers, startRecordedRun, waitForOutboxFlush } from "../support/workers/runs";

const OK = { ok: true as const, output: { status: 200, headers: {}, body: { count: 1 } }, httpStatus: 200 };

let now: number;
beforeAll(async () => {
  await saveWorkflow("deadline-call", inventoryCall);
  await saveWorkflow("deadline-call-once", inventoryCallOnce);
});
beforeEach(() => {
  now = freezeClock();
});
afterEach(restoreClock);

describe("an attempt in flight", () => {
  it("has a deadline timer at its timeout, and the alarm is set to it", async () => {
    const { runId } = await startRecordedRun("deadline-call", { sku: "A-1" });
    expect(await readTimers(runId)).toEqual({ "deadline:call": now + CALL_TIMEOUT_MS });
    await waitForOutboxFlush(runId);
    expect(await readAlarm(runId)).toBe(now + CALL_TIMEOUT_MS);
  });

  it("that reports in time clears its deadline", async () => {
    const { runId, stub } = await startRecordedRun("deadline-call", { sku: "A-1" });
    await stub.report({ stepId: "call", attempt: 1, outcome: OK });
    expect(await readTimers(runId)).toEqual({});
    advanceClock(CALL_TIMEOUT_MS);
    await runDurableObjectAlarm(stub);
    expect((await readRun(runId)).status).toBe("succeeded");
  });
});

describe("an attempt that hangs past its deadline", () => {
  it("fails as timed_out (retryable) when the alarm fires, and goes on a retry timer", async () => {
    const { runId, stub } = await startRecordedRun("deadline-call", { sku: "A-1" });
    const deadline = advanceClock(CALL_TIMEOUT_MS);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const step = (await readRun(runId)).steps[0]!;
    expect(step.status).toBe("retrying");
    expect(step.attempts).toEqual([
      expect.objectContaining({
        n: 1,
        status: "failed",
        error: expect.objectContaining({ code: "timed_out", retryable: true }),
      }),
    ]);
    expect(await readTimers(runId)).toEqual({ "retry:call": deadline + RETRY_DELAY_MS });
  });

  it("is retried: the next alarm dispatches attempt 2", async () => {
    const { stub, dispatched } = await startRecordedRun("deadline-call", { sku: "A-1" });
    advanceClock(CALL_TIMEOUT_MS);
    await runDurableObjectAlarm(stub);
    advanceClock(RETRY_DELAY_MS);
    await runDurableObjectAlarm(stub);
    expect(dispatched.map((task) => task.attempt)).toEqual([1, 2]);
  });

  it("cannot be revived by its late report", async () => {
    const { runId, stub } = await startRecordedRun("deadline-call", { sku: "A-1" });
    advanceClock(CALL_TIMEOUT_MS);
    await runDurableObjectAlarm(stub);
    const before = await readRun(runId);
    await stub.report({ stepId: "call", attempt: 1, outcome: OK });
    expect(await readRun(runId)).toEqual(before);
  });

  it("fails the step and the run as timed_out when no attempts are left", async () => {
    const { runId, stub } = await startRecordedRun("deadline-call-once", { sku: "A-1" });
    advanceClock(CALL_TIMEOUT_MS);
    await runDurableObjectAlarm(stub);
    const run = await readRun(runId);
    expect(run.steps[0]).toMatchObject({ status: "failed", error: { code: "timed_out" } });
    expect(run).toMatchObject({ status: "failed", error: { stepId: "call", code: "timed_out" } });
    await waitForOutboxFlush(runId);
    expect(await readAlarm(runId)).toBeNull();
  });

  it("is not failed before its deadline", async () => {
    const { runId, stub } = await startRecordedRun("deadline-call", { sku: "A-1" });
    advanceClock(CALL_TIMEOUT_MS - 1);
    await runDurableObjectAlarm(stub);
    expect((await readRun(runId)).steps[0]!.status).toBe("running");
  });
});
