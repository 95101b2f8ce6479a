// What an API start waits on in D1: the workflow's row, then one batch that carries both the
// call's audit entry and the run's index row (api/audit-trail.ts `alongsideAudit`), so the
// answer waits on two round trips, not three, and both rows are there when it comes.
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app";
import { ADMIN_TOKEN, saveWorkflow } from "../support/workers/api";
import { uniqueName } from "../support/workers/tokens";

const app = createApp();

/** The test's D1, counting the round trips the Worker makes: each `batch`, and each lone statement run. */
function countingD1(): { d1: D1Database; trips: string[] } {
  const trips: string[] = [];
  const wrapStatement = (statement: D1PreparedStatement, sql: string): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (typeof value !== "function") return value;
        if (key === "bind")
          return (...args: unknown[]) =>
            wrapStatement((value as (...a: unknown[]) => D1PreparedStatement).apply(target, args), sql);
        if (["run", "all", "first", "raw"].includes(String(key))) {
          return (...args: unknown[]) => {
            trips.push(`statement: ${sql.slice(0, 40)}`);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
  const d1 = new Proxy(env.DB, {
    get(target, key, receiver) {
      if (key === "prepare") return (sql: string) => wrapStatement(target.prepare(sql), sql);
      if (key === "batch") {
        return (statements: D1PreparedStatement[]) => {
          trips.push(`batch of ${statements.length}`);
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, key, receiver) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { d1, trips };
}

describe("starting a run through the API", () => {
  it("writes its audit entry and the run's index row in one D1 batch before answering", async () => {
    const workflowId = uniqueName("start-writes");
    await saveWorkflow(workflowId, {
      id: workflowId,
      triggers: [{ type: "api" }],
      steps: [{ id: "only", type: "transform", expr: "input.n * 2" }],
    });
    const { d1, trips } = countingD1();
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

    // The workflow's row (its version definition may come from this isolate's cache), then one batch of two.
    expect(trips.filter((trip) => trip.startsWith("batch"))).toEqual(["batch of 2"]);
    expect(trips.length).toBeLessThanOrEqual(3);
    const listed = await env.DB.prepare("SELECT status FROM runs WHERE id = ?")
      .bind(run.id)
      .first<{ status: string }>();
    expect(listed).not.toBeNull();
    const audited = await env.DB.prepare("SELECT action, result FROM audit_log WHERE request_id = ?")
      .bind(`ray-${workflowId}`)
      .first<{ action: string; result: string }>();
    expect(audited).toEqual({ action: "POST /api/workflows/:id/runs", result: "202" });
    await waitOnExecutionContext(ctx);
  });
});
