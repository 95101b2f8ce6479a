// The run owns retries (the queue only owns delivery): a retryable failure puts the step on a
// persisted retry timer, the alarm dispatches the next attempt, and the policy's budget
// ends it. Outcomes are reported straight to the run's object, as the consumer does.
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { TaskReport } from "../../src/durable/run-commands";
import { CALL_TIMEOUT_MS, inventoryCall, RETRY_DELAY_MS } from "../fixtures/workflows-api/inventory-call";
import { saveWorkflow } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import {
  countOutbox,
  readAlarm,
  readRun,
  readTimers,
  startRecordedRun,
  type RecordedRun,
} from "../support/workers/runs";

const UNAVAILABLE: TaskReport["outcome"] = {
  ok: false,
  error: { code: "http_status", message: "503 Service Unavailable", retryable: true, httpStatus: 503 },
};
const FORBIDDEN: TaskReport["outcome"] = {
  ok: false,
  error: { code: "http_status", message: "403 Forbidden", retryable: false, httpStatus: 403 },
};

let now: number;
beforeAll(async () => {
  await saveWorkflow("retried-call", inventoryCall);
});
beforeEach(() => {
  now = freezeClock();
});
afterEach(restoreClock);

/** Reports `outcome` for the step's latest dispatched attempt. */
async function reportLatest({ stub, dispatched }: RecordedRun, outcome: TaskReport["outcome"]) {
  await stub.report({ stepId: "call", attempt: dispatched.at(-1)!.attempt, outcome });
}

describe("a retryable failure", () => {
  it("puts the step on a retry timer after the policy's delay, with the alarm set to it", async () => {
    const run = await startRecordedRun("retried-call", { sku: "A-1" });
    await reportLatest(run, UNAVAILABLE);
    const step = (await readRun(run.runId)).steps[0]!;
    expect(step.status).toBe("retrying");
    expect(step.attempts).toEqual([
      expect.objectContaining({
        n: 1,
        status: "failed",
        httpStatus: 503,
        error: expect.objectContaining({ retryable: true }),
      }),
    ]);
    expect(await readTimers(run.runId)).toEqual({ "retry:call": now + RETRY_DELAY_MS });
    // The run is still running: the failure's audit row waits for the alarm that coalesces
    // flushes (OUTBOX_COALESCE_MS in src/run/outbox-flush.ts); once it has left, the alarm is the retry's.
    expect(await runDurableObjectAlarm(run.stub)).toBe(true);
    expect(await countOutbox(run.runId)).toBe(0);
    expect(await readAlarm(run.runId)).toBe(now + RETRY_DELAY_MS);
  });

  it("dispatches attempt 2 when the alarm fires at the retry time, under a fresh deadline", async () => {
    const run = await startRecordedRun("retried-call", { sku: "A-1" });
    await reportLatest(run, UNAVAILABLE);
    advanceClock(RETRY_DELAY_MS);
    expect(await runDurableObjectAlarm(run.stub)).toBe(true);
    expect(run.dispatched.map((task) => task.attempt)).toEqual([1, 2]);
    expect(run.dispatched[1]).toMatchObject({
      stepId: "call",
      idempotencyKey: `${run.runId}:call`,
      request: run.dispatched[0]!.request,
    });
    const step = (await readRun(run.runId)).steps[0]!;
    expect(step.status).toBe("running");
    expect(step.attempts.map((attempt) => [attempt.n, attempt.status])).toEqual([
      [1, "failed"],
      [2, "running"],
    ]);
    // Its deadline starts when a consumer claims it.
    expect(await readTimers(run.runId)).toEqual({});
    const claimedAt = advanceClock(1_000);
    expect(await run.stub.claimTask({ stepId: "call", attempt: 2, stepType: "http" }, "msg-1")).toBe("go");
    expect(await readTimers(run.runId)).toEqual({ "deadline:call": claimedAt + CALL_TIMEOUT_MS });
  });

  it("does not dispatch before the retry time, whatever the alarm says", async () => {
    const run = await startRecordedRun("retried-call", { sku: "A-1" });
    await reportLatest(run, UNAVAILABLE);
    advanceClock(RETRY_DELAY_MS - 1);
    await runDurableObjectAlarm(run.stub);
    expect(run.dispatched).toHaveLength(1);
    expect((await readRun(run.runId)).steps[0]!.status).toBe("retrying");
  });

  it("succeeds on a later attempt: the output is that attempt's, the history keeps the failure", async () => {
    const run = await startRecordedRun("retried-call", { sku: "A-1" });
    await reportLatest(run, UNAVAILABLE);
    advanceClock(RETRY_DELAY_MS);
    await runDurableObjectAlarm(run.stub);
    await reportLatest(run, { ok: true, output: { status: 200, headers: {}, body: { count: 12 } }, httpStatus: 200 });
    const done = await readRun(run.runId);
    expect(done).toMatchObject({ status: "succeeded", output: { count: 12 } });
    expect(done.steps[0]!.attempts.map((attempt) => attempt.status)).toEqual(["failed", "succeeded"]);
  });
});

describe("the retry budget", () => {
  it("fails the step and the run once every attempt has failed", async () => {
    const run = await startRecordedRun("retried-call", { sku: "A-1" });
    for (let attempt = 1; attempt <= 2; attempt++) {
      await reportLatest(run, UNAVAILABLE);
      advanceClock(RETRY_DELAY_MS);
      await runDurableObjectAlarm(run.stub);
    }
    await reportLatest(run, UNAVAILABLE);
    const failed = await readRun(run.runId);
    expect(run.dispatched.map((task) => task.attempt)).toEqual([1, 2, 3]);
    expect(failed.steps[0]).toMatchObject({ status: "failed", error: { code: "http_status", httpStatus: 503 } });
    expect(failed).toMatchObject({ status: "failed", error: { stepId: "call" } });
    expect(await readTimers(run.runId)).toEqual({});
  });
});

describe("a failure that is not retryable", () => {
  it("fails at once, with no retry timer and nothing dispatched again", async () => {
    const run = await startRecordedRun("retried-call", { sku: "A-1" });
    await reportLatest(run, FORBIDDEN);
    expect(await readRun(run.runId)).toMatchObject({
      status: "failed",
      error: { code: "http_status", httpStatus: 403 },
    });
    expect(await readTimers(run.runId)).toEqual({});
    expect(run.dispatched).toHaveLength(1);
  });
});
