// Workflow steps: the parent starts a child run, waits, and takes its output;
// a failed child fails the step; cancelling the parent cancels the child; parent and
// child link to each other in GET /api/runs/{id}; the child's end reaches the parent
// through the child's alarm too; a cancel that beats the child's start leaves no child running.
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import type { RunView } from "../../src/core/engine/run-view";
import { failingChild, invoiceChild, parentOf, sleepyChild } from "../fixtures/workflows-api/parent-child";
import { call, expectJson, getRun, saveWorkflow, startRunThroughApi } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { failRunCalls } from "../support/workers/run-faults";
import { pollUntil, readAlarm, runStubFor } from "../support/workers/runs";

const input = { order: "A-7", lines: [10, 20, 12] };
const settled = (runId: string) =>
  pollUntil(
    () => getRun(runId),
    (run) => !["running", "waiting", "queued"].includes(run.status),
  );
/** The child as its object has it, or null before it exists (the API would answer 404). */
const readChild = (runId: string) => runStubFor(runId).getRun() as Promise<RunView | null>;
const stepOf = (run: RunView) => run.steps.find((step) => step.id === "invoice")!;
const dutyKeysOf = (runId: string) =>
  runInDurableObject(runStubFor(runId), (_instance, state) =>
    state.storage.sql
      .exec<{ key: string }>("SELECT key FROM duties ORDER BY seq")
      .toArray()
      .map((row) => row.key),
  );

afterEach(restoreClock);

describe("a workflow step", () => {
  it("returns the child's output, and parent and child link to each other", async () => {
    await saveWorkflow("wf-invoice", invoiceChild);
    await saveWorkflow("wf-parent", parentOf("wf-invoice"));
    const started = await startRunThroughApi("wf-parent", { input });
    const parent = await settled(started.id);
    expect(parent).toMatchObject({ status: "succeeded", output: { order: "A-7", total: 42 } });
    const childRunId = stepOf(parent).childRunId!;
    expect(childRunId).toMatch(/^run_/);
    const child = await getRun(childRunId);
    expect(child).toMatchObject({
      workflow: "wf-invoice",
      status: "succeeded",
      input,
      parent: { runId: started.id, stepId: "invoice" },
      trigger: { type: "workflow", parentRunId: started.id, parentStepId: "invoice" },
    });
    expect(parent.parent).toBeNull();
  });

  it("pins the child's version when the step names one", async () => {
    await saveWorkflow("wf-versioned", invoiceChild);
    await saveWorkflow("wf-versioned", { ...invoiceChild, output: "'version two'" });
    await saveWorkflow("wf-pinning", parentOf("wf-versioned", { version: 1 }));
    const parent = await settled((await startRunThroughApi("wf-pinning", { input })).id);
    expect(parent.output).toEqual({ order: "A-7", total: 42 });
    expect((await getRun(stepOf(parent).childRunId!)).version).toBe(1);
  });

  it("fails with child_failed when the child fails", async () => {
    await saveWorkflow("wf-failing", failingChild);
    await saveWorkflow("wf-parent-of-failing", parentOf("wf-failing"));
    const parent = await settled((await startRunThroughApi("wf-parent-of-failing", { input })).id);
    expect(stepOf(parent)).toMatchObject({
      status: "failed",
      error: { code: "child_failed", message: expect.stringContaining("the ledger is closed") },
    });
    expect(parent.status).toBe("failed");
    expect((await getRun(stepOf(parent).childRunId!)).status).toBe("failed");
  });

  it("a retry of the step starts a new child run", async () => {
    await saveWorkflow("wf-failing-twice", failingChild);
    await saveWorkflow(
      "wf-retrying-parent",
      parentOf("wf-failing-twice", { retry: { attempts: 2, backoff: "fixed", delay: "1s" } }),
    );
    freezeClock();
    const started = await startRunThroughApi("wf-retrying-parent", { input });
    const retrying = await pollUntil(
      () => getRun(started.id),
      (run) => stepOf(run).status === "retrying",
    );
    const firstChild = stepOf(retrying).childRunId!;
    advanceClock(1_000);
    await runDurableObjectAlarm(runStubFor(started.id));
    const parent = await settled(started.id);
    expect(stepOf(parent).attempts).toHaveLength(2);
    expect(stepOf(parent).childRunId).not.toBe(firstChild);
    expect((await getRun(stepOf(parent).childRunId!)).status).toBe("failed");
  });

  it("fails with child_not_started when the child workflow does not exist", async () => {
    await saveWorkflow("wf-orphan", parentOf("wf-no-such-child"));
    const parent = await settled((await startRunThroughApi("wf-orphan", { input })).id);
    expect(stepOf(parent)).toMatchObject({ status: "failed", error: { code: "child_not_started" } });
  });

  it("cancelling the parent cancels the child", async () => {
    await saveWorkflow("wf-sleepy", sleepyChild);
    await saveWorkflow("wf-cancelled-parent", parentOf("wf-sleepy"));
    const started = await startRunThroughApi("wf-cancelled-parent", { input });
    const waiting = await pollUntil(
      () => getRun(started.id),
      (run) => stepOf(run).childRunId !== undefined,
    );
    const childRunId = stepOf(waiting).childRunId!;
    await pollUntil(
      () => readChild(childRunId),
      (child) => child?.status === "waiting",
    );
    await expectJson(await call("POST", `/api/runs/${started.id}/cancel`), 200);
    expect((await settled(childRunId)).status).toBe("cancelled");
  });

  it("a cancel that beats the child's start leaves no child running: the start is skipped, not retried", async () => {
    await saveWorkflow("wf-sleepy-late", sleepyChild);
    await saveWorkflow("wf-cancelled-first", parentOf("wf-sleepy-late"));
    freezeClock();
    // The child's object cannot be reached for now: the parent's start duty stays owed.
    const unreachable = failRunCalls(
      "start",
      (command) => (command as { workflow?: string }).workflow === "wf-sleepy-late",
    );
    const started = await startRunThroughApi("wf-cancelled-first", { input });
    await pollUntil(
      async () => unreachable.rejected,
      (rejected) => rejected > 0,
    );
    const childRunId = stepOf(await getRun(started.id)).childRunId!;
    await expectJson(await call("POST", `/api/runs/${started.id}/cancel`), 200);
    // The cancel duty has been performed (on a child that does not exist yet).
    await pollUntil(
      () => dutyKeysOf(started.id),
      (keys) => !keys.some((key) => key.startsWith("cancel:")),
    );
    unreachable.restore();
    advanceClock(60_000);
    await runDurableObjectAlarm(runStubFor(started.id));
    expect(await dutyKeysOf(started.id)).toEqual([]);
    const child = await readChild(childRunId);
    expect(child === null || child.status === "cancelled", JSON.stringify(child)).toBe(true);
    expect((await getRun(started.id)).status).toBe("cancelled");
  });

  it("hears of a child that finishes later, on the child's alarm", async () => {
    await saveWorkflow("wf-sleepy-2", sleepyChild);
    await saveWorkflow("wf-patient-parent", parentOf("wf-sleepy-2"));
    freezeClock();
    const started = await startRunThroughApi("wf-patient-parent", { input });
    const waiting = await pollUntil(
      () => getRun(started.id),
      (run) => stepOf(run).childRunId !== undefined,
    );
    const childRunId = stepOf(waiting).childRunId!;
    await pollUntil(
      () => readChild(childRunId),
      (child) => child?.status === "waiting",
    );
    expect((await getRun(started.id)).status).toBe("waiting");
    advanceClock(60 * 60_000 + 1);
    await runDurableObjectAlarm(runStubFor(childRunId));
    expect(await settled(started.id)).toMatchObject({ status: "succeeded", output: "rested" });
  });

  it("keeps telling the parent until it hears: a failed report stays owed and the child's alarm retries it", async () => {
    await saveWorkflow("wf-sleepy-3", sleepyChild);
    await saveWorkflow("wf-deaf-parent", parentOf("wf-sleepy-3"));
    freezeClock();
    const started = await startRunThroughApi("wf-deaf-parent", { input });
    const waiting = await pollUntil(
      () => getRun(started.id),
      (run) => stepOf(run).childRunId !== undefined,
    );
    const childRunId = stepOf(waiting).childRunId!;
    await pollUntil(
      () => readChild(childRunId),
      (child) => child?.status === "waiting",
    );
    // The parent does not hear the child's report for now (the isolate's bindings are shared).
    const runs = env.RUNS;
    const get = runs.get.bind(runs);
    const parentId = runs.idFromName(started.id);
    runs.get = ((id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions) => {
      const stub = get(id, options);
      if (!id.equals(parentId)) return stub;
      return new Proxy(stub, {
        get: (target, key) =>
          key === "childFinished" ? () => Promise.reject(new Error("parent overloaded")) : Reflect.get(target, key),
      });
    }) as typeof runs.get;
    const restore = () => void (runs.get = get);
    onTestFinished(restore);
    advanceClock(60 * 60_000 + 1);
    await runDurableObjectAlarm(runStubFor(childRunId));
    expect((await readChild(childRunId))?.status).toBe("succeeded");
    expect((await getRun(started.id)).status).toBe("waiting");
    expect(await readAlarm(childRunId)).not.toBeNull();

    restore();
    advanceClock(5_000);
    await runDurableObjectAlarm(runStubFor(childRunId));
    expect(await settled(started.id)).toMatchObject({ status: "succeeded", output: "rested" });
  });
});
