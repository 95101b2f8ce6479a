// What an API start waits on in D1: the workflow's row, and no write. The call's audit entry
// goes to the run it creates, which records it in its own storage before the start returns
// and writes it to D1 through its outbox with the run's index row, right after.
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app";
import { countingD1 } from "../support/counting-d1";
import { ADMIN_TOKEN, saveWorkflow } from "../support/workers/api";
import { newRunId } from "../../src/run/ids";
import { startRun } from "../../src/run/start-run";
import { pollUntil } from "../support/workers/runs";
import { uniqueName } from "../support/workers/tokens";

const app = createApp();

/** The test's D1, listing the round trips the Worker makes: each `batch`, and each lone statement run. */
function countedD1(): { d1: D1Database; trips: string[] } {
  const trips: string[] = [];
  const d1 = countingD1(env.DB, (kind, statements) =>
    trips.push(kind === "batch" ? `batch of ${statements}` : `statement: ${kind}`),
  );
  return { d1, trips };
}

describe("starting a run through the API", () => {
  it("answers after reading the workflow alone; the run then writes the call's entry and its index row", async () => {
    const workflowId = uniqueName("start-writes");
    await saveWorkflow(workflowId, {
      id: workflowId,
      triggers: [{ type: "api" }],
      steps: [{ id: "only", type: "transform", expr: "input.n * 2" }],
    });
    const { d1, trips } = countedD1();
    const ctx = createExecutionContext();
    const request = new Request(`http://waymark.test/api/workflows/${workflowId}/runs`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        "content-type": "application/json",
        "cf-ray": `ray-${workflowId}`,
      },
      body: JSON.stringify({ input: { n: 21 } }),
    });
    const response = await app.fetch(request, { ...env, DB: d1 } as unknown as Env, ctx);
    expect(response.status).toBe(202);
    const { run } = (await response.json()) as { run: { id: string; status: string } };
    expect(run.status).toBe("succeeded");

    // The workflow's row (its version definition may come from this isolate's cache), nothing written.
    expect(trips.filter((trip) => trip.startsWith("batch"))).toEqual([]);
    expect(trips.length).toBeLessThanOrEqual(2);
    const listed = await pollUntil(
      () => env.DB.prepare("SELECT status FROM runs WHERE id = ?").bind(run.id).first<{ status: string }>(),
      (row) => row !== null,
    );
    expect(listed).toEqual({ status: "succeeded" });
    const audited = await pollUntil(
      () =>
        env.DB.prepare("SELECT action, result, actor_type AS actorType FROM audit_log WHERE request_id = ?")
          .bind(`ray-${workflowId}`)
          .all<{ action: string; result: string; actorType: string }>(),
      ({ results }) => results.length > 0,
    );
    // Exactly one entry for the call: the run's, not a second one from the request's own trail.
    expect(audited.results).toEqual([{ action: "POST /api/workflows/:id/runs", result: "202", actorType: "token" }]);
    await waitOnExecutionContext(ctx);
  });

  it("keeps the entry of a start that finds its run already there (a raced idempotent retry)", async () => {
    const workflowId = uniqueName("start-writes-again");
    await saveWorkflow(workflowId, {
      id: workflowId,
      triggers: [{ type: "api" }],
      steps: [{ id: "only", type: "transform", expr: "input.n * 2" }],
    });
    const runId = newRunId(Date.now());
    const entry = (requestId: string) => ({
      eventId: `request:${requestId}`,
      at: Date.now(),
      actorType: "token",
      action: "POST /api/workflows/:id/runs",
      target: `/api/workflows/${workflowId}/runs`,
      requestId,
      result: "202",
    });
    await startRun(env, {
      workflowId,
      input: { n: 1 },
      trigger: { type: "api" },
      runId,
      auditEntries: [entry(`${runId}-a`)],
    });
    await startRun(env, {
      workflowId,
      input: { n: 1 },
      trigger: { type: "api" },
      runId,
      auditEntries: [entry(`${runId}-b`)],
    });
    const audited = await pollUntil(
      () =>
        env.DB.prepare("SELECT request_id AS requestId FROM audit_log WHERE request_id LIKE ? ORDER BY request_id")
          .bind(`${runId}-%`)
          .all<{ requestId: string }>(),
      ({ results }) => results.length === 2,
    );
    expect(audited.results).toEqual([{ requestId: `${runId}-a` }, { requestId: `${runId}-b` }]);
  });
});
