// The outbox coalesces the audit rows of a running run (issue: performance): a step's
// rows wait in the run's storage until the alarm that comes OUTBOX_COALESCE_MS after the
// oldest, or until the next flush that cannot wait (a new run status, an approval, a
// waiter), which carries them along in order. The clock is frozen an hour ahead of the
// runtime's, so only the test fires the run's alarm.
import { whileTableAway } from "../support/workers/d1-faults";
import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { HttpStep } from "../../src/core/definition/schema";
import { saveWorkflow } from "../support/workers/api";
import { drainIndexWriters } from "../../src/durable/index-writer-stub";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import {
  countOutbox,
  pollUntil,
  readAlarm,
  startRecordedRun,
  waitForOutboxFlush,
  type RecordedRun,
} from "../support/workers/runs";

const HOUR = 60 * 60_000;
/** OUTBOX_COALESCE_MS in src/run/outbox-flush.ts. */
const OUTBOX_COALESCE_MS = 250;

const call = (id: string, needs: string[] = []) =>
  ({
    id,
    type: "http",
    needs,
    request: { method: "GET", url: `https://shop.example/${id}` },
    retry: { attempts: 1 },
    timeout: "1h",
  }) satisfies HttpStep;
/** Three calls in a row: the run is running from the first report to the last. */
const threeCalls = { triggers: [{ type: "api" }], steps: [call("a"), call("b", ["a"]), call("c", ["b"])] };

/** What the run has flushed (its index writer commits what it keeps first). */
const auditTrail = async (runId: string) => {
  await drainIndexWriters(env);
  return (
    await env.DB.prepare("SELECT action, target FROM audit_log WHERE run_id = ? ORDER BY seq")
      .bind(runId)
      .all<{ action: string; target: string }>()
  ).results.map((row) => `${row.action} ${row.target.replace(`run:${runId}`, "run")}`);
};
const indexedStatus = async (runId: string) => {
  await drainIndexWriters(env);
  return (await env.DB.prepare("SELECT status FROM runs WHERE id = ?").bind(runId).first<{ status: string }>())?.status;
};

/** Claims the step's latest dispatched attempt and reports it succeeded, as the queue consumer would. */
async function succeed({ stub, dispatched }: RecordedRun, stepId: string): Promise<void> {
  const task = dispatched.findLast((sent) => sent.stepId === stepId)!;
  await stub.claimTask({ stepId, attempt: task.attempt, stepType: task.stepType }, "msg-1");
  await stub.report({ stepId, attempt: task.attempt, outcome: { ok: true, output: { status: 200 }, httpStatus: 200 } });
}

let now: number;
beforeAll(async () => {
  await saveWorkflow("coalesce-three-calls", threeCalls);
});
beforeEach(() => {
  freezeClock();
  now = advanceClock(HOUR);
});
afterEach(() => {
  restoreClock();
  vi.restoreAllMocks();
});

describe("the audit rows of a running run", () => {
  it("wait for the coalescing alarm, then reach D1 together, in order", async () => {
    const run = await startRecordedRun("coalesce-three-calls");
    await waitForOutboxFlush(run.runId);
    await succeed(run, "a");
    await succeed(run, "b");

    expect(await countOutbox(run.runId)).toBeGreaterThanOrEqual(2);
    expect(await auditTrail(run.runId)).toEqual(["run.started run"]);
    expect(await readAlarm(run.runId)).toBe(now + OUTBOX_COALESCE_MS);

    expect(await runDurableObjectAlarm(run.stub)).toBe(true);
    expect(await countOutbox(run.runId)).toBe(0);
    expect(await auditTrail(run.runId)).toEqual([
      "run.started run",
      "step.succeeded run/step:a",
      "step.succeeded run/step:b",
    ]);
    // Back to the deadline of the call under way, once a consumer claims it.
    const c = run.dispatched.findLast((sent) => sent.stepId === "c")!;
    expect(await run.stub.claimTask({ stepId: "c", attempt: c.attempt, stepType: c.stepType }, "msg-1")).toBe("go");
    expect(await readAlarm(run.runId)).toBe(now + HOUR);
  });

  it("leave with the next urgent flush when the run ends before the alarm", async () => {
    const run = await startRecordedRun("coalesce-three-calls");
    await waitForOutboxFlush(run.runId);
    await succeed(run, "a");
    await succeed(run, "b");
    expect(await auditTrail(run.runId)).toEqual(["run.started run"]);

    await succeed(run, "c");
    await waitForOutboxFlush(run.runId);
    expect(await auditTrail(run.runId)).toEqual([
      "run.started run",
      "step.succeeded run/step:a",
      "step.succeeded run/step:b",
      "step.succeeded run/step:c",
      "run.succeeded run",
    ]);
    expect(await indexedStatus(run.runId)).toBe("succeeded");
    expect(await readAlarm(run.runId)).toBeNull();
  });

  it("reach the index writer with the alarm even when D1 fails; the writer commits them once D1 is back", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const run = await startRecordedRun("coalesce-three-calls");
    await waitForOutboxFlush(run.runId);
    await succeed(run, "a");
    await whileTableAway("audit_log", async () => {
      expect(await runDurableObjectAlarm(run.stub)).toBe(true);
      expect(await countOutbox(run.runId)).toBe(0);
      await drainIndexWriters(env);
      expect(logged).toHaveBeenCalledWith(
        expect.stringMatching(/index writer: commit to D1 failed/),
        expect.anything(),
      );
    });
    // Back to the deadline of the call under way: the run owes D1 nothing.
    const b = run.dispatched.findLast((sent) => sent.stepId === "b")!;
    expect(await run.stub.claimTask({ stepId: "b", attempt: b.attempt, stepType: b.stepType }, "msg-1")).toBe("go");
    expect(await readAlarm(run.runId)).toBe(now + HOUR);
    expect(await auditTrail(run.runId)).toEqual(["run.started run", "step.succeeded run/step:a"]);
  });

  it("left by an evicted instance are flushed by the next transition at once", async () => {
    const run = await startRecordedRun("coalesce-three-calls");
    await waitForOutboxFlush(run.runId);
    await succeed(run, "a");
    await evictDurableObject(run.stub);
    expect(await auditTrail(run.runId)).toEqual(["run.started run"]);

    // The new instance cannot tell since when the rows wait: it sends them with the next step's.
    await run.stub.report({ stepId: "b", attempt: 1, outcome: { ok: true, output: { status: 200 }, httpStatus: 200 } });
    await waitForOutboxFlush(run.runId);
    expect(await auditTrail(run.runId)).toEqual([
      "run.started run",
      "step.succeeded run/step:a",
      "step.succeeded run/step:b",
    ]);
  });
});

describe("a change of the run's status", () => {
  it("is flushed at once, with the audit rows waiting before it", async () => {
    const run = await startRecordedRun("coalesce-three-calls");
    // Started: no alarm has fired (it is an hour away for the runtime), yet the index follows.
    expect(
      await pollUntil(
        () => indexedStatus(run.runId),
        (status) => status === "running",
      ),
    ).toBe("running");
    await waitForOutboxFlush(run.runId);
    expect(await auditTrail(run.runId)).toEqual(["run.started run"]);

    await succeed(run, "a");
    expect(await auditTrail(run.runId)).toEqual(["run.started run"]);
    await run.stub.cancel("test");
    await waitForOutboxFlush(run.runId);
    expect(await indexedStatus(run.runId)).toBe("cancelled");
    expect(await auditTrail(run.runId)).toEqual(["run.started run", "step.succeeded run/step:a", "run.cancelled run"]);
  });
});
