// A consumer that reports an http step's outcome gets the run's next task back, claimed for
// it, and carries it out in the same invocation: a chain of calls costs one queue delivery.
// Parallel steps still go through the queue, and a handed-over task whose consumer dies is
// covered by its attempt's deadline like any claimed task.
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { CALL_TIMEOUT_MS, httpChain, httpFork, RETRY_DELAY_MS } from "../fixtures/workflows-api/http-chain";
import { runStub } from "../../src/durable/run-stub";
import { saveWorkflow } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { readRun, readTimers, startRecordedRun } from "../support/workers/runs";
import { answerFetch, deliver, jsonResponse } from "../support/workers/tasks";

const OK = { ok: true as const, output: { status: 200, headers: {}, body: {} }, httpStatus: 200 };

beforeAll(async () => {
  await saveWorkflow("handoff-chain", httpChain);
  await saveWorkflow("handoff-fork", httpFork);
});
afterEach(() => {
  vi.restoreAllMocks();
  restoreClock();
});

/** Answers every call with 200 and lists them as `<path> <Idempotency-Key>`. */
function answerCalls(): string[] {
  const seen: string[] = [];
  answerFetch((request) => {
    seen.push(`${new URL(request.url).pathname} ${request.headers.get("idempotency-key")}`);
    return jsonResponse({ fine: true });
  });
  return seen;
}

describe("a chain of http steps", () => {
  it("runs to the end in the one invocation that got its first task, under each step's key", async () => {
    const run = await startRecordedRun("handoff-chain");
    expect(run.dispatched.map((task) => task.stepId)).toEqual(["one"]);
    const seen = answerCalls();

    const { result } = await deliver([run.dispatched[0]]);

    expect(result.explicitAcks).toHaveLength(1);
    expect(seen).toEqual([`/one ${run.runId}:one`, `/two ${run.runId}:two`, `/three ${run.runId}:three`]);
    const finished = await readRun(run.runId);
    expect(finished.status).toBe("succeeded");
    expect(finished.steps.map((step) => step.attempts.length)).toEqual([1, 1, 1]);
    // Only the first task travelled through the queue.
    expect(run.dispatched.map((task) => task.stepId)).toEqual(["one"]);
  });

  it("sends the next task through the queue when the reporter asks for none", async () => {
    const run = await startRecordedRun("handoff-chain");
    expect(await run.stub.claimTask({ stepId: "one", attempt: 1, stepType: "http" }, "msg-a")).toBe("go");
    expect(await run.stub.report({ stepId: "one", attempt: 1, outcome: OK })).toEqual({ next: null });
    expect(run.dispatched.map((task) => task.stepId)).toEqual(["one", "two"]);
  });
});

describe("parallel steps", () => {
  it("are not handed over: both go through the queue, to spread over consumers", async () => {
    const run = await startRecordedRun("handoff-fork");
    const seen = answerCalls();

    await deliver([run.dispatched[0]]);

    expect(seen).toEqual([`/first ${run.runId}:first`]);
    expect(run.dispatched.map((task) => task.stepId).sort()).toEqual(["first", "left", "right"]);
    const steps = (await readRun(run.runId)).steps;
    expect(steps.map((step) => step.status)).toEqual(["succeeded", "running", "running"]);
  });
});

describe("a handed-over task whose consumer dies", () => {
  it("is claimed for its consumer, never sent, and retried through the queue after its deadline", async () => {
    freezeClock();
    const run = await startRecordedRun("handoff-chain");
    expect(await run.stub.claimTask({ stepId: "one", attempt: 1, stepType: "http" }, "msg-b")).toBe("go");
    const answer = await runStub(env, run.runId).report(
      { stepId: "one", attempt: 1, outcome: OK },
      { claimant: "msg-b/handoff-1" },
    );
    expect(answer.next).toMatchObject({ runId: run.runId, stepId: "two", attempt: 1, stepType: "http" });
    // Claimed: its deadline runs, no copy goes to the queue, and no other consumer may take it.
    expect(await readTimers(run.runId)).toMatchObject({ "deadline:two": expect.any(Number) });
    expect(await run.stub.claimTask({ stepId: "two", attempt: 1, stepType: "http" }, "msg-other")).toBe("skip");
    advanceClock(30_000);
    await runDurableObjectAlarm(run.stub);
    expect(run.dispatched.map((task) => task.stepId)).toEqual(["one"]);

    // The consumer died with it: the deadline fails the attempt and the retry goes through the queue.
    advanceClock(CALL_TIMEOUT_MS);
    await runDurableObjectAlarm(run.stub);
    advanceClock(RETRY_DELAY_MS);
    await runDurableObjectAlarm(run.stub);
    expect(run.dispatched.map((task) => `${task.stepId}#${task.attempt}`)).toEqual(["one#1", "two#2"]);
    const two = (await readRun(run.runId)).steps[1]!;
    expect(two.attempts.map((attempt) => attempt.error?.code ?? attempt.status)).toEqual(["timed_out", "running"]);
  });
});

describe("a report whose answer was lost", () => {
  it("gets the task its first delivery was handed, when repeated with the same claimant", async () => {
    const run = await startRecordedRun("handoff-chain");
    const stub = runStub(env, run.runId);
    expect(await stub.claimTask({ stepId: "one", attempt: 1, stepType: "http" }, "msg-c")).toBe("go");
    const report = { stepId: "one", attempt: 1, outcome: OK };
    const first = await stub.report(report, { claimant: "msg-c/handoff-1" });
    expect(first.next).toMatchObject({ stepId: "two", attempt: 1 });
    expect(await stub.report(report, { claimant: "msg-c/handoff-1" })).toEqual(first);
    // Anyone else asking gets nothing.
    expect(await stub.report(report, { claimant: "msg-d/handoff-1" })).toEqual({ next: null });
  });

  it("hands the task to whoever delivers the report through the queue, which carries the chain on", async () => {
    const run = await startRecordedRun("handoff-chain");
    const stub = runStub(env, run.runId);
    expect(await stub.claimTask({ stepId: "one", attempt: 1, stepType: "http" }, "msg-e")).toBe("go");
    // The report went in, but its answer (the handed-over task) never reached the consumer,
    // which sent the report through the queue as well.
    await stub.report({ stepId: "one", attempt: 1, outcome: OK }, { claimant: "msg-e/handoff-1" });
    const seen = answerCalls();
    const queuedReport = {
      type: "report",
      runId: run.runId,
      stepId: "one",
      attempt: 1,
      stepType: "http",
      outcome: OK,
      claimant: "msg-e/handoff-1",
    };

    const { result } = await deliver([queuedReport]);

    expect(result.explicitAcks).toHaveLength(1);
    expect(seen).toEqual([`/two ${run.runId}:two`, `/three ${run.runId}:three`]);
    expect((await readRun(run.runId)).status).toBe("succeeded");
    expect(run.dispatched.map((task) => task.stepId)).toEqual(["one"]);
  });
});
