// A webhook is acknowledged once its delivery id's claim holds the run's start in its intake
// shard, never on the strength of a queue message; the run is created right behind the
// answer, by the first read of it, or by the shard's alarm after a crash. The claim is the one
// writer of delivery → run: a redelivery answers the first delivery's run.
import { env } from "cloudflare:workers";
import { newRunId } from "../../../src/run/ids";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/app";
import type { RunView } from "../../../src/core/engine/run-view";
import { call, expectJson, expectProblem, saveWorkflow } from "../../support/workers/api";
import { listedRunIds, runStartedByWebhook, runStubFor } from "../../support/workers/runs";
import { uniqueName } from "../../support/workers/tokens";
import { claimOn, fireShardAlarm, holdStart, inShardOf } from "../../support/workers/intake";
import { runIdInShard, shardOfKey } from "../../../src/core/intake-shards";

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

/** What a crash right after the answer leaves: the claim holding its run's start, the run not created yet. */
async function heldStart(workflowId: string, deliveryId: string, input: unknown): Promise<string> {
  const key = `hook:${workflowId}:${deliveryId}`;
  const saved = await expectJson<{ version: number; definition: unknown }>(
    await call("GET", `/api/workflows/${workflowId}`),
    200,
  );
  const now = Date.now();
  const runId = runIdInShard(newRunId(now), shardOfKey(key));
  const trigger = { type: "webhook", scheme: "none", deliveryId };
  const start = {
    runId,
    createdAt: now,
    workflow: workflowId,
    version: saved.version,
    definition: saved.definition,
    input,
    trigger,
  };
  await holdStart(key, start);
  return runId;
}

async function claimOf(workflowId: string, deliveryId: string): Promise<string | undefined> {
  return (await claimOn(`hook:${workflowId}:${deliveryId}`))?.run_id;
}

describe("an accepted webhook", () => {
  it("is held by its intake shard when answered, readable at once, listed with the request's audit entry, and starts", async () => {
    const workflowId = await openWorkflow("accept-durable");
    const { runId } = await expectJson<{ runId: string }>(await post(workflowId, { order: 1 }, "evt-1"), 202);
    expect(await claimOf(workflowId, "evt-1")).toBe(runId);
    expect(await expectJson(await call("GET", `/api/runs/${runId}`), 200)).toMatchObject({
      id: runId,
      input: { order: 1 },
    });
    expect(await listedRunIds(workflowId, runId)).toEqual([runId]);
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
    expect(await listedRunIds(workflowId, runId)).toEqual([runId]);
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
    expect(await listedRunIds(workflowId, first.runId)).toEqual([first.runId]);
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
    expect(await listedRunIds(workflowId, runId!)).toEqual([runId]);
  });

  it("whose run a crash left held in its shard is created by the first read, once; a redelivery names it", async () => {
    const workflowId = await openWorkflow("accept-held");
    const runId = await heldStart(workflowId, "evt-held", { n: 4 });
    expect(await expectJson(await post(workflowId, { n: 4 }, "evt-held"), 200)).toEqual({ runId, duplicate: true });
    expect(await runStubFor(runId).getRun()).toBeNull();
    expect(await expectJson(await call("GET", `/api/runs/${runId}`), 200)).toMatchObject({ id: runId });
    expect(await claimOn(`hook:${workflowId}:evt-held`)).toMatchObject({ state: "done", start: null });
    expect(await runStartedByWebhook(runId)).toMatchObject({ status: "succeeded", input: { n: 4 } });
    expect(await listedRunIds(workflowId, runId)).toEqual([runId]);
  });

  it("whose run a crash left held in its shard can be rerun, and its items asked for, at once", async () => {
    const workflowId = await openWorkflow("accept-held-rerun");
    const runId = await heldStart(workflowId, "evt-held-rerun", { n: 6 });
    const rerun = await expectJson<{ run: { rerunOf: string } }>(await call("POST", `/api/runs/${runId}/rerun`), 202);
    expect(rerun.run.rerunOf).toBe(runId);
    const other = await heldStart(workflowId, "evt-held-items", { n: 7 });
    // Not a map: the run is found (409), not missing (404).
    await expectProblem(await call("GET", `/api/runs/${other}/steps/first/items`), 409, "invalid_state");
  });

  it("whose run a crash left held in its shard is created by the shard's alarm", async () => {
    const workflowId = await openWorkflow("accept-alarm");
    const runId = await heldStart(workflowId, "evt-alarm", { n: 5 });
    expect(await fireShardAlarm(`hook:${workflowId}:evt-alarm`)).toBe(true);
    expect(await claimOn(`hook:${workflowId}:evt-alarm`)).toMatchObject({ run_id: runId, state: "done", start: null });
    expect(await runStartedByWebhook(runId)).toMatchObject({ status: "succeeded", input: { n: 5 } });
  });

  it("over SQLite's 2 MB of UTF-8, though under 1 Mi characters, is created before the answer too", async () => {
    const workflowId = await openWorkflow("accept-wide");
    // 716,800 characters, 2.1 MB: a start held by characters would not fit the shard's row.
    const wide = { text: "€".repeat(700 * 1024) };
    const { runId } = await expectJson<{ runId: string }>(await post(workflowId, wide, "evt-wide"), 202);
    expect(await runStubFor(runId).getRun()).toMatchObject({ id: runId });
    expect(await claimOn(`hook:${workflowId}:evt-wide`)).toMatchObject({ state: "done", start: null });
  });

  it("over 1 MiB is created before the answer; a redelivery after its first delivery died finishes it", async () => {
    const workflowId = await openWorkflow("accept-huge");
    const key = `hook:${workflowId}:evt-huge`;
    const huge = { blob: "x".repeat(1100 * 1024) };
    const { runId } = await expectJson<{ runId: string }>(await post(workflowId, huge, "evt-huge"), 202);
    expect(await runStubFor(runId).getRun()).toMatchObject({ id: runId });
    expect(await claimOn(key)).toMatchObject({ state: "done", start: null });
    // A first delivery that claimed, then died before its run existed.
    const orphan = runIdInShard(newRunId(Date.now()), shardOfKey(key));
    await inShardOf(key, "UPDATE claims SET run_id = ?, state = 'in_flight' WHERE key = ?", orphan, key);
    expect(await expectJson(await post(workflowId, huge, "evt-huge"), 200)).toEqual({ runId: orphan, duplicate: true });
    expect(await claimOn(key)).toMatchObject({ run_id: orphan, state: "done" });
    expect((await runStartedByWebhook(orphan)).status).toBe("succeeded");
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

describe("a webhook that cannot be accepted", () => {
  /** The real bindings, except that every intake shard (or every run's object) is overloaded. */
  const overloaded = (binding: "INTAKE" | "RUNS", method: string) =>
    ({
      ...env,
      [binding]: {
        idFromName: (name: string) => env[binding].idFromName(name),
        get: () => ({ [method]: () => Promise.reject(new Error("Durable Object is overloaded")) }),
      },
    }) as unknown as Env;

  it("answers 503 with Retry-After and claims nothing: the provider's retry starts the run", async () => {
    const workflowId = await openWorkflow("accept-overloaded");
    const refused = await createApp().fetch(
      request(workflowId, { n: 5 }, "evt-5"),
      overloaded("INTAKE", "admit"),
      createExecutionContext(),
    );
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    await expectProblem(refused, 503, "unavailable");
    expect(await claimOf(workflowId, "evt-5")).toBeUndefined();

    const retried = await expectJson<{ runId: string }>(await post(workflowId, { n: 5 }, "evt-5"), 202);
    const run: RunView = await runStartedByWebhook(retried.runId);
    expect(run).toMatchObject({ status: "succeeded", input: { n: 5 } });
    expect(await listedRunIds(workflowId, retried.runId)).toEqual([retried.runId]);
  });

  it("without a delivery id answers 503 when its run cannot be created", async () => {
    const workflowId = await openWorkflow("accept-overloaded-no-id");
    const refused = await createApp().fetch(
      request(workflowId, { n: 6 }),
      overloaded("RUNS", "accept"),
      createExecutionContext(),
    );
    await expectProblem(refused, 503, "unavailable");
    expect(await listedRunIds(workflowId)).toEqual([]);
  });
});
