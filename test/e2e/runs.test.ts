// Run semantics against the real stack: `wrangler dev` with its Durable
// Objects, queue consumer and D1, calling a real HTTP receiver on loopback.
import { describe, expect, it } from "vitest";
import * as flows from "../fixtures/e2e/run-semantics";
import { MockReceiver } from "../support/mock-receiver";
import { useReceiver, useStack } from "../support/stack";
import { stepOf } from "../support/waymark-client";

const stack = useStack("runs");
const receiver = useReceiver();

const api = () => stack.current.api;
const callsTo = (runId: string, step: string) =>
  receiver.current.requestsFor(runId).filter((r) => r.query.step === step);

describe("a run on the real stack", () => {
  it("takes retry, rerun, approve and cancel the way curl sends them: no body, or an empty form", async () => {
    await api().putWorkflow(flows.notFound(receiver.current.url));
    const failed = await api().waitForFinish((await api().startRun("e2e-not-found")).id);
    expect(failed.status).toBe("failed");
    const asCurl: Record<string, string>[] = [{}, { "content-type": "application/x-www-form-urlencoded" }];
    for (const headers of asCurl) {
      expect((await api().request("POST", `/api/runs/${failed.id}/retry`, undefined, headers)).status).toBe(200);
      expect((await api().request("POST", `/api/runs/${failed.id}/rerun`, undefined, headers)).status).toBe(202);
    }
    const signOff = { id: "e2e-sign-off", triggers: [{ type: "api" }], steps: [{ id: "approve", type: "approval" }] };
    await api().putWorkflow(signOff);
    for (const headers of asCurl) {
      const waiting = await api().startRun("e2e-sign-off");
      const approved = await api().request("POST", `/api/runs/${waiting.id}/steps/approve/approve`, undefined, headers);
      expect(approved.status).toBe(200);
      const other = await api().startRun("e2e-sign-off");
      expect((await api().request("POST", `/api/runs/${other.id}/cancel`, undefined, headers)).status).toBe(200);
    }
  });

  it("passes data along a chain of transform, http and transform steps to its output", async () => {
    await api().putWorkflow(flows.chained(receiver.current.url));
    const started = await api().startRun("e2e-chained", { orderId: "A-17", qty: 3 });
    const run = await api().waitForFinish(started.id);

    expect(run.status).toBe("succeeded");
    expect(run.output).toEqual({ order: "A-17", total: 60, status: 200 });
    const calls = callsTo(run.id, "call");
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      method: "POST",
      body: { order: "A-17", qty: 6 },
      idempotencyKey: `${run.id}:call`,
    });
    expect(run.steps.map((s) => [s.id, s.status])).toEqual([
      ["prepare", "succeeded"],
      ["call", "succeeded"],
      ["summarize", "succeeded"],
    ]);
  });

  it("retries a 503 by its policy and records every attempt", async () => {
    await api().putWorkflow(flows.flaky(receiver.current.url, "retry-twice", 2));
    const run = await api().waitForFinish((await api().startRun("e2e-flaky")).id);

    expect(run.status).toBe("succeeded");
    const attempts = stepOf(run, "call").attempts;
    expect(attempts.map((a) => a.status)).toEqual(["failed", "failed", "succeeded"]);
    for (const failed of attempts.slice(0, 2)) {
      expect(failed.error).toMatchObject({ code: "http_status", retryable: true, httpStatus: 503 });
      expect(failed.finishedAt).not.toBeNull();
    }
    const calls = callsTo(run.id, "call");
    expect(calls.map((c) => c.status)).toEqual([503, 503, 200]);
    expect(new Set(calls.map((c) => c.idempotencyKey))).toEqual(new Set([`${run.id}:call`]));
    // 100 ms exponential backoff with equal jitter: at least 50 ms, then at least 100 ms.
    expect(calls[1]!.arrivedAt - calls[0]!.arrivedAt).toBeGreaterThanOrEqual(45);
    expect(calls[2]!.arrivedAt - calls[1]!.arrivedAt).toBeGreaterThanOrEqual(95);
  });

  it("does not retry a 404 and fails the run with http_status", async () => {
    await api().putWorkflow(flows.notFound(receiver.current.url));
    const run = await api().waitForFinish((await api().startRun("e2e-not-found")).id);

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "http_status", stepId: "lookup" });
    const lookup = stepOf(run, "lookup");
    expect(lookup.status).toBe("failed");
    expect(lookup.attempts).toHaveLength(1);
    expect(lookup.attempts[0]!.error).toMatchObject({ code: "http_status", retryable: false, httpStatus: 404 });
    expect(stepOf(run, "after").attempts).toEqual([]);
    expect(callsTo(run.id, "lookup")).toHaveLength(1);
  });

  it("runs steps without needs between them at the same time", async () => {
    await api().putWorkflow(flows.fanOut(receiver.current.url, 800));
    const run = await api().waitForFinish((await api().startRun("e2e-fan-out")).id);

    expect(run.status).toBe("succeeded");
    const calls = receiver.current.requestsFor(run.id);
    expect(calls.map((c) => c.query.step).sort()).toEqual(["a", "b", "c"]);
    expect(MockReceiver.peakConcurrency(calls)).toBe(3);
  });

  it("lets a run succeed past a step that fails with onError: continue", async () => {
    await api().putWorkflow(flows.bestEffort(receiver.current.url));
    const run = await api().waitForFinish((await api().startRun("e2e-best-effort")).id);

    expect(run.status).toBe("succeeded");
    expect(run.error).toBeNull();
    expect(stepOf(run, "notify")).toMatchObject({ status: "failed", error: { code: "http_status", httpStatus: 500 } });
    expect(stepOf(run, "record").status).toBe("skipped");
    expect(stepOf(run, "alert")).toMatchObject({ status: "succeeded", output: "notification failed" });
    expect(stepOf(run, "work")).toMatchObject({ status: "succeeded", output: "done" });
    expect(callsTo(run.id, "notify")).toHaveLength(1);
  });

  it("runs the onFailure steps after a step fails, with the run's error in scope", async () => {
    await api().putWorkflow(flows.withOnFailure(receiver.current.url));
    const run = await api().waitForFinish((await api().startRun("e2e-on-failure")).id);

    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "http_status", stepId: "charge" });
    expect(stepOf(run, "page")).toMatchObject({ status: "succeeded", onFailure: true });
    expect(callsTo(run.id, "ship")).toHaveLength(0);
    const [charge] = callsTo(run.id, "charge");
    const [page] = callsTo(run.id, "page");
    expect(page?.body).toEqual({ failedStep: "charge", code: "http_status", charge: "failed" });
    expect(page!.arrivedAt).toBeGreaterThan(charge!.completedAt!);
  });

  it("cancels a run in a sleep: the sleep never wakes and nothing after it runs", async () => {
    await api().putWorkflow(flows.sleepThenCall(receiver.current.url, "2s"));
    const doomed = await api().startRun("e2e-sleep-then-call");
    await api().waitForRun(doomed.id, (r) => stepOf(r, "nap").status === "waiting", { what: "nap to be sleeping" });
    // A twin that is not cancelled shows when the doomed run's sleep would have ended.
    const twin = await api().startRun("e2e-sleep-then-call");

    const cancelled = await api().cancel(doomed.id);
    expect(cancelled.status).toBe("cancelled");

    expect((await api().waitForFinish(twin.id)).status).toBe("succeeded");
    expect(callsTo(twin.id, "after")).toHaveLength(1);
    const run = await api().getRun(doomed.id);
    expect(run.status).toBe("cancelled");
    expect(stepOf(run, "nap").status).toBe("cancelled");
    expect(stepOf(run, "after")).toMatchObject({ status: "cancelled", attempts: [] });
    expect(receiver.current.requestsFor(doomed.id)).toHaveLength(0);
  });

  it("redrives a failed run in place once the endpoint is fixed, without repeating succeeded steps", async () => {
    await api().putWorkflow(flows.redrivable(receiver.current.url, "redrive"));
    const failed = await api().waitForFinish((await api().startRun("e2e-redrive")).id);
    expect(failed.status).toBe("failed");
    expect(stepOf(failed, "fragile").attempts).toHaveLength(2);
    expect(failed.error).toMatchObject({ code: "http_status", stepId: "fragile" });

    receiver.current.heal("redrive");
    const resumed = await api().retry(failed.id);
    expect(resumed.id).toBe(failed.id);
    const run = await api().waitForFinish(failed.id);

    expect(run.status).toBe("succeeded");
    expect(run.error).toBeNull();
    expect(run.attempt).toBe(2);
    expect(callsTo(run.id, "first")).toHaveLength(1);
    expect(callsTo(run.id, "fragile").map((c) => c.status)).toEqual([503, 503, 200]);
    expect(stepOf(run, "first").attempts).toHaveLength(1);
    expect(stepOf(run, "fragile").attempts.map((a) => a.status)).toEqual(["failed", "failed", "succeeded"]);
    expect(run.output).toEqual({ first: callsTo(run.id, "first")[0]!.seq, fragile: 200 });
  });

  it("reruns from a step as a new run that copies the outputs of the steps before it", async () => {
    await api().putWorkflow(flows.pipeline(receiver.current.url));
    const original = await api().waitForFinish((await api().startRun("e2e-pipeline", { value: "x" })).id);
    expect(original.status).toBe("succeeded");

    const started = await api().rerun(original.id, { fromStep: "b" });
    expect(started.id).not.toBe(original.id);
    expect(started.rerunOf).toBe(original.id);
    const run = await api().waitForFinish(started.id);

    expect(run.status).toBe("succeeded");
    expect(run.trigger).toMatchObject({ type: "rerun", rerunOf: original.id, fromStep: "b" });
    expect(callsTo(run.id, "a")).toHaveLength(0);
    expect(callsTo(run.id, "b")).toHaveLength(1);
    expect(stepOf(run, "a").output).toEqual(stepOf(original, "a").output);
    const aSeq = callsTo(original.id, "a")[0]!.seq;
    expect(run.output).toEqual({ a: aSeq, b: callsTo(run.id, "b")[0]!.seq, bSawA: aSeq });
    const listed = await api().listRuns({ workflow: "e2e-pipeline" });
    expect(listed.runs.find((r) => r.id === run.id)?.rerunOf).toBe(original.id);
  });

  it("refuses a rerun from a step the workflow does not have with 422, starting nothing", async () => {
    await api().putWorkflow(flows.pipeline(receiver.current.url));
    const original = await api().waitForFinish((await api().startRun("e2e-pipeline", { value: "y" })).id);
    const before = (await api().listRuns({ workflow: "e2e-pipeline" })).runs.length;

    const response = await api().request<{ code: string; issues?: { path: string }[] }>(
      "POST",
      `/api/runs/${original.id}/rerun`,
      { fromStep: "nope" },
    );

    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ code: "validation_failed", issues: [{ path: "fromStep" }] });
    expect((await api().listRuns({ workflow: "e2e-pipeline" })).runs).toHaveLength(before);
  });
});
