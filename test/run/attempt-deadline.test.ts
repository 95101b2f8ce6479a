// Attempt deadlines are timers of the run: an attempt whose result has not
// arrived by its timeout fails as `timed_out` and is retried by policy, so a consumer that
// dies mid-task never strands the run; a late report from that attempt is then stale.
// The deadline starts when a consumer claims the task: time in the queue does not count.
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
import {
  readAlarm,
  readRun,
  readTimers,
  startRecordedRun as startUnclaimedRun,
  waitForOutboxFlush,
} from "../support/workers/runs";

const OK = { ok: true as const, output: { status: 200, headers: {}, body: { count: 1 } }, httpStatus: 200 };

/** Starts a run and claims its call's first attempt, as the consumer does before executing it. */
async function startRecordedRun(workflowId: string, input: unknown) {
  const recorded = await startUnclaimedRun(workflowId, input);
  expect(await recorded.stub.claimTask({ stepId: "call", attempt: 1, stepType: "http" }, "msg-1")).toBe("go");
  return recorded;
}

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
  it("has no deadline while its task waits in the queue", async () => {
    const { runId, stub } = await startUnclaimedRun("deadline-call", { sku: "A-1" });
    expect(await readTimers(runId)).toEqual({});
    // Nothing fails it meanwhile (a task nobody claims for 10 minutes is given up: task-ledger.test.ts).
    advanceClock(CALL_TIMEOUT_MS - 1_000);
    await runDurableObjectAlarm(stub);
    expect((await readRun(runId)).steps[0]).toMatchObject({
      status: "running",
      attempts: [{ n: 1, status: "running" }],
    });
  });

  it("has a deadline timer at its timeout from the claim, and the alarm is set to it", async () => {
    const { runId, stub } = await startUnclaimedRun("deadline-call", { sku: "A-1" });
    now = advanceClock(3_000);
    expect(await stub.claimTask({ stepId: "call", attempt: 1, stepType: "http" }, "msg-1")).toBe("go");
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

  it("is retried: the next alarm dispatches attempt 2, and a late claim of attempt 1 is skipped", async () => {
    const { stub, dispatched } = await startRecordedRun("deadline-call", { sku: "A-1" });
    advanceClock(CALL_TIMEOUT_MS);
    await runDurableObjectAlarm(stub);
    advanceClock(RETRY_DELAY_MS);
    await runDurableObjectAlarm(stub);
    expect(dispatched.map((task) => task.attempt)).toEqual([1, 2]);
    expect(await stub.claimTask({ stepId: "call", attempt: 1, stepType: "http" }, "msg-1")).toBe("skip");
    expect(await stub.claimTask({ stepId: "call", attempt: 2, stepType: "http" }, "msg-1")).toBe("go");
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
