// A webhook is acknowledged once its run is durable in its own Durable Object (created
// there, started by its alarm right after), never on the strength of a queue message. The
// delivery id's claim is the one writer of delivery → run: a redelivery answers the first
// delivery's run and makes sure it exists, so a first delivery that died between its claim
// and its run is finished by the next one, under the run id it claimed.
import { env } from "cloudflare:workers";
import { newRunId } from "../../../src/run/ids";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/app";
import type { RunView } from "../../../src/core/engine/run-view";
import { call, expectJson, expectProblem, getRun, saveWorkflow } from "../../support/workers/api";
import { runStartedByWebhook, runStubFor } from "../../support/workers/runs";
import { uniqueName } from "../../support/workers/tokens";

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

function request(workflowId: string, body: unknown, deliveryId?: string): Request {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (deliveryId) headers["x-delivery-id"] = deliveryId;
  return new Request(`http://waymark.test/hooks/${workflowId}`, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
}

/** Scheme `none` dedupes by the trigger's `idHeader`. */
function post(workflowId: string, body: unknown, deliveryId?: string): Promise<Response> {
  const { headers } = request(workflowId, body, deliveryId);
  return call("POST", `/hooks/${workflowId}`, {
    token: null,
    raw: JSON.stringify(body),
    contentType: "application/json",
    headers: Object.fromEntries([...headers].filter(([name]) => name !== "content-type")),
  });
}

const listed = async (workflowId: string) =>
  (
    await expectJson<{ runs: { id: string; status: string }[] }>(
      await call("GET", `/api/runs?workflow=${workflowId}`),
      200,
    )
  ).runs;

async function claimOf(workflowId: string, deliveryId: string): Promise<string | undefined> {
  const row = await env.DB.prepare("SELECT run_id FROM webhook_deliveries WHERE workflow_id = ? AND delivery_id = ?")
    .bind(workflowId, deliveryId)
    .first<{ run_id: string }>();
  return row?.run_id;
}

describe("an accepted webhook", () => {
  it("exists in its run's object when answered, is listed with the request's audit entry, and starts from its alarm", async () => {
    const workflowId = await openWorkflow("accept-durable");
    const { runId } = await expectJson<{ runId: string }>(await post(workflowId, { order: 1 }, "evt-1"), 202);
    expect(await runStubFor(runId).getRun()).toMatchObject({ id: runId, input: { order: 1 } });
    expect(await claimOf(workflowId, "evt-1")).toBe(runId);
    expect((await listed(workflowId)).map((run) => run.id)).toEqual([runId]);
    const audited = await env.DB.prepare("SELECT action, actor_type, result, run_id FROM audit_log WHERE target = ?")
      .bind(`/hooks/${workflowId}`)
      .all();
    expect(audited.results).toEqual([
      { action: "POST /hooks/:id", actor_type: "webhook", result: "202", run_id: runId },
    ]);
    expect(await runStartedByWebhook(runId)).toMatchObject({
      status: "succeeded",
      input: { order: 1 },
      output: { second: { order: 1 } },
      trigger: { type: "webhook", scheme: "none", deliveryId: "evt-1" },
    });
  });

  it("without a delivery id is durable and listed too", async () => {
    const workflowId = await openWorkflow("accept-no-id");
    const { runId } = await expectJson<{ runId: string }>(await post(workflowId, { order: 2 }), 202);
    expect(await runStubFor(runId).getRun()).not.toBeNull();
    expect((await listed(workflowId)).map((run) => run.id)).toEqual([runId]);
    expect((await runStartedByWebhook(runId)).status).toBe("succeeded");
  });

  it("redelivered answers the first delivery's run as a duplicate and creates nothing", async () => {
    const workflowId = await openWorkflow("accept-dupe");
    const first = await expectJson<{ runId: string }>(await post(workflowId, { n: 1 }, "evt-1"), 202);
    expect(await expectJson(await post(workflowId, { n: 1 }, "evt-1"), 200)).toEqual({
      runId: first.runId,
      duplicate: true,
    });
    expect((await runStartedByWebhook(first.runId)).status).toBe("succeeded");
    expect((await listed(workflowId)).map((run) => run.id)).toEqual([first.runId]);
  });

  it("delivered several times at once becomes one run, named in every answer", async () => {
    const workflowId = await openWorkflow("accept-race");
    const answers = await Promise.all(
      Array.from({ length: 5 }, async () => (await post(workflowId, { n: 3 }, "evt-race")).json<{ runId: string }>()),
    );
    const runIds = new Set(answers.map((answer) => answer.runId));
    expect(runIds.size).toBe(1);
    const [runId] = [...runIds];
    expect((await runStartedByWebhook(runId!)).status).toBe("succeeded");
    expect((await listed(workflowId)).map((run) => run.id)).toEqual([runId]);
  });

  it("whose first delivery died after claiming, before its run existed, is finished by the redelivery under the claimed id", async () => {
    const workflowId = await openWorkflow("accept-orphan");
    // A fresh id: objects outlive a test in this isolate, and other tests ask for unknown runs.
    const orphan = newRunId(Date.now());
    await env.DB.prepare(
      "INSERT INTO webhook_deliveries (workflow_id, delivery_id, run_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
    )
      .bind(workflowId, "evt-orphan", orphan, Date.now(), Date.now() + 60_000)
      .run();
    expect(await expectJson(await post(workflowId, { n: 4 }, "evt-orphan"), 200)).toEqual({
      runId: orphan,
      duplicate: true,
    });
    expect(await runStartedByWebhook(orphan)).toMatchObject({ status: "succeeded", input: { n: 4 } });
    expect(await claimOf(workflowId, "evt-orphan")).toBe(orphan);
  });

  it("carries an input over 64 KiB through R2", async () => {
    const workflowId = await openWorkflow("accept-large");
    const large = { blob: "x".repeat(100 * 1024) };
    const { runId } = await expectJson<{ runId: string }>(await post(workflowId, large, "evt-large"), 202);
    const run = await runStartedByWebhook(runId);
    expect(run.status).toBe("succeeded");
    expect((run.input as { blob: string }).blob).toHaveLength(100 * 1024);
  });
});

describe("a webhook whose run cannot be created", () => {
  /** The real bindings, except that every run's object is overloaded. */
  const overloaded = {
    ...env,
    RUNS: {
      idFromName: (name: string) => env.RUNS.idFromName(name),
      get: () => ({ accept: () => Promise.reject(new Error("Durable Object is overloaded")) }),
    },
  } as unknown as Env;

  it("answers 503 with Retry-After and keeps the claim: the provider's retry creates that very run", async () => {
    const workflowId = await openWorkflow("accept-overloaded");
    const app = createApp();
    const refused = await app.fetch(request(workflowId, { n: 5 }, "evt-5"), overloaded, createExecutionContext());
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    await expectProblem(refused, 503, "unavailable");
    const claimed = await claimOf(workflowId, "evt-5");
    expect(claimed).toMatch(/^run_/);

    const retried = await expectJson<{ runId: string }>(await post(workflowId, { n: 5 }, "evt-5"), 200);
    expect(retried.runId).toBe(claimed);
    const run: RunView = await runStartedByWebhook(claimed!);
    expect(run).toMatchObject({ status: "succeeded", input: { n: 5 } });
    expect((await getRun(claimed!)).id).toBe(claimed);
  });
});
