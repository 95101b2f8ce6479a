// A webhook is acknowledged once its start is on the queue (src/triggers/accepted-starts.ts):
// the run is listed and readable as queued at once, the consumer creates it, a redelivery's
// own message is dropped, a handler that died between sending and claiming loses nothing, a
// large input travels through R2, and a start that exhausts its deliveries fails its run.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectJson, expectProblem, getRun, saveWorkflow } from "../support/workers/api";
import {
  acceptedStart,
  pollUntil,
  readRun,
  recordedStartIds,
  runStartedByWebhook,
  runStubFor,
  waitForOutboxFlush,
} from "../support/workers/runs";
import { DEAD_LETTER_QUEUE, deliver } from "../support/workers/tasks";
import { uniqueName } from "../support/workers/tokens";
import type { RunView } from "../../src/run/view";

async function openWorkflow(prefix: string): Promise<string> {
  const id = uniqueName(prefix);
  await saveWorkflow(id, {
    id,
    triggers: [{ type: "webhook", verify: { scheme: "none", idHeader: "x-delivery-id" } }],
    steps: [
      { id: "first", type: "transform", expr: "input" },
      { id: "second", type: "transform", needs: ["first"], expr: "steps.first.output" },
    ],
  });
  return id;
}

/** Scheme `none` dedupes by the trigger's `idHeader`. */
async function post(workflowId: string, body: unknown, deliveryId?: string): Promise<Response> {
  const headers: Record<string, string> = deliveryId ? { "x-delivery-id": deliveryId } : {};
  return call("POST", `/hooks/${workflowId}`, {
    token: null,
    raw: JSON.stringify(body),
    contentType: "application/json",
    headers,
  });
}

async function claimOf(workflowId: string, deliveryId: string): Promise<string | undefined> {
  const row = await env.DB.prepare("SELECT run_id FROM webhook_deliveries WHERE workflow_id = ? AND delivery_id = ?")
    .bind(workflowId, deliveryId)
    .first<{ run_id: string }>();
  return row?.run_id;
}

describe("a webhook accepted onto the queue", () => {
  it("is listed and readable as queued before the consumer creates it, with every step pending", async () => {
    const workflowId = await openWorkflow("accept-listed");
    const { runId } = await expectJson<{ runId: string }>(await post(workflowId, { order: 1 }), 202);
    expect(await runStubFor(runId).getRun()).toBeNull();

    const listed = await expectJson<{ runs: { id: string; status: string }[] }>(
      await call("GET", `/api/runs?workflow=${workflowId}`),
      200,
    );
    expect(listed.runs.map((run) => [run.id, run.status])).toEqual([[runId, "queued"]]);
    const queued = await getRun(runId);
    expect(queued).toMatchObject({
      id: runId,
      workflow: workflowId,
      status: "queued",
      trigger: { type: "webhook" },
      input: null,
      output: null,
    });
    expect(queued.steps.map((step) => [step.id, step.status])).toEqual([
      ["first", "pending"],
      ["second", "pending"],
    ]);

    // The request's audit entry was written with the listing, naming the run.
    const audited = await env.DB.prepare(
      "SELECT action, target, actor_type, result, run_id FROM audit_log WHERE target = ?",
    )
      .bind(`/hooks/${workflowId}`)
      .all();
    expect(audited.results).toEqual([
      {
        action: "POST /hooks/:id",
        target: `/hooks/${workflowId}`,
        actor_type: "webhook",
        result: "202",
        run_id: runId,
      },
    ]);

    const run = await runStartedByWebhook(runId);
    expect(run).toMatchObject({
      status: "succeeded",
      input: { order: 1 },
      output: { second: { order: 1 } },
      trigger: { type: "webhook", scheme: "none" },
    });
    expect(Date.parse(run.createdAt)).toBe(Date.parse(queued.createdAt));
  });

  it("claims the delivery id and lists the run in one go, and a redelivery's own start is dropped by the consumer", async () => {
    const workflowId = await openWorkflow("accept-dupe");
    const first = await expectJson<{ runId: string }>(await post(workflowId, { n: 1 }, "evt-1"), 202);
    expect(await claimOf(workflowId, "evt-1")).toBe(first.runId);
    const sentBefore = queuedStarts(workflowId);
    expect(await expectJson(await post(workflowId, { n: 1 }, "evt-1"), 200)).toEqual({
      runId: first.runId,
      duplicate: true,
    });
    // Each delivery has its audit entry: the first written with its claim, the redelivery's by the audit trail.
    await pollUntil(
      async () =>
        (
          await env.DB.prepare("SELECT result, run_id FROM audit_log WHERE target = ? ORDER BY seq")
            .bind(`/hooks/${workflowId}`)
            .all()
        ).results,
      (rows) => rows.length === 2,
    ).then((rows) =>
      expect(rows).toEqual([
        { result: "202", run_id: first.runId },
        { result: "200", run_id: null },
      ]),
    );

    // The redelivery queued a start of its own before it learnt it was one: the consumer drops it.
    const redelivered = queuedStarts(workflowId).filter((runId) => !sentBefore.includes(runId));
    expect(redelivered).toHaveLength(1);
    const dropped = await deliver([acceptedStart(redelivered[0]!)]);
    expect(dropped.result.explicitAcks).toHaveLength(1);
    expect(await runStubFor(redelivered[0]!).getRun()).toBeNull();

    expect((await runStartedByWebhook(first.runId)).status).toBe("succeeded");
    await waitForOutboxFlush(first.runId);
    const listed = await expectJson<{ runs: { id: string }[] }>(
      await call("GET", `/api/runs?workflow=${workflowId}`),
      200,
    );
    expect(listed.runs.map((run) => run.id)).toEqual([first.runId]);
  });

  it("claims the delivery ids of a whole message batch at once: of two starts for one id in the same batch, one run", async () => {
    const workflowId = await openWorkflow("accept-batch");
    const first = await expectJson<{ runId: string }>(await post(workflowId, { n: 5 }, "evt-batch"), 202);
    const other = await expectJson<{ runId: string }>(await post(workflowId, { n: 6 }, "evt-other"), 202);
    const before = queuedStarts(workflowId);
    await post(workflowId, { n: 5 }, "evt-batch");
    const redelivered = queuedStarts(workflowId).find((runId) => !before.includes(runId))!;
    const batch = await deliver([acceptedStart(redelivered), acceptedStart(first.runId), acceptedStart(other.runId)]);
    expect(batch.result.explicitAcks).toHaveLength(3);
    expect(await runStubFor(redelivered).getRun()).toBeNull();
    expect((await readRun(first.runId)).status).toBe("succeeded");
    expect((await readRun(other.runId)).status).toBe("succeeded");
  });

  it("loses nothing when the edge died after queueing the start and before claiming: the consumer claims the id itself", async () => {
    const workflowId = await openWorkflow("accept-orphan");
    const { runId } = await expectJson<{ runId: string }>(await post(workflowId, { n: 2 }, "evt-orphan"), 202);
    // As if the claim and the listing had never been written.
    await env.DB.batch([
      env.DB.prepare("DELETE FROM webhook_deliveries WHERE workflow_id = ?").bind(workflowId),
      env.DB.prepare("DELETE FROM runs WHERE id = ?").bind(runId),
    ]);

    expect((await runStartedByWebhook(runId)).status).toBe("succeeded");
    expect(await claimOf(workflowId, "evt-orphan")).toBe(runId);
    // The provider's retry of the delivery that got no answer names that run.
    expect(await expectJson(await post(workflowId, { n: 2 }, "evt-orphan"), 200)).toEqual({ runId, duplicate: true });
  });

  it("takes a claim over when its start never ran for 30 s; the superseded start is then dropped and unlisted", async () => {
    const workflowId = await openWorkflow("accept-takeover");
    const stale = await expectJson<{ runId: string }>(await post(workflowId, { n: 7 }, "evt-stuck"), 202);
    // As if the first start had sat unconsumed for over 30 s.
    await env.DB.prepare("UPDATE webhook_deliveries SET created_at = created_at - 31000 WHERE workflow_id = ?")
      .bind(workflowId)
      .run();
    const fresh = await expectJson<{ runId: string }>(await post(workflowId, { n: 7 }, "evt-stuck"), 202);
    expect(fresh.runId).not.toBe(stale.runId);
    expect(await claimOf(workflowId, "evt-stuck")).toBe(fresh.runId);

    expect((await deliver([acceptedStart(stale.runId)])).result.explicitAcks).toHaveLength(1);
    expect(await runStubFor(stale.runId).getRun()).toBeNull();
    expect((await runStartedByWebhook(fresh.runId)).status).toBe("succeeded");
    await waitForOutboxFlush(fresh.runId);
    const listed = await expectJson<{ runs: { id: string }[] }>(
      await call("GET", `/api/runs?workflow=${workflowId}`),
      200,
    );
    expect(listed.runs.map((run) => run.id)).toEqual([fresh.runId]);
    await expectProblem(await call("GET", `/api/runs/${stale.runId}`), 404, "not_found");
  });

  it("carries an input over 64 KiB through R2, since a queue message holds 128 KB at most", async () => {
    const workflowId = await openWorkflow("accept-large");
    const input = { blob: "x".repeat(100 * 1024) };
    const { runId } = await expectJson<{ runId: string }>(await post(workflowId, input), 202);
    const message = acceptedStart(runId);
    expect(JSON.stringify(message).length).toBeLessThan(1024);
    expect(message.input).toMatchObject({ $blob: expect.any(String) });
    const run = await runStartedByWebhook(runId);
    expect(run.status).toBe("succeeded");
    expect((run.output as { second: { blob: string } }).second.blob).toHaveLength(100 * 1024);
  });

  it("redelivers a start the consumer could not carry out, and fails the listed run once its deliveries are exhausted", async () => {
    const workflowId = await openWorkflow("accept-dead");
    const { runId } = await expectJson<{ runId: string }>(await post(workflowId, { n: 3 }, "evt-dead"), 202);
    // The consumer's first step, the claim check, cannot reach D1.
    const broken = {
      ...env,
      DB: {
        ...env.DB,
        prepare: () => {
          throw new Error("D1 is down");
        },
        batch: () => Promise.reject(new Error("D1 is down")),
      },
    } as unknown as Env;
    const failed = await deliver([acceptedStart(runId)], { env: broken });
    expect(failed.result.retryMessages).toHaveLength(1);
    expect(await runStubFor(runId).getRun()).toBeNull();

    await deliver([acceptedStart(runId)], { queue: DEAD_LETTER_QUEUE, attempts: 6 });
    const run: RunView = await getRun(runId);
    expect(run).toMatchObject({ id: runId, status: "failed", error: { code: "delivery_failed" } });
    expect(run.finishedAt).not.toBeNull();
    const listed = await expectJson<{ runs: { id: string; status: string; error?: unknown }[] }>(
      await call("GET", `/api/runs?workflow=${workflowId}`),
      200,
    );
    expect(listed.runs.map((row) => [row.id, row.status])).toEqual([[runId, "failed"]]);
  });

  it("leaves a run that was created alone when a stray copy of its start reaches the dead-letter queue", async () => {
    const workflowId = await openWorkflow("accept-stray");
    const { runId } = await expectJson<{ runId: string }>(await post(workflowId, { n: 4 }), 202);
    expect((await runStartedByWebhook(runId)).status).toBe("succeeded");
    await deliver([acceptedStart(runId)], { queue: DEAD_LETTER_QUEUE, attempts: 6 });
    expect((await readRun(runId)).status).toBe("succeeded");
    await waitForOutboxFlush(runId);
    const listed = await expectJson<{ runs: { status: string }[] }>(
      await call("GET", `/api/runs?workflow=${workflowId}`),
      200,
    );
    expect(listed.runs.map((row) => row.status)).toEqual(["succeeded"]);
  });
});

/** Run ids of every start queued so far for the workflow (each accepted delivery queues one). */
function queuedStarts(workflowId: string): string[] {
  return recordedStartIds().filter((runId) => acceptedStart(runId).workflowId === workflowId);
}
