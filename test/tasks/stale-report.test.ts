// Every task carries its attempt, and a report for any attempt but the step's current,
// running one is stale and ignored: a late answer from attempt 1
// cannot overwrite attempt 2, and a cancelled run ignores late reports.
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { inventoryCall, RETRY_DELAY_MS } from "../fixtures/workflows-api/inventory-call";
import { saveWorkflow } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { readRun, startRecordedRun, type RecordedRun } from "../support/workers/runs";
import { answerFetch, deliver, jsonResponse } from "../support/workers/tasks";

beforeAll(async () => {
  await saveWorkflow("inventory-stale", inventoryCall);
});
beforeEach(freezeClock);
afterEach(() => {
  restoreClock();
  vi.restoreAllMocks();
});

/** Attempt 1 fails with a 503; the retry timer fires and attempt 2 is dispatched. */
async function runOnSecondAttempt(): Promise<RecordedRun> {
  const recorded = await startRecordedRun("inventory-stale", { sku: "A-1" });
  answerFetch(() => jsonResponse({ error: "busy" }, 503));
  await deliver([recorded.dispatched[0]]);
  vi.restoreAllMocks();
  advanceClock(RETRY_DELAY_MS);
  expect(await runDurableObjectAlarm(recorded.stub)).toBe(true);
  expect(recorded.dispatched.map((task) => task.attempt)).toEqual([1, 2]);
  return recorded;
}

describe("a report from an older attempt", () => {
  it("is ignored after a retry: attempt 2 stays running and nothing is recorded", async () => {
    const { runId, dispatched } = await runOnSecondAttempt();
    const before = await readRun(runId);
    answerFetch(() => jsonResponse({ count: 1 }));
    const { result, ids } = await deliver([dispatched[0]], { attempts: 2 });
    expect(result.explicitAcks).toEqual(ids);
    const after = await readRun(runId);
    expect(after).toEqual(before);
    expect(after.steps[0]).toMatchObject({ status: "running", output: null });
    expect(after.steps[0]!.attempts.map((attempt) => [attempt.n, attempt.status])).toEqual([
      [1, "failed"],
      [2, "running"],
    ]);
  });

  it("does not stop the current attempt's report from landing", async () => {
    const { runId, dispatched } = await runOnSecondAttempt();
    answerFetch((request) => jsonResponse({ count: request.url.endsWith("A-1") ? 2 : -1 }));
    await deliver([dispatched[0]], { attempts: 2 });
    await deliver([dispatched[1]]);
    const run = await readRun(runId);
    expect(run.status).toBe("succeeded");
    expect(run.steps[0]!.attempts.map((attempt) => [attempt.n, attempt.status])).toEqual([
      [1, "failed"],
      [2, "succeeded"],
    ]);
    expect(run.output).toEqual({ count: 2 });
  });

  it("is ignored when it fails too: no extra retry is scheduled", async () => {
    const { runId, stub } = await runOnSecondAttempt();
    const before = await readRun(runId);
    await stub.report({
      stepId: "call",
      attempt: 1,
      outcome: { ok: false, error: { code: "http_status", message: "503", retryable: true } },
    });
    expect(await readRun(runId)).toEqual(before);
  });
});

describe("a report for an attempt that was never dispatched", () => {
  it("is ignored", async () => {
    const { runId, stub } = await startRecordedRun("inventory-stale", { sku: "A-1" });
    const before = await readRun(runId);
    await stub.report({
      stepId: "call",
      attempt: 2,
      outcome: { ok: true, output: { status: 200, headers: {}, body: { count: 9 } } },
    });
    await stub.report({ stepId: "count", attempt: 1, outcome: { ok: true, output: 9 } });
    expect(await readRun(runId)).toEqual(before);
  });
});

describe("a late report to a cancelled run", () => {
  it("is ignored: the run stays cancelled with its step cancelled", async () => {
    const { runId, stub, dispatched } = await startRecordedRun("inventory-stale", { sku: "A-1" });
    await stub.cancel("no longer needed");
    answerFetch(() => jsonResponse({ count: 5 }));
    const { result, ids } = await deliver(dispatched);
    expect(result.explicitAcks).toEqual(ids);
    const run = await readRun(runId);
    expect(run.status).toBe("cancelled");
    expect(run.steps[0]).toMatchObject({ status: "cancelled", output: null });
    expect(run.steps[0]!.attempts[0]!.status).toBe("cancelled");
  });
});
