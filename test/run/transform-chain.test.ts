// Steps without I/O run inside the Durable Object: a chain of transforms
// finishes within the start itself, with no task on the queue, no timer and no alarm.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { failOnDemand } from "../fixtures/workflows-api/fail-on-demand";
import { transformChain } from "../fixtures/workflows-api/transform-chain";
import { saveWorkflow } from "../support/workers/api";
import { freezeClock, restoreClock } from "../support/workers/clock";
import { readAlarm, readRun, readTimers, startRecordedRun, waitForOutboxFlush } from "../support/workers/runs";

beforeAll(async () => {
  await saveWorkflow("chain", transformChain);
  await saveWorkflow("chain-fails", failOnDemand);
});
beforeEach(freezeClock);
afterEach(restoreClock);

describe("a chain of transforms", () => {
  it("succeeds within the start, every step evaluated in order on the previous output", async () => {
    const { started } = await startRecordedRun("chain", { n: 20 });
    expect(started.status).toBe("succeeded");
    expect(started.steps.map((step) => [step.id, step.status, step.output])).toEqual([
      ["double", "succeeded", 40],
      ["plus-one", "succeeded", 41],
      ["describe", "succeeded", "got 41"],
    ]);
    expect(started.output).toEqual({ describe: "got 41" });
    expect(started.finishedAt).toBe(started.startedAt);
  });

  it("sends nothing to the task queue and leaves no timer or alarm", async () => {
    const { runId, dispatched } = await startRecordedRun("chain", { n: 1 });
    expect(dispatched).toEqual([]);
    expect(await readTimers(runId)).toEqual({});
    await waitForOutboxFlush(runId);
    expect(await readAlarm(runId)).toBeNull();
  });

  it("records one succeeded attempt per step", async () => {
    const { runId } = await startRecordedRun("chain", { n: 1 });
    const run = await readRun(runId);
    for (const step of run.steps)
      expect(step.attempts.map((attempt) => [attempt.n, attempt.status])).toEqual([[1, "succeeded"]]);
  });
});

describe("a transform whose expression fails", () => {
  it("fails the run within the start, without retry, naming the step and the expression error", async () => {
    const { started, dispatched } = await startRecordedRun("chain-fails", { fail: true });
    expect(started.status).toBe("failed");
    expect(started.error).toMatchObject({ stepId: "check", code: "expression_error", retryable: false });
    expect(started.error?.message).toContain("asked to fail");
    expect(started.steps.map((step) => [step.id, step.status])).toEqual([
      ["check", "failed"],
      ["finish", "skipped"],
    ]);
    expect(started.steps[0]!.attempts).toHaveLength(1);
    expect(dispatched).toEqual([]);
  });
});
